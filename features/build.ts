/**
 * The feature set at one cut-off: candidates × (customer-item, customer, item
 * and source features), with optional labels. Point-in-time correct by
 * construction: every feature reads only events with time < cut-off, through
 * the CSR prefixes of the event index.
 */
import { DAY_MS } from '../lib/schema';
import { customerAggregates, itemAggregates, type CustomerAggregates } from './aggregates';
import { CandidateOptions, generateCandidates, prepareCandidates, SOURCE, type CandidatePool } from './candidates';
import { CUSTOMER_ITEM_FEATURES, CustomerItemScratch, writeCustomerItemFeatures } from './customer-items';
import { FeatureContractError } from './errors';
import { customerRows, sortedHas } from '../ranking/ranges';
import { boughtInHorizon, buildEventIndex, customerItemsInWindow, eventsBefore, EventIndex, knownCustomers } from './event-index';
import type { FeatureSet, PurchaseEvents } from './types';

const CUSTOMER_FEATURES = [
  'c_orders',
  'c_days_since_last',
  'c_tenure_days',
  'c_distinct_items',
  'c_spend',
  'c_orders_30d',
  'c_orders_90d',
  'c_mean_gap_days',
  'c_due_ratio',
] as const;

const ITEM_FEATURES = [
  'i_buyers_7d',
  'i_buyers_14d',
  'i_buyers_30d',
  'i_buyers_90d',
  'i_buyers_all',
  'i_orders_7d',
  'i_orders_14d',
  'i_orders_30d',
  'i_orders_90d',
  'i_orders_all',
  'i_trend',
  'i_repeat_share',
  'i_age_days',
] as const;

/**
 * The features that flag the rows of a candidate source (1 or 0); the rows of
 * the `knn` source are those of none of them (it adds only items of no other source).
 */
export const SOURCE_FLAG_FEATURES = { own: 'src_is_own_item', popular: 'src_is_popular', copurchase: 'src_is_copurchase' } as const;

const SOURCE_FEATURES = [
  SOURCE_FLAG_FEATURES.own,
  SOURCE_FLAG_FEATURES.popular,
  SOURCE_FLAG_FEATURES.copurchase,
  'src_popularity_rank',
  'src_copurchase_score',
] as const;

/**
 * Customer-relative features, which rank a customer's candidates against each
 * other: the share of the customer's orders holding the item; the days between
 * the customer's last order and its last order with the item (0: the item was in
 * the last order; tenure − recency when never bought); and the share of the
 * customer's distinct items bought in ≥ 2 orders (how much it repeats itself).
 */
const RELATIVE_FEATURES = ['ci_order_share', 'ci_last_order_lag_days', 'c_repeat_item_share'] as const;

/**
 * What customers who buy like this one buy: the customer-KNN score of the item
 * (`customer-knn.ts`, the neighbour term of TIFU-KNN).
 */
const KNN_FEATURES = ['ci_customer_knn_score'] as const;

/** Column order of `FeatureSet.values` built by {@link buildFeatureSet}. */
export const FEATURE_NAMES: readonly string[] = [
  ...CUSTOMER_ITEM_FEATURES,
  ...CUSTOMER_FEATURES,
  ...ITEM_FEATURES,
  ...SOURCE_FEATURES,
  ...RELATIVE_FEATURES,
  ...KNN_FEATURES,
];

/** Options of {@link buildFeatureSet}; candidate options as in `CandidateOptions`. */
export interface FeatureSetOptions extends CandidateOptions {
  /** Label horizon H in days [30]. */
  horizonDays?: number;
  /** Compute `label` = bought in [cutoff, cutoff + H) [false]. Needs events after the cut-off. */
  withLabels?: boolean;
  /**
   * Only these dense customers (each known at the cut-off, any order) get rows.
   * Default: every known customer. Scoring builds features per customer batch
   * with it, so memory follows the batch, not the customer base; a customer's
   * rows and features do not depend on which other customers are selected.
   */
  customers?: Int32Array;
  /**
   * The cut-off's shared work from {@link prepareCutoff} on the same index and
   * cut-off. Pass it to every customer batch so that each batch costs only its
   * customers' events and rows. Candidate options, when also given, must equal its own.
   */
  prepared?: PreparedCutoff;
}

/**
 * The work of one cut-off that every customer batch shares: candidate pool
 * (popularity ranking, co-occurrence neighbours, customer vectors), customer
 * and item aggregates. Read-only once built; it holds O(known customers + known
 * items × neighbours + distinct customer-item pairs) values.
 */
export interface PreparedCutoff {
  /** The index it was built on. */
  index: EventIndex;
  cutoff: number;
  /** Events before the cut-off. */
  e: number;
  /** Candidate pool; its `knownCustomers` and `knownItems` bound the dense ids in use. */
  pool: CandidatePool;
  customers: CustomerAggregates;
  /** Per known customer: typical inter-order gap in days (first to last order over orders − 1; 0 below 2 orders). */
  meanGapDays: Float32Array;
  /** Per known customer: days since the last order in units of {@link PreparedCutoff.meanGapDays} (0 below 2 orders). */
  dueRatio: Float32Array;
  /** The item aggregate features of each known item, row-major (`ITEM_FEATURES` order): one memory read per candidate row. */
  itemRows: Float32Array;
}

function asIndex(source: PurchaseEvents | EventIndex): EventIndex {
  return 'byCustomer' in source ? source : buildEventIndex(source);
}

/**
 * Computes the work of cut-off t that all customers share, once, for
 * {@link buildFeatureSet}'s `prepared` option.
 * Time O(events before t + Σ_b |b|² co-occurrence + items log items).
 * Memory O(known customers + known items × neighbours + distinct customer-item pairs).
 * @param index the event index.
 * @param cutoff as-of time t, ms UTC.
 * @param options candidate tuning (the batches then use these).
 * @returns the shared context; it references `index`.
 * @throws FeatureContractError when the cut-off is not a finite number or no customer is known at it.
 * @example
 * const prepared = prepareCutoff(index, asOf);
 * for (const batch of batches) score(buildFeatureSet(index, asOf, { customers: batch, prepared }));
 */
export function prepareCutoff(index: EventIndex, cutoff: number, options: CandidateOptions = {}): PreparedCutoff {
  if (!Number.isFinite(cutoff)) throw new FeatureContractError('cutoff', `expected ms since the epoch, found ${cutoff}`);
  const pool = prepareCandidates(index, cutoff, options);
  if (pool.knownCustomers === 0) {
    throw new FeatureContractError('cutoff', `no purchase event before ${new Date(cutoff).toISOString()}: no known customer`);
  }
  const cust = customerAggregates(index, cutoff, pool.e, pool.knownCustomers);
  const meanGapDays = cust.orders.map((o, c) => (o >= 2 ? (cust.tenureDays[c] - cust.daysSinceLast[c]) / (o - 1) : 0));
  const dueRatio = cust.orders.map((o, c) => (o >= 2 ? cust.daysSinceLast[c] / Math.max(meanGapDays[c], 1) : 0));
  const items = itemAggregates(index, cutoff, pool.e, pool.knownItems);
  const itemColumns = [
    items.buyers7, items.buyers14, items.buyers30, items.buyers90, items.buyersAll,
    items.orders7, items.orders14, items.orders30, items.orders90, items.ordersAll,
    items.trend, items.repeatShare, items.ageDays,
  ];
  const width = ITEM_FEATURES.length;
  const itemRows = new Float32Array(pool.knownItems * width);
  for (let it = 0; it < pool.knownItems; it++) for (let k = 0; k < width; k++) itemRows[it * width + k] = itemColumns[k][it];
  return { index, cutoff, e: pool.e, pool, customers: cust, meanGapDays, dueRatio, itemRows };
}

/** `options.prepared` checked against the index, cut-off and candidate options, or a new one. */
function preparedFor(index: EventIndex, cutoff: number, options: FeatureSetOptions): PreparedCutoff {
  const prepared = options.prepared;
  if (prepared === undefined) return prepareCutoff(index, cutoff, options);
  if (prepared.index !== index || prepared.cutoff !== cutoff) {
    throw new FeatureContractError('FeatureSetOptions.prepared', `prepared for another index or cut-off (${new Date(prepared.cutoff).toISOString()}), not for ${new Date(cutoff).toISOString()}`);
  }
  for (const key of Object.keys(prepared.pool.options) as (keyof CandidateOptions)[]) {
    if (options[key] !== undefined && options[key] !== prepared.pool.options[key]) {
      throw new FeatureContractError(`FeatureSetOptions.${key}`, `${options[key]} differs from ${prepared.pool.options[key]} of the prepared cut-off: pass candidate options to prepareCutoff`);
    }
  }
  return prepared;
}

/**
 * Builds the candidate feature set at one cut-off.
 *
 * Rows: every candidate (customer, item) of `generateCandidates` for every
 * known customer (only those of `options.customers` when given: a customer's
 * rows and features are the same whichever batch it is built in), sorted by
 * (customer, item). Columns: {@link FEATURE_NAMES}
 * (customer-item aggregates, customer aggregates, item aggregates, source,
 * relative and customer-KNN features), float32, row-major. Nothing at or after
 * the cut-off is read, except for labels: building on all events or on events truncated to
 * time < cut-off gives identical features and ids.
 * Time O(the selected customers' past events + rows × features), plus
 * {@link prepareCutoff}'s unless `options.prepared` is given, plus O(events in
 * the horizon + customers) with labels.
 *
 * @param source purchase events, or their index (pass the index to reuse it across cut-offs).
 * @param cutoff as-of time t, ms UTC.
 * @param options horizon, labels, customers, the prepared cut-off and candidate tuning.
 * @returns the feature set; `label` only when `withLabels`.
 * @throws FeatureContractError when the cut-off is not a finite number or no
 *   customer is known at it, a selected customer is not known at it, or
 *   `options.prepared` belongs to another index, cut-off or candidate options.
 * @example
 * const index = buildEventIndex(events);
 * const train = buildFeatureSet(index, Date.parse('2011-10-10T00:00:00Z'), { withLabels: true });
 */
export function buildFeatureSet(source: PurchaseEvents | EventIndex, cutoff: number, options: FeatureSetOptions = {}): FeatureSet {
  if (!Number.isFinite(cutoff)) throw new FeatureContractError('cutoff', `expected ms since the epoch, found ${cutoff}`);
  const index = asIndex(source);
  const prep = preparedFor(index, cutoff, options);
  const { e, customers: cust, itemRows } = prep;
  const cand = generateCandidates(index, prep.pool, options.customers);
  const n = cand.items.length;
  const width = FEATURE_NAMES.length;
  const values = new Float32Array(n * width);
  const customer = new Int32Array(n);
  const scratch = new CustomerItemScratch(index.nItems);
  const customerColumns = [cust.orders, cust.daysSinceLast, cust.tenureDays, cust.distinctItems, cust.spend, cust.orders30, cust.orders90, prep.meanGapDays, prep.dueRatio];
  const customerRow = new Float32Array(customerColumns.length);
  const nItemColumns = ITEM_FEATURES.length;
  const cBase = CUSTOMER_ITEM_FEATURES.length;
  const iBase = cBase + customerColumns.length;
  const sBase = iBase + nItemColumns;
  const rBase = sBase + SOURCE_FEATURES.length;
  const knnBase = rBase + RELATIVE_FEATURES.length;
  for (let s = 0; s < cand.customers.length; s++) {
    const c = cand.customers[s];
    scratch.load(index, c, e, cutoff);
    let repeated = 0;
    for (const it of scratch.touched) if (scratch.orders[it] >= 2) repeated++;
    const repeatItemShare = repeated / scratch.touched.length;
    for (let k = 0; k < customerColumns.length; k++) customerRow[k] = customerColumns[k][c];
    for (let row = cand.offsets[s]; row < cand.offsets[s + 1]; row++) {
      const it = cand.items[row];
      const at = row * width;
      customer[row] = c;
      writeCustomerItemFeatures(scratch, it, cutoff, cust.tenureDays[c], values, at);
      for (let k = 0; k < customerRow.length; k++) values[at + cBase + k] = customerRow[k];
      for (let k = 0; k < nItemColumns; k++) values[at + iBase + k] = itemRows[it * nItemColumns + k];
      const src = cand.source[row];
      values[at + sBase] = src & SOURCE.own ? 1 : 0;
      values[at + sBase + 1] = src & SOURCE.popular ? 1 : 0;
      values[at + sBase + 2] = src & SOURCE.copurchase ? 1 : 0;
      values[at + sBase + 3] = cand.popularityRank[it];
      values[at + sBase + 4] = cand.copurchase[row];
      values[at + rBase] = values[at] / cust.orders[c];
      values[at + rBase + 1] = values[at + 8] - cust.daysSinceLast[c];
      values[at + rBase + 2] = repeatItemShare;
      values[at + knnBase] = cand.knn[row];
    }
  }
  const fs: FeatureSet = { cutoff, n, customer, item: cand.items, names: [...FEATURE_NAMES], values };
  if (options.withLabels) fs.label = boughtInHorizon(index, fs.customer, fs.item, cutoff, options.horizonDays ?? 30);
  return fs;
}

/**
 * Candidate recall: the share of true (customer, item) purchases in
 * [cutoff, cutoff + H) of customers known at the cut-off that are rows of the
 * feature set. The ceiling of any ranking's Recall@K over these candidates.
 * @param fs a feature set with rows sorted by (customer, item), as built.
 * @param source the purchase events (or index) including the horizon.
 * @param horizonDays H [30].
 * @returns recall in [0, 1]; NaN when no known customer buys in the horizon.
 */
export function candidateRecall(fs: FeatureSet, source: PurchaseEvents | EventIndex, horizonDays = 30): number {
  const index = asIndex(source);
  const known = knownCustomers(index, eventsBefore(index, fs.cutoff));
  const truth = customerItemsInWindow(index, fs.cutoff, fs.cutoff + horizonDays * DAY_MS);
  let total = 0;
  let found = 0;
  let row = 0;
  for (let c = 0; c < known; c++) {
    const [from, to] = customerRows(fs.customer, c, row);
    row = to;
    for (let p = truth.offsets[c]; p < truth.offsets[c + 1]; p++) {
      total++;
      if (sortedHas(fs.item, truth.items[p], from, to)) found++;
    }
  }
  return total === 0 ? Number.NaN : found / total;
}
