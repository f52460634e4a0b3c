/**
 * Candidate recall by source: of the true purchases of a feature set's
 * customers in [cut-off, cut-off + H), the share each candidate source
 * (`candidates.ts`: own past items, popular items, co-purchases, nearest
 * customers' items) puts among the candidates, and the share all of them do.
 * The ceiling of any ranking's Recall@K over these candidates, by where the
 * candidates come from.
 */
import { DAY_MS } from '../lib/schema';
import { lowerBound } from '../ranking/ranges';
import { SOURCE_FLAG_FEATURES } from './build';
import type { SOURCE } from './candidates';
import { FeatureContractError } from './errors';
import { customerItemsInWindow, type EventIndex } from './event-index';
import type { FeatureSet } from './types';

/** A candidate source, as `SOURCE` names it. */
export type CandidateSource = keyof typeof SOURCE;

/** Candidate recall over the customers of a feature set. */
export interface SourceRecall {
  /** Customers with candidate rows. */
  customers: number;
  /** Their true (customer, item) purchases in the horizon. */
  purchases: number;
  /** Share of the purchases among the candidates of any source, in [0, 1] (0 when there are none). */
  recall: number;
  /** Candidate rows per customer, mean. */
  perCustomer: number;
  /** The same per source (sources overlap: an own item can be popular too). */
  sources: { source: CandidateSource; recall: number; perCustomer: number }[];
}

/**
 * Candidate recall of each source over the customers of `fs` (every customer
 * with a row; a sample's customers when `fs` is one).
 * @param fs a feature set as `buildFeatureSet` makes it: rows sorted by (customer, item), with the source flag features.
 * @param index the event index, including the horizon after `fs.cutoff`.
 * @param horizonDays H.
 * @throws FeatureContractError when `fs` lacks a source flag feature.
 */
export function candidateRecallBySource(fs: FeatureSet, index: EventIndex, horizonDays: number): SourceRecall {
  const width = fs.names.length;
  const column = (name: string): number => {
    const at = fs.names.indexOf(name);
    if (at < 0) throw new FeatureContractError('FeatureSet.names', `expected the source flag feature ${name}, found ${fs.names.join(', ')}`);
    return at;
  };
  const flags = [column(SOURCE_FLAG_FEATURES.own), column(SOURCE_FLAG_FEATURES.popular), column(SOURCE_FLAG_FEATURES.copurchase)];
  const names: CandidateSource[] = ['own', 'popular', 'copurchase', 'knn'];
  /** Bit s of the row's sources, in `names` order. */
  const sourcesOf = (row: number): number => {
    let bits = 0;
    flags.forEach((col, s) => {
      if (fs.values[row * width + col] === 1) bits |= 1 << s;
    });
    return bits === 0 ? 1 << 3 : bits;
  };
  const truth = customerItemsInWindow(index, fs.cutoff, fs.cutoff + horizonDays * DAY_MS);
  const found = new Float64Array(names.length);
  const rows = new Float64Array(names.length);
  let any = 0;
  let purchases = 0;
  let customers = 0;
  for (let from = 0; from < fs.n; ) {
    const c = fs.customer[from];
    let to = from;
    while (to < fs.n && fs.customer[to] === c) {
      const bits = sourcesOf(to++);
      for (let s = 0; s < names.length; s++) if (bits & (1 << s)) rows[s]++;
    }
    customers++;
    for (let p = truth.offsets[c]; p < truth.offsets[c + 1]; p++) {
      purchases++;
      const row = lowerBound(fs.item, truth.items[p], from, to);
      if (row === to || fs.item[row] !== truth.items[p]) continue;
      any++;
      const bits = sourcesOf(row);
      for (let s = 0; s < names.length; s++) if (bits & (1 << s)) found[s]++;
    }
    from = to;
  }
  const share = (x: number): number => (purchases === 0 ? 0 : x / purchases);
  const mean = (x: number): number => (customers === 0 ? 0 : x / customers);
  return {
    customers,
    purchases,
    recall: share(any),
    perCustomer: mean(fs.n),
    sources: names.map((source, s) => ({ source, recall: share(found[s]), perCustomer: mean(rows[s]) })),
  };
}
