/**
 * Customer-to-customer neighbours at a cut-off: the neighbour term of TIFU-KNN
 * (Hu, He, Chen, Ding, "Modeling Personalized Item Frequency Information for
 * Next-basket Recommendation", SIGIR 2020, eq. 5–6).
 *
 * Each customer known at t is the L2-normalised vector of its order-decayed
 * item weights (`CustomerItemScratch.decayedWeight`: each order holding the item
 * counts ORDER_DECAY^(the customer's orders after it)). The neighbours of c are
 * the K other customers of highest cosine similarity, ties by dense id, and the
 * neighbour score of item j is the similarity-weighted mean of their vectors:
 *
 *   score(c, j) = Σ_{n ∈ N_K(c)} sim(c, n) · v_n(j) / Σ_{n ∈ N_K(c)} sim(c, n).
 *
 * It reaches the items of customers who buy like c, also items c never bought.
 * The search for neighbours reads c's items of highest weight and, per item,
 * its buyers of highest weight only, so it costs the same per customer however
 * many customers there are (on Online Retail the capped score also ranks
 * better than the exact one). Everything reads events before t only.
 */
import { CustomerItemScratch } from './customer-items';
import { EventIndex } from './event-index';
import { topByScore } from '../ranking/topk';

/** K of {@link CustomerKnnScratch.load}: the neighbour count of the TIFU-KNN reference run in `protocol.md`. */
export const DEFAULT_KNN_NEIGHBOURS = 300;

/** Buyers kept per item for the similarity search ({@link customerVectors}). */
export const DEFAULT_KNN_POSTINGS = 200;

/** A customer's items of highest weight that search for its neighbours ({@link CustomerKnnScratch.load}). */
export const DEFAULT_KNN_QUERY_ITEMS = 20;

/**
 * The customer vectors of one cut-off, both ways: per customer its items and
 * per item its customers (postings), each with the normalised weight.
 */
export interface CustomerVectors {
  /** Length known customers + 1: customer c's entries are `[offsets[c], offsets[c+1])`. */
  offsets: Int32Array;
  /** Dense item ids, ascending within a customer. */
  items: Int32Array;
  /** v_c(item) ≥ 0, Σ v_c² = 1 per customer with a purchase. */
  weight: Float32Array;
  /** Length known items + 1: item j's postings are `[postingOffsets[j], postingOffsets[j+1])`. */
  postingOffsets: Int32Array;
  /** Dense customer ids, ascending within an item. */
  postingCustomers: Int32Array;
  /** v_customer(j) of each posting. */
  postingWeight: Float32Array;
}

/**
 * Builds the vectors of every customer known at the cut-off from events before it.
 * An item's postings keep its `maxPostings` buyers of highest weight (ties by
 * dense id), which bounds the cost of a similarity search by
 * query items × `maxPostings` however many customers there are.
 * Time O(events before t + distinct customer-item pairs × log maxPostings),
 * memory O(distinct customer-item pairs).
 * @param index the event index.
 * @param cutoff t, ms UTC.
 * @param e events before t (`eventsBefore`).
 * @param knownCustomers customers known at t (dense ids [0, knownCustomers)).
 * @param knownItems items known at t (dense ids [0, knownItems)).
 * @param maxPostings buyers kept per item (≥ 1) [{@link DEFAULT_KNN_POSTINGS}].
 */
export function customerVectors(index: EventIndex, cutoff: number, e: number, knownCustomers: number, knownItems: number, maxPostings = DEFAULT_KNN_POSTINGS): CustomerVectors {
  const scratch = new CustomerItemScratch(index.nItems);
  const offsets = new Int32Array(knownCustomers + 1);
  const items: number[] = [];
  const weight: number[] = [];
  for (let c = 0; c < knownCustomers; c++) {
    scratch.load(index, c, e, cutoff);
    const own = Int32Array.from(scratch.touched).sort();
    let norm = 0;
    for (const it of own) norm += scratch.decayedWeight(it) ** 2;
    norm = Math.sqrt(norm);
    for (const it of own) {
      items.push(it);
      weight.push(scratch.decayedWeight(it) / norm);
    }
    offsets[c + 1] = items.length;
  }
  const all = postings(items, weight, offsets, knownItems);
  return { offsets, items: Int32Array.from(items), weight: Float32Array.from(weight), ...keepTopPostings(all, maxPostings) };
}

type Postings = Pick<CustomerVectors, 'postingOffsets' | 'postingCustomers' | 'postingWeight'>;

/** The customer vectors (CSR by customer) transposed: per item its customers, ascending. */
function postings(items: number[], weight: number[], offsets: Int32Array, knownItems: number): Postings {
  const postingOffsets = new Int32Array(knownItems + 1);
  for (const it of items) postingOffsets[it + 1]++;
  for (let j = 0; j < knownItems; j++) postingOffsets[j + 1] += postingOffsets[j];
  const fill = postingOffsets.slice(0, knownItems);
  const postingCustomers = new Int32Array(items.length);
  const postingWeight = new Float32Array(items.length);
  for (let c = 0; c + 1 < offsets.length; c++) {
    for (let p = offsets[c]; p < offsets[c + 1]; p++) {
      const at = fill[items[p]]++;
      postingCustomers[at] = c;
      postingWeight[at] = weight[p];
    }
  }
  return { postingOffsets, postingCustomers, postingWeight };
}

/** 0, 1, …, n − 1: local positions for {@link topByScore} over a slice. */
function positionsOf(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, q) => q);
}

/** Each item's `max` postings of highest weight (ties by customer id), in customer order. */
function keepTopPostings(all: Postings, max: number): Postings {
  const nItems = all.postingOffsets.length - 1;
  const postingOffsets = new Int32Array(nItems + 1);
  const customers: number[] = [];
  const weights: number[] = [];
  for (let j = 0; j < nItems; j++) {
    const lo = all.postingOffsets[j];
    const hi = all.postingOffsets[j + 1];
    const w = all.postingWeight.subarray(lo, hi);
    const kept = hi - lo <= max ? null : topByScore(positionsOf(hi - lo), w, max).sort();
    for (let x = 0; x < (kept === null ? hi - lo : kept.length); x++) {
      const q = kept === null ? x : kept[x];
      customers.push(all.postingCustomers[lo + q]);
      weights.push(w[q]);
    }
    postingOffsets[j + 1] = customers.length;
  }
  return { postingOffsets, postingCustomers: Int32Array.from(customers), postingWeight: Float32Array.from(weights) };
}

/** Customer- and item-indexed scratch: the neighbour scores of one customer at a time. */
export class CustomerKnnScratch {
  private readonly similarity: Float64Array;
  private readonly sharing: Int32Array;
  /** score(c, item) of the loaded customer per dense item, in [0, 1]; 0 when no neighbour bought it, or when `load` was not asked for the item. */
  readonly scores: Float64Array;
  /** The items of positive score, in `[0, nTouched)`. */
  private readonly touched: Int32Array;
  private nTouched = 0;

  /**
   * @param nCustomers dense customers of the index (or at least the known ones).
   * @param nItems dense items of the index (or at least the known ones).
   */
  constructor(nCustomers: number, nItems: number) {
    this.similarity = new Float64Array(nCustomers);
    this.sharing = new Int32Array(nCustomers);
    this.scores = new Float64Array(nItems);
    this.touched = new Int32Array(nItems);
  }

  /**
   * Loads customer c's neighbour scores, replacing the previous customer's.
   * The similarities come from the postings of c's `queryItems` items of highest
   * weight (ties by item id; the similarity is then exact for customers whose
   * items and postings are within the caps), summed in item order, so a
   * customer's scores do not depend on which other customers are loaded.
   * Time O(queryItems × maxPostings + K × the neighbours' items).
   * @param v the cut-off's vectors ({@link customerVectors}).
   * @param c a dense customer known at the cut-off.
   * @param k neighbours K (≥ 1) [{@link DEFAULT_KNN_NEIGHBOURS}].
   * @param queryItems c's items that search (≥ 1) [{@link DEFAULT_KNN_QUERY_ITEMS}].
   * @param only when given, the items whose scores are wanted (`only[item] ≠ 0`, e.g. the
   *   customer's candidates): the others stay 0, and the wanted ones are the same as without it.
   */
  load(v: CustomerVectors, c: number, k = DEFAULT_KNN_NEIGHBOURS, queryItems = DEFAULT_KNN_QUERY_ITEMS, only?: Uint8Array): void {
    const { scores, touched, similarity, sharing } = this;
    for (let t = 0; t < this.nTouched; t++) scores[touched[t]] = 0;
    let nTouched = 0;
    let nSharing = 0;
    const lo = v.offsets[c];
    const own = v.offsets[c + 1] - lo;
    const query = own <= queryItems ? null : topByScore(positionsOf(own), v.weight.subarray(lo, lo + own), queryItems).sort();
    for (let x = 0; x < (query === null ? own : query.length); x++) {
      const p = lo + (query === null ? x : query[x]);
      const it = v.items[p];
      const w = v.weight[p];
      for (let z = v.postingOffsets[it]; z < v.postingOffsets[it + 1]; z++) {
        const n = v.postingCustomers[z];
        const add = w * v.postingWeight[z];
        // A weight that underflowed to 0 (an item bought ~1,000 orders ago) adds nothing, and must not list n twice.
        if (n === c || add === 0) continue;
        if (similarity[n] === 0) sharing[nSharing++] = n;
        similarity[n] += add;
      }
    }
    const neighbours = topByScore(sharing.subarray(0, nSharing), similarity, k);
    let total = 0;
    for (const n of neighbours) total += similarity[n];
    const { offsets, items, weight } = v;
    for (const n of neighbours) {
      const s = similarity[n] / total;
      for (let p = offsets[n], end = offsets[n + 1]; p < end; p++) {
        const it = items[p];
        const add = s * weight[p];
        if (add === 0 || (only !== undefined && only[it] === 0)) continue;
        const before = scores[it];
        if (before === 0) touched[nTouched++] = it;
        scores[it] = before + add;
      }
    }
    this.nTouched = nTouched;
    for (let i = 0; i < nSharing; i++) similarity[sharing[i]] = 0;
  }

  /** The items of positive score for the loaded customer (of those `load` was asked for), in no particular order (a view valid until the next `load`; do not modify). */
  get scoredItems(): Int32Array {
    return this.touched.subarray(0, this.nTouched);
  }
}
