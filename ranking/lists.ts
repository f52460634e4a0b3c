/**
 * The ranking types every stage shares, as typed columns over dense customer
 * and item ids, one row per (customer, item).
 */

/** Ranked recommendation lists; rows in any order unless a producer says otherwise. */
export interface RankedLists {
  /** Dense customer id per row. */
  customer: Int32Array;
  /** Dense item id per row. */
  item: Int32Array;
  /** 1-based rank within the customer's list, 1 = most likely. */
  rank: Int32Array;
}

/** Scored (customer, item) pairs with a calibrated probability in [0, 1]. */
export interface ScoredPairs {
  /** Dense customer id per pair. */
  customer: Int32Array;
  /** Dense item id per pair. */
  item: Int32Array;
  /** Calibrated probability per pair. */
  probability: Float32Array;
}
