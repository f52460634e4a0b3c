/**
 * Binary searches over ascending integer columns: the per-customer range
 * lookups of the platform. Two shapes recur: rows of one customer in a column
 * sorted by customer (feature sets, ranked lists), and membership of an item in
 * one key's ascending run of a compressed sparse row (CSR) set (truth,
 * labels, items bought in a window).
 */

/** Item sets as CSR: the items of key k are `items[offsets[k] .. offsets[k+1])`, ascending. */
export interface ItemSets {
  /** Length = keys + 1, offsets[0] = 0. */
  offsets: Int32Array;
  /** Dense item ids, ascending within each key. */
  items: Int32Array;
}

/**
 * First index in ascending `values[from, to)` whose value is ≥ `x` (`to` if none).
 * O(log(to − from)).
 * @param values ascending numbers.
 */
export function lowerBound(values: ArrayLike<number>, x: number, from = 0, to = values.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows `[from, to)` of customer `c` in a column sorted ascending by customer
 * (empty, from = to, when `c` has none).
 * @param customer dense customer per row, ascending.
 * @param c dense customer id.
 * @param start first row to search from (a previous customer's end, when walking customers in order).
 */
export function customerRows(customer: ArrayLike<number>, c: number, start = 0): [number, number] {
  const from = lowerBound(customer, c, start);
  return [from, lowerBound(customer, c + 1, from)];
}

/**
 * True when `x` is in the ascending run `values[from, to)`.
 * @param values ascending numbers within [from, to).
 */
export function sortedHas(values: ArrayLike<number>, x: number, from: number, to: number): boolean {
  const p = lowerBound(values, x, from, to);
  return p < to && values[p] === x;
}

/**
 * True when `item` is among the items of key `k` of `sets`.
 * @param sets CSR item sets (e.g. a customer's purchases in a window, or the truth).
 * @param k key: index into `sets.offsets` (length − 1 keys).
 */
export function setHas(sets: ItemSets, k: number, item: number): boolean {
  return sortedHas(sets.items, item, sets.offsets[k], sets.offsets[k + 1]);
}
