/**
 * Column names of the data contracts in `design.md`, shared by every stage so no
 * stage spells another's columns by hand. Where the tables live in the lake is
 * the catalog's (`catalog/`).
 */

/** Canonical columns of clean transactions (Parquet, zstd) in their order. */
export const CLEAN = {
  customerId: 'customer_id', // utf8, nullable
  itemId: 'item_id', // utf8
  eventTime: 'event_time', // timestamp ms UTC
  quantity: 'quantity', // int32, nullable when the data set has none
  unitPrice: 'unit_price', // float64, nullable when the data set has none
  orderId: 'order_id', // utf8, nullable when the data set has none
  sourceObject: 'source_object', // utf8: key of the raw object
  sourceLine: 'source_line', // int32: 1-based physical line number in the decompressed CSV
} as const;

/** Columns of rejects (Parquet). */
export const REJECTS = {
  sourceObject: 'source_object',
  sourceLine: 'source_line',
  reason: 'reason',
  raw: 'raw',
} as const;

/** Columns of scores and top-K exports. */
export const SCORES = {
  customerId: 'customer_id',
  itemId: 'item_id',
  rank: 'rank', // int32, 1 = most likely
  probability: 'probability', // float64 calibrated likelihood in [0, 1]
} as const;

/** Milliseconds in one day. */
export const DAY_MS = 86_400_000;
