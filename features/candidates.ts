/**
 * Candidate generation at a cut-off: which (customer, item) pairs get scored.
 * Three sources, so the work is customers × candidates, never customers × items:
 * the customer's own past items, the N most popular items of the last 30 days,
 * and the M items most co-purchased with the customer's recent items.
 */
import { DAY_MS } from '../lib/schema';
import { FeatureContractError } from './errors';
import { itemNeighbours } from './cooccurrence';
import { eventsBefore, EventIndex, knownCustomers, knownItems, pastEnd } from './event-index';
import { itemEventCounts, rankItems } from './popularity';
import { topByScore } from './top-k';

/** Bit flags of `Candidates.source`. */
export const SOURCE = { own: 1, popular: 2, copurchase: 4 } as const;

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
  /**
   * Only these dense customers (each known at the cut-off, any order) get
   * candidates; the others keep empty rows in the CSR. Default: every known
   * customer. Scoring builds features per customer batch with it, so memory
   * follows the batch, not the customer base; a customer's rows do not depend
   * on which other customers are selected.
   */
  customers?: Int32Array;
}

/** Candidates of all known customers, CSR over customers [0, knownCustomers). */
export interface Candidates {
  cutoff: number;
  knownCustomers: number;
  /** Length knownCustomers + 1. */
  offsets: Int32Array;
  /** Dense item ids, ascending within a customer: rows sorted by (customer, item). */
  items: Int32Array;
  /** SOURCE flags per row. */
  source: Uint8Array;
  /** Σ over the customer's seed items (last R orders) of cosine similarity to the row's item; 0 when unrelated. */
  copurchase: Float32Array;
  /** 1-based rank of each known item by purchase events in the popularity window; unsold items get (sold items + 1). */
  popularityRank: Float32Array;
}

/**
 * Generates candidates for every customer known at t (≥ 1 purchase before t),
 * from events before t only.
 * - own: every item the customer bought before t;
 * - popular: the top N items by purchase events in [t − window, t), ties by item id
 *   (the ranking of the popularity baseline);
 * - co-purchase: the distinct items of the customer's last R orders seed a
 *   score s(j) = Σ_{i seed} cos(i, j) over each seed's top neighbours
 *   ({@link itemNeighbours}); the M best-scoring items that are neither own
 *   nor popular are added.
 * @param index the event index.
 * @param cutoff t, ms UTC.
 * @param options see {@link CandidateOptions}.
 * @returns rows sorted by (customer, item), with source flags and scores.
 * @throws FeatureContractError when `options.customers` holds a customer not known at t.
 */
export function generateCandidates(index: EventIndex, cutoff: number, options: CandidateOptions = {}): Candidates {
  const popularN = options.popularN ?? 100;
  const copurchaseM = options.copurchaseM ?? 50;
  const recentOrders = options.recentOrders ?? 3;
  const e = eventsBefore(index, cutoff);
  const nCustomers = knownCustomers(index, e);
  const nItems = knownItems(index, e);
  const { item, order } = index.events;

  const ranked = rankItems(itemEventCounts(index, cutoff - (options.popularityWindowDays ?? 30) * DAY_MS, cutoff), index.events.itemIds);
  const popularityRank = new Float32Array(nItems).fill(ranked.length + 1);
  ranked.forEach((it, r) => (popularityRank[it] = r + 1));
  const popular = ranked.subarray(0, popularN);
  const neighbours = copurchaseM > 0 ? itemNeighbours(index, e, nItems, options.neighbours ?? 50) : null;

  const flags = new Uint8Array(nItems);
  const score = new Float32Array(nItems);
  const orderMark = new Int32Array(index.nOrders).fill(-1);
  const seedMark = new Int32Array(nItems).fill(-1);
  const selected = options.customers === undefined ? undefined : customerMask(options.customers, nCustomers);
  const offsets = new Int32Array(nCustomers + 1);
  const rowItems: number[] = [];
  const rowSource: number[] = [];
  const rowScore: number[] = [];
  for (let c = 0; c < nCustomers; c++) {
    if (selected !== undefined && selected[c] === 0) {
      offsets[c + 1] = rowItems.length;
      continue;
    }
    const touched: number[] = [];
    const mark = (it: number, flag: number): void => {
      if (flags[it] === 0 && score[it] === 0) touched.push(it);
      flags[it] |= flag;
    };
    const start = index.byCustomer.offsets[c];
    const end = pastEnd(index.byCustomer, c, e);
    for (let p = start; p < end; p++) mark(item[index.byCustomer.events[p]], SOURCE.own);
    for (const it of popular) mark(it, SOURCE.popular);
    if (neighbours !== null) {
      const scored: number[] = [];
      let seenOrders = 0;
      for (let p = end - 1; p >= start; p--) {
        const ev = index.byCustomer.events[p];
        if (orderMark[order[ev]] !== c) {
          orderMark[order[ev]] = c;
          if (++seenOrders > recentOrders) break;
        }
        const seed = item[ev];
        if (seedMark[seed] === c) continue;
        seedMark[seed] = c;
        for (let q = neighbours.offsets[seed]; q < neighbours.offsets[seed + 1]; q++) {
          const j = neighbours.items[q];
          if (flags[j] === 0 && score[j] === 0) touched.push(j);
          if (score[j] === 0) scored.push(j);
          score[j] += neighbours.score[q];
        }
      }
      const fresh = scored.filter((j) => flags[j] === 0);
      for (const j of topByScore(fresh, score, copurchaseM)) flags[j] |= SOURCE.copurchase;
    }
    for (const it of Int32Array.from(touched).sort()) {
      if (flags[it] !== 0) {
        rowItems.push(it);
        rowSource.push(flags[it]);
        rowScore.push(score[it]);
      }
      flags[it] = 0;
      score[it] = 0;
    }
    offsets[c + 1] = rowItems.length;
  }
  return {
    cutoff,
    knownCustomers: nCustomers,
    offsets,
    items: Int32Array.from(rowItems),
    source: Uint8Array.from(rowSource),
    copurchase: Float32Array.from(rowScore),
    popularityRank,
  };
}

/** 1 for each customer of `customers`, which must all be in [0, known). */
function customerMask(customers: Int32Array, known: number): Uint8Array {
  const mask = new Uint8Array(known);
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i];
    if (!(c >= 0 && c < known)) throw new FeatureContractError('CandidateOptions.customers', `expected dense customers known at the cut-off, in [0, ${known}), found ${c} at position ${i}`);
    mask[c] = 1;
  }
  return mask;
}
