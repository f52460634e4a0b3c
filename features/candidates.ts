/**
 * Candidate generation at a cut-off: which (customer, item) pairs get scored.
 * Four sources, so the work is customers × candidates, never customers × items:
 * the customer's own past items, the N most popular items of the last 30 days,
 * the M items most co-purchased with the customer's recent items, and the M'
 * items most bought by the customer's nearest customers (`customer-knn.ts`).
 *
 * Split in two so that customer batches share the cut-off's work:
 * {@link prepareCandidates} computes what every customer uses (the popularity
 * ranking, the co-occurrence neighbours and the customer vectors) once;
 * {@link generateCandidates} then costs the batch customers' past events, their
 * bounded neighbour searches and their rows.
 */
import { DAY_MS } from '../lib/schema';
import { FeatureContractError } from './errors';
import { itemNeighbours, type ItemNeighbours } from './cooccurrence';
import { CustomerKnnScratch, customerVectors, DEFAULT_KNN_NEIGHBOURS, DEFAULT_KNN_POSTINGS, DEFAULT_KNN_QUERY_ITEMS, type CustomerVectors } from './customer-knn';
import { eventsBefore, EventIndex, knownCustomers, knownItems, pastEnd } from './event-index';
import { itemEventCounts, rankItems } from './popularity';
import { topByScore } from '../ranking/topk';

/** Bit flags of `Candidates.source`. */
export const SOURCE = { own: 1, popular: 2, copurchase: 4, knn: 8 } as const;

/** Tuning of candidate generation; defaults in brackets. */
export interface CandidateOptions {
  /** N: most popular items of the popularity window every customer gets [100]. */
  popularN?: number;
  /** Popularity window in days [30]. */
  popularityWindowDays?: number;
  /** M: co-purchase candidates per customer, items neither bought before nor popular [50]. */
  copurchaseM?: number;
  /** The customer's last R orders whose items seed co-purchase [3]. */
  recentOrders?: number;
  /** Neighbours kept per item in the co-occurrence table [50]. */
  neighbours?: number;
  /** M': candidates per customer from its nearest customers, items of no other source [0]. */
  knnM?: number;
  /** K: nearest customers of the customer-KNN score [{@link DEFAULT_KNN_NEIGHBOURS}]. */
  knnNeighbours?: number;
  /** A customer's items of highest weight that search for its nearest customers [{@link DEFAULT_KNN_QUERY_ITEMS}]. */
  knnQueryItems?: number;
  /** Buyers of highest weight kept per item for that search [{@link DEFAULT_KNN_POSTINGS}]. */
  knnPostings?: number;
}

/** The cut-off's shared candidate work ({@link prepareCandidates}), read-only afterwards. */
export interface CandidatePool {
  cutoff: number;
  /** Events before the cut-off (`eventsBefore`). */
  e: number;
  /** Customers known at the cut-off: dense ids [0, knownCustomers). */
  knownCustomers: number;
  /** Items known at the cut-off: dense ids [0, knownItems). */
  knownItems: number;
  /** The options in effect, defaults filled in. */
  options: Required<CandidateOptions>;
  /** The N most popular items, best first. */
  popular: Int32Array;
  /** 1-based rank of each known item by purchase events in the popularity window; unsold items get (sold items + 1). */
  popularityRank: Float32Array;
  /** Co-occurrence neighbours of every known item; null when M = 0. */
  neighbours: ItemNeighbours | null;
  /** Item vectors of the known customers, for the customer-KNN score. */
  vectors: CustomerVectors;
}

/** Candidates of a set of customers, CSR over those customers. */
export interface Candidates {
  cutoff: number;
  knownCustomers: number;
  /** The customers, distinct and ascending. */
  customers: Int32Array;
  /** Length customers.length + 1: rows of `customers[k]` are `offsets[k] .. offsets[k+1]`. */
  offsets: Int32Array;
  /** Dense item ids, ascending within a customer: rows sorted by (customer, item). */
  items: Int32Array;
  /** SOURCE flags per row. */
  source: Uint8Array;
  /** Σ over the customer's seed items (last R orders) of cosine similarity to the row's item; 0 when unrelated. */
  copurchase: Float32Array;
  /** The customer-KNN score of the row's item (`CustomerKnnScratch.scores`). */
  knn: Float32Array;
  /** 1-based rank of each known item by purchase events in the popularity window; unsold items get (sold items + 1). */
  popularityRank: Float32Array;
}

/**
 * The cut-off's candidate work shared by every customer: the popularity ranking
 * of [t − window, t) (ties by item id, the ranking of the popularity baseline),
 * the co-occurrence neighbours ({@link itemNeighbours}) and the known
 * customers' item vectors ({@link customerVectors}), from events before t.
 * Time O(events before t + items log items + Σ over baskets of |basket|²).
 * @param index the event index.
 * @param cutoff t, ms UTC.
 * @param options see {@link CandidateOptions}.
 * @returns the pool {@link generateCandidates} draws from.
 */
export function prepareCandidates(index: EventIndex, cutoff: number, options: CandidateOptions = {}): CandidatePool {
  const resolved: Required<CandidateOptions> = {
    popularN: options.popularN ?? 100,
    popularityWindowDays: options.popularityWindowDays ?? 30,
    copurchaseM: options.copurchaseM ?? 50,
    recentOrders: options.recentOrders ?? 3,
    neighbours: options.neighbours ?? 50,
    knnM: options.knnM ?? 0,
    knnNeighbours: options.knnNeighbours ?? DEFAULT_KNN_NEIGHBOURS,
    knnQueryItems: options.knnQueryItems ?? DEFAULT_KNN_QUERY_ITEMS,
    knnPostings: options.knnPostings ?? DEFAULT_KNN_POSTINGS,
  };
  const e = eventsBefore(index, cutoff);
  const nCustomers = knownCustomers(index, e);
  const nItems = knownItems(index, e);
  const ranked = rankItems(itemEventCounts(index, cutoff - resolved.popularityWindowDays * DAY_MS, cutoff), index.events.itemIds);
  const popularityRank = new Float32Array(nItems).fill(ranked.length + 1);
  ranked.forEach((it, r) => (popularityRank[it] = r + 1));
  return {
    cutoff,
    e,
    knownCustomers: nCustomers,
    knownItems: nItems,
    options: resolved,
    popular: ranked.slice(0, resolved.popularN),
    popularityRank,
    neighbours: resolved.copurchaseM > 0 ? itemNeighbours(index, e, nItems, resolved.neighbours) : null,
    vectors: customerVectors(index, cutoff, e, nCustomers, nItems, resolved.knnPostings),
  };
}

/**
 * Generates the candidates of `customers` (default: every customer known at t)
 * from events before t only:
 * - own: every item the customer bought before t;
 * - popular: the pool's top N items;
 * - co-purchase: the distinct items of the customer's last R orders seed a
 *   score s(j) = Σ_{i seed} cos(i, j) over each seed's top neighbours; the M
 *   best-scoring items that are neither own nor popular are added;
 * - knn: the M' items of highest customer-KNN score (`customer-knn.ts`) of no
 *   other source; every row also carries that score.
 * A customer's rows do not depend on which other customers are selected.
 * Time O(Σ over the customers of past events + neighbours of their seed items +
 * KNN query items × postings per item + K × their neighbours' items +
 * rows × log rows), plus O(known customers + known items) of scratch.
 * @param index the event index the pool was prepared on.
 * @param pool the cut-off's shared work ({@link prepareCandidates}).
 * @param customers dense customers known at t, any order, duplicates ignored.
 * @param knnScores false skips the customer-KNN search (most of the time) when
 *   it adds no candidate (M' = 0): the same rows, with `knn` all 0 [true].
 * @returns rows sorted by (customer, item), with source flags and scores.
 * @throws FeatureContractError when `customers` holds a customer not known at t.
 */
export function generateCandidates(index: EventIndex, pool: CandidatePool, customers?: Int32Array, knnScores = true): Candidates {
  const { e, knownItems: nItems, popular, neighbours, vectors } = pool;
  const { copurchaseM, recentOrders, knnM, knnNeighbours, knnQueryItems } = pool.options;
  const { item, order } = index.events;
  const selected = customers === undefined ? Int32Array.from({ length: pool.knownCustomers }, (_, c) => c) : distinctKnown(customers, pool.knownCustomers);
  // Item-indexed scratch, reset through the lists of items set: a customer costs its events and neighbour visits.
  const flags = new Uint8Array(nItems);
  const score = new Float32Array(nItems);
  const seedMark = new Int32Array(nItems).fill(-1);
  const flagged = new Int32Array(nItems); // items with a source flag (the rows)
  const scored = new Int32Array(nItems); // items with a co-purchase score
  const knn = new CustomerKnnScratch(pool.knownCustomers, nItems);
  const offsets = new Int32Array(selected.length + 1);
  const rowItems: number[] = [];
  const rowSource: number[] = [];
  const rowScore: number[] = [];
  const rowKnn: number[] = [];
  for (let k = 0; k < selected.length; k++) {
    const c = selected[k];
    let nFlagged = 0;
    let nScored = 0;
    const start = index.byCustomer.offsets[c];
    const end = pastEnd(index.byCustomer, c, e);
    for (let p = start; p < end; p++) {
      const it = item[index.byCustomer.events[p]];
      if (flags[it] === 0) flagged[nFlagged++] = it;
      flags[it] |= SOURCE.own;
    }
    for (let r = 0; r < popular.length; r++) {
      const it = popular[r];
      if (flags[it] === 0) flagged[nFlagged++] = it;
      flags[it] |= SOURCE.popular;
    }
    if (neighbours !== null) {
      const seenOrders: number[] = [];
      for (let p = end - 1; p >= start; p--) {
        const ev = index.byCustomer.events[p];
        if (!seenOrders.includes(order[ev])) {
          seenOrders.push(order[ev]);
          if (seenOrders.length > recentOrders) break;
        }
        const seed = item[ev];
        if (seedMark[seed] === k) continue;
        seedMark[seed] = k;
        for (let q = neighbours.offsets[seed]; q < neighbours.offsets[seed + 1]; q++) {
          const j = neighbours.items[q];
          if (score[j] === 0) scored[nScored++] = j;
          score[j] += neighbours.score[q];
        }
      }
      let nFresh = 0;
      const fresh = new Int32Array(nScored);
      for (let q = 0; q < nScored; q++) if (flags[scored[q]] === 0) fresh[nFresh++] = scored[q];
      for (const j of topByScore(fresh.subarray(0, nFresh), score, copurchaseM)) {
        flags[j] = SOURCE.copurchase;
        flagged[nFlagged++] = j;
      }
    }
    // Without KNN candidates only the rows' items need a score.
    if (knnScores || knnM > 0) knn.load(vectors, c, knnNeighbours, knnQueryItems, knnM > 0 ? undefined : flags);
    if (knnM > 0) {
      const fresh = knn.scoredItems.filter((j) => flags[j] === 0);
      for (const j of topByScore(fresh, knn.scores, knnM)) {
        flags[j] = SOURCE.knn;
        flagged[nFlagged++] = j;
      }
    }
    for (const it of flagged.subarray(0, nFlagged).sort()) {
      rowItems.push(it);
      rowSource.push(flags[it]);
      rowScore.push(score[it]);
      rowKnn.push(knn.scores[it]);
      flags[it] = 0;
    }
    for (let q = 0; q < nScored; q++) score[scored[q]] = 0;
    offsets[k + 1] = rowItems.length;
  }
  return {
    cutoff: pool.cutoff,
    knownCustomers: pool.knownCustomers,
    customers: selected,
    offsets,
    items: Int32Array.from(rowItems),
    source: Uint8Array.from(rowSource),
    copurchase: Float32Array.from(rowScore),
    knn: Float32Array.from(rowKnn),
    popularityRank: pool.popularityRank,
  };
}

/** The distinct customers of `customers`, ascending; each must be in [0, known). */
function distinctKnown(customers: Int32Array, known: number): Int32Array {
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i];
    if (!(c >= 0 && c < known)) throw new FeatureContractError('FeatureSetOptions.customers', `expected dense customers known at the cut-off, in [0, ${known}), found ${c} at position ${i}`);
  }
  const sorted = Int32Array.from(customers).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
  return sorted.slice(0, n);
}
