/**
 * Typed columns that flow between the feature engine, training and scoring.
 * No loose row objects: every per-row quantity is a typed array of length n.
 */

/**
 * Purchase events with dense integer ids, sorted by `time` ascending (ties by
 * customer, then item). Dense ids are assigned in order of first appearance in
 * that order, so the vocabulary as of any cut-off is a prefix of the full one:
 * ids never leak information from after a cut-off.
 */
export interface PurchaseEvents {
  /** Dense customer index per event, into `customerIds`. */
  customer: Int32Array;
  /** Dense item index per event, into `itemIds`. */
  item: Int32Array;
  /** Event time, ms since the Unix epoch (UTC). */
  time: Float64Array;
  /** Units bought (1 when the data set has no quantity). */
  quantity: Float32Array;
  /** quantity × unit price in the data set's currency (0 when it has no price). */
  spend: Float32Array;
  /** Dense order (basket) index per event; events without an order id get one basket per customer-day. */
  order: Int32Array;
  /** External customer id of each dense index. */
  customerIds: string[];
  /** External item id of each dense index. */
  itemIds: string[];
}

/**
 * Candidate customer-item pairs at one cut-off with their features: the input of
 * training (with labels) and of scoring (labels absent).
 * Arrow at rest (`features/<dataset>/<as-of>/`), typed columns in memory.
 */
export interface FeatureSet {
  /** The cut-off (as-of time) of every row, ms UTC: only events with time < cutoff were used. */
  cutoff: number;
  /** Number of candidate rows. */
  n: number;
  /** Dense customer index per row. */
  customer: Int32Array;
  /** Dense item index per row. */
  item: Int32Array;
  /** Feature names, in column order of `values`. */
  names: string[];
  /** Row-major feature matrix, n × names.length, float32. */
  values: Float32Array;
  /** 1 when the customer bought the item in [cutoff, cutoff + horizon), else 0; absent when not known. */
  label?: Uint8Array;
}

/**
 * The candidate pairs of one labelled cut-off without their features: each
 * customer's rows, in the order `buildFeatureSet` gives them at that cut-off
 * (sorted by (customer, item)), and their labels. Training plans its draws on
 * these before any feature is built (`training/draw-plan.ts`).
 */
export interface LabelledCandidates {
  /** The cut-off, ms UTC. */
  cutoff: number;
  /** Candidate rows. */
  n: number;
  /** The customers with rows (dense ids), ascending. */
  customers: Int32Array;
  /** Length customers.length + 1: customer `customers[k]` owns rows [offsets[k], offsets[k + 1]). */
  offsets: Int32Array;
  /** Per row: 1 when the customer bought the item in [cutoff, cutoff + horizon), else 0. */
  label: Uint8Array;
  /** The largest dense item id of any row + 1 (0 without rows): the item vocabulary the rows need. */
  items: number;
}
