/**
 * Top-K selection: per customer over scored candidate rows grouped by
 * customer, with the bounded heap of `heap.ts` (O(n log K) time, O(K) extra
 * memory, no full sort); and over ids by a score, by selection then a sort of
 * the K kept (features keep their nearest items and neighbours with it).
 * Per customer the order is: probability descending, ties by the raw score
 * descending when given, then by item id ascending (a total order, so the
 * output is deterministic and shards agree with the single run).
 */
import { RankingInputError } from './errors';
import { BoundedHeap } from './heap';
import type { RankedLists, ScoredPairs } from './lists';

/**
 * Ranked lists with their probabilities, as {@link topKPerCustomer} selects
 * them: customers in input order, ranks 1 … ≤ K within a customer.
 */
export interface TopK extends RankedLists, ScoredPairs {
  /** Number of rows (every column's length). */
  n: number;
  /** Input row index of each selected row. */
  row: Int32Array;
}

/** Tie-breaks of {@link topKPerCustomer}. */
export interface TopKOptions {
  /** Raw model score per row, ordering rows of equal probability (higher first). */
  score?: Float32Array;
  /** Tie-break rank per dense item (lower first), e.g. {@link itemOrder}; default the dense index. */
  tieKey?: Int32Array;
}

/**
 * Position of each item id in ascending UTF-16 code-unit order of the external ids:
 * the tie-break key of {@link topKPerCustomer}.
 * @param itemIds external item id per dense index.
 */
export function itemOrder(itemIds: readonly string[]): Int32Array {
  const idx = Array.from(itemIds.keys()).sort((a, b) => (itemIds[a] < itemIds[b] ? -1 : itemIds[a] > itemIds[b] ? 1 : a - b));
  const order = new Int32Array(itemIds.length);
  idx.forEach((item, pos) => (order[item] = pos));
  return order;
}

/**
 * Selects each customer's K most likely items.
 * @param customer dense customer per row; rows of one customer must be contiguous.
 * @param item dense item per row.
 * @param probability score per row (any monotone score works); NaN is an error.
 * @param k K ≥ 1; customers with fewer candidates get all of them.
 * @param options.score per row, the raw model score that orders rows of equal
 *   probability: isotonic calibration maps ranges of scores to one probability,
 *   and ranking those by item id would throw away the model's order. Any score
 *   the probability is a non-decreasing function of keeps the output sorted.
 * @param options.tieKey per dense item, the final tie-break rank (e.g.
 *   {@link itemOrder}); the dense item index when omitted.
 * @throws RankingInputError when lengths differ, k < 1, a score is NaN or a
 *   customer's rows are not contiguous (quoting the row).
 */
export function topKPerCustomer(
  customer: Int32Array,
  item: Int32Array,
  probability: Float32Array,
  k: number,
  options: TopKOptions = {},
): TopK {
  const { score, tieKey } = options;
  const n = customer.length;
  if (item.length !== n || probability.length !== n || (score !== undefined && score.length !== n)) {
    throw new RankingInputError(
      `topKPerCustomer: column lengths differ (customer ${n}, item ${item.length}, probability ${probability.length}, score ${score?.length ?? 'none'})`,
    );
  }
  if (!(k >= 1)) throw new RankingInputError(`topKPerCustomer: k must be >= 1, found ${k}`);
  // Pass 1: group boundaries and output size; check contiguity.
  const starts: number[] = [];
  let outN = 0;
  const finished = new Set<number>();
  for (let r = 0; r < n; r++) {
    if (Number.isNaN(probability[r])) throw new RankingInputError(`topKPerCustomer: probability at row ${r} is NaN`);
    if (r === 0 || customer[r] !== customer[r - 1]) {
      if (r > 0) finished.add(customer[r - 1]);
      if (finished.has(customer[r])) {
        throw new RankingInputError(`topKPerCustomer: rows of customer ${customer[r]} are not contiguous (seen again at row ${r})`);
      }
      if (starts.length > 0) outN += Math.min(k, r - starts[starts.length - 1]);
      starts.push(r);
    }
  }
  if (starts.length > 0) outN += Math.min(k, n - starts[starts.length - 1]);
  starts.push(n);

  const key = (r: number): number => (tieKey === undefined ? item[r] : tieKey[item[r]]);
  // true when row a ranks below row b
  const worse = (a: number, b: number): boolean => {
    if (probability[a] !== probability[b]) return probability[a] < probability[b];
    if (score !== undefined && score[a] !== score[b]) return score[a] < score[b];
    return key(a) > key(b);
  };
  const out: TopK = {
    n: outN,
    row: new Int32Array(outN),
    customer: new Int32Array(outN),
    item: new Int32Array(outN),
    rank: new Int32Array(outN),
    probability: new Float32Array(outN),
  };
  const heap = new BoundedHeap(Math.min(k, n), worse); // the worst kept row on top
  let o = 0;
  for (let g = 0; g + 1 < starts.length; g++) {
    heap.clear();
    for (let r = starts[g]; r < starts[g + 1]; r++) heap.offer(r);
    // Pop the worst first into the last rank slot.
    const size = heap.size;
    for (let rank = size; rank >= 1; rank--) {
      const r = heap.popWorst();
      const at = o + rank - 1;
      out.row[at] = r;
      out.customer[at] = customer[r];
      out.item[at] = item[r];
      out.rank[at] = rank;
      out.probability[at] = probability[r];
    }
    o += size;
  }
  return out;
}

/**
 * Every row ranked within its customer (the "all scored pairs" output): the
 * top-K with K = ∞. Same order and errors as {@link topKPerCustomer}.
 */
export function rankPerCustomer(customer: Int32Array, item: Int32Array, probability: Float32Array, options: TopKOptions = {}): TopK {
  return topKPerCustomer(customer, item, probability, Infinity, options);
}

/**
 * The same rows with customers in ascending external-id order (UTF-16 code
 * units, as {@link itemOrder}); each customer's rows keep their order (rank).
 * This is the export order, so lists built per batch or per shard concatenate
 * to the single run's.
 * @param rows grouped by customer (as {@link topKPerCustomer} returns them).
 * @param customerIds external id per dense customer index.
 */
export function orderByCustomerId(rows: TopK, customerIds: readonly string[]): TopK {
  const starts: number[] = [];
  for (let r = 0; r < rows.n; r++) if (r === 0 || rows.customer[r] !== rows.customer[r - 1]) starts.push(r);
  starts.push(rows.n);
  const groups = Array.from({ length: starts.length - 1 }, (_, g) => g);
  const id = (g: number): string => customerIds[rows.customer[starts[g]]];
  groups.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : a - b));
  const out: TopK = {
    n: rows.n,
    row: new Int32Array(rows.n),
    customer: new Int32Array(rows.n),
    item: new Int32Array(rows.n),
    rank: new Int32Array(rows.n),
    probability: new Float32Array(rows.n),
  };
  let o = 0;
  for (const g of groups) {
    const [from, to] = [starts[g], starts[g + 1]];
    out.row.set(rows.row.subarray(from, to), o);
    out.customer.set(rows.customer.subarray(from, to), o);
    out.item.set(rows.item.subarray(from, to), o);
    out.rank.set(rows.rank.subarray(from, to), o);
    out.probability.set(rows.probability.subarray(from, to), o);
    o += to - from;
  }
  return out;
}

/**
 * The k best of `ids` by `score[id]`, best first: score descending, ties by id ascending.
 * Selects the k-th best score first (quickselect, expected O(n)), then sorts
 * the k kept ids: O(n + k log k), where a heap of k costs O(n log k) calls of a
 * comparator; feature building calls it per customer over thousands of ids.
 * @param ids candidate ids (distinct), e.g. dense item ids.
 * @param score score per id, indexed by id (no NaN).
 * @param k how many to keep, an integer ≥ 0 (Infinity keeps all).
 * @returns min(k, ids.length) ids.
 */
export function topByScore(ids: ArrayLike<number>, score: ArrayLike<number>, k: number): Int32Array {
  const n = ids.length;
  const m = Math.max(0, Math.min(k, n));
  const out = new Int32Array(m);
  if (m === 0) return out;
  if (m === n) {
    for (let p = 0; p < n; p++) out[p] = ids[p];
  } else {
    const values = new Float64Array(n);
    for (let p = 0; p < n; p++) values[p] = score[ids[p]];
    const threshold = kthLargest(values, m);
    let o = 0;
    const tied: number[] = [];
    for (let p = 0; p < n; p++) {
      const s = score[ids[p]];
      if (s > threshold) out[o++] = ids[p];
      else if (s === threshold) tied.push(ids[p]);
    }
    tied.sort((a, b) => a - b);
    for (let t = 0; o < m; t++) out[o++] = tied[t];
  }
  return out.sort((a, b) => (score[a] > score[b] ? -1 : score[a] < score[b] ? 1 : a - b));
}

/**
 * The k-th largest of `values` (1 ≤ k ≤ length), by quickselect with a
 * median-of-three pivot; reorders `values`.
 */
function kthLargest(values: Float64Array, k: number): number {
  const target = k - 1; // position in descending order
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const a = values[lo];
    const b = values[mid];
    const c = values[hi];
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    // Three-way partition, descending: [lo, lt) > pivot, [lt, gt] = pivot, (gt, hi] < pivot.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = values[i];
      if (v > pivot) {
        values[i++] = values[lt];
        values[lt++] = v;
      } else if (v < pivot) {
        values[i] = values[gt];
        values[gt--] = v;
      } else i++;
    }
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else return pivot;
  }
  return values[target];
}
