/**
 * The metrics of the evaluation protocol `online-retail-30d` (`protocol.md`,
 * "Metrics"), computed over typed columns.
 *
 * Ranking metrics follow the standard top-K definitions (Manning, Raghavan &
 * Schütze, "Introduction to Information Retrieval", 2008, ch. 8): NDCG is the
 * normalised discounted cumulative gain of Järvelin & Kekäläinen, "Cumulated
 * gain-based evaluation of IR techniques", ACM TOIS 20(4), 2002, with binary
 * gains and the log2(rank + 1) discount; MAP@K is truncated average precision
 * normalised by min(K, |truth|). Calibration is the expected calibration error
 * of Naeini, Cooper & Hauskrecht (AAAI 2015) and Guo et al. (ICML 2017) with
 * equal-width bins, and log loss is the mean binary cross-entropy.
 */
import type { RankedLists, ScoredPairs } from './lists';
import { setHas } from './ranges';
import type { Truth } from './truth';

/** Protocol ranking metrics: each the mean over evaluated customers. */
export interface RankingMetrics {
  k: number;
  /** Number of evaluated customers (the denominator of every mean). */
  customers: number;
  recall: number;
  precision: number;
  ndcg: number;
  hitRate: number;
  map: number;
}

/** Ranked lists or scored pairs that break the input contract. */
export class MetricInputError extends Error {
  override readonly name = 'MetricInputError';
  /**
   * @param what the input and field, e.g. `RankedLists.rank`.
   * @param detail expected vs found, with the row and value.
   */
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`${what}: ${detail}`);
  }
}

/** Maps dense customer id → index into truth.customers, or -1. */
function evaluatedPosition(truth: Truth, maxCustomer: number): Int32Array {
  const size = Math.max(maxCustomer, truth.customers.length === 0 ? -1 : truth.customers[truth.customers.length - 1]) + 1;
  const pos = new Int32Array(size).fill(-1);
  truth.customers.forEach((c, k) => (pos[c] = k));
  return pos;
}

/**
 * Recall@K, Precision@K, NDCG@K, HitRate@K and MAP@K exactly as `protocol.md` defines them.
 *
 * For each evaluated customer with truth T and top-K list (rows of rank ≤ K),
 * hit_r = 1 when the item at rank r is in T:
 * - Recall@K = hits / |T|; Precision@K = hits / K; HitRate@K = [hits > 0];
 * - NDCG@K = Σ_r hit_r / log2(r + 1) ÷ Σ_{r=1..min(K,|T|)} 1 / log2(r + 1);
 * - MAP@K = Σ_{r: hit_r} (hits in ranks 1..r) / r ÷ min(K, |T|).
 * Each is the mean over all evaluated customers; one without a list scores 0.
 * Rows of customers that are not evaluated and rows of rank > K are ignored.
 *
 * @param lists ranked lists (any row order); ranks are positions, so a list
 *   with ranks 1, 2, 5 has nothing at 3 and 4.
 * @param truth the protocol truth (`buildTruth` of `evaluation/truth.ts`).
 * @param k cut-off K, default 10.
 * @throws MetricInputError when columns differ in length, a rank is < 1, or an
 *   evaluated customer has two rows at one rank ≤ K or one item twice in its top K.
 * @example
 * rankingMetrics(lists, buildTruth(index, Date.parse('2011-11-09T00:00:00Z'), 30)).ndcg
 */
export function rankingMetrics(lists: RankedLists, truth: Truth, k = 10): RankingMetrics {
  return rankingCurves(lists, truth, k)[k - 1];
}

/** Protocol ranking metrics of each evaluated customer at one K (`protocol.md`, "Metrics"). */
export interface CustomerMetrics {
  k: number;
  /** Dense ids of the evaluated customers, ascending (`truth.customers`): entry e of every column is customers[e]'s. */
  customers: Int32Array;
  recall: Float64Array;
  precision: Float64Array;
  ndcg: Float64Array;
  hitRate: Float64Array;
  map: Float64Array;
}

/** The five protocol metrics, in {@link RankingMetrics} field order. */
const METRICS = ['recall', 'precision', 'ndcg', 'hitRate', 'map'] as const;

/** A customer's list read down to rank r: hits and the sums the metrics are made of. */
interface Prefix {
  /** |truth| of the customer (≥ 1). */
  size: number;
  hits: number;
  /** Σ hit_r / log2(r + 1) over ranks 1..r. */
  dcg: number;
  /** Σ 1 / log2(r + 1) over ranks 1..min(r, size). */
  idcg: number;
  /** Σ over hit ranks of precision at that rank. */
  ap: number;
}

/** The metrics of a customer's list cut at rank r, as `protocol.md` defines them. */
const AT_RANK: Record<(typeof METRICS)[number], (p: Prefix, r: number) => number> = {
  recall: (p) => p.hits / p.size,
  precision: (p, r) => p.hits / r,
  ndcg: (p) => p.dcg / p.idcg,
  hitRate: (p) => (p.hits > 0 ? 1 : 0),
  map: (p, r) => p.ap / Math.min(r, p.size),
};

/**
 * Reads every evaluated customer's list down to rank `K`, calling `visit` at each
 * rank r = 1 … K with the customer's position e in `truth.customers` and its prefix.
 * The one pass every ranking metric of this file is computed by.
 * @throws MetricInputError as {@link rankingMetrics} does for K.
 */
function scanLists(lists: RankedLists, truth: Truth, K: number, visit: (e: number, r: number, p: Prefix) => void): void {
  const n = lists.customer.length;
  if (lists.item.length !== n || lists.rank.length !== n) {
    throw new MetricInputError('RankedLists', `expected equal lengths, found customer ${n}, item ${lists.item.length}, rank ${lists.rank.length}`);
  }
  if (!(Number.isInteger(K) && K >= 1)) throw new MetricInputError('k', `expected an integer ≥ 1, found ${K}`);
  let maxCustomer = -1;
  let maxItem = -1;
  for (let i = 0; i < n; i++) {
    if (lists.customer[i] > maxCustomer) maxCustomer = lists.customer[i];
    if (lists.item[i] > maxItem) maxItem = lists.item[i];
  }
  const pos = evaluatedPosition(truth, maxCustomer);
  const m = truth.customers.length;
  // slotItem[e*K + r-1] = item at rank r of evaluated customer e, or -1.
  const slotItem = new Int32Array(m * K).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = lists.rank[i];
    if (!(r >= 1)) throw new MetricInputError('RankedLists.rank', `expected a rank ≥ 1 at row ${i}, found ${r}`);
    const c = lists.customer[i];
    const e = c >= 0 ? pos[c] : -1;
    if (e < 0 || r > K) continue;
    const s = e * K + r - 1;
    if (slotItem[s] !== -1) {
      throw new MetricInputError('RankedLists', `customer ${c} has two rows at rank ${r} (items ${slotItem[s]} and ${lists.item[i]}, row ${i})`);
    }
    slotItem[s] = lists.item[i];
  }
  const discount = Float64Array.from({ length: K }, (_, r) => 1 / Math.log2(r + 2));
  // rankOf[item] = 1-based rank of the item in the current customer's list, stamped by customer.
  const seenBy = new Int32Array(maxItem + 1).fill(-1);
  const rankOf = new Int32Array(maxItem + 1);
  const p: Prefix = { size: 0, hits: 0, dcg: 0, idcg: 0, ap: 0 };
  for (let e = 0; e < m; e++) {
    p.size = truth.offsets[e + 1] - truth.offsets[e];
    p.hits = 0;
    p.dcg = 0;
    p.ap = 0;
    p.idcg = 0;
    for (let r = 1; r <= K; r++) {
      if (r <= p.size) p.idcg += discount[r - 1];
      const it = slotItem[e * K + r - 1];
      if (it >= 0) {
        if (seenBy[it] === e) throw new MetricInputError('RankedLists', `customer ${truth.customers[e]} has item ${it} at ranks ${rankOf[it]} and ${r}`);
        seenBy[it] = e;
        rankOf[it] = r;
        if (setHas(truth, e, it)) {
          p.hits++;
          p.dcg += discount[r - 1];
          p.ap += p.hits / r;
        }
      }
      visit(e, r, p);
    }
  }
}

/**
 * {@link rankingMetrics} at every cut-off K = 1 … `maxK`, in one pass over the
 * lists: element K − 1 equals `rankingMetrics(lists, truth, K)`.
 * Time O(rows + evaluated customers × maxK).
 * @throws MetricInputError as {@link rankingMetrics} does for K = `maxK`.
 */
export function rankingCurves(lists: RankedLists, truth: Truth, maxK: number): RankingMetrics[] {
  const K = maxK;
  const sums = Object.fromEntries(METRICS.map((name) => [name, new Float64Array(Number.isInteger(K) && K >= 1 ? K : 0)])) as Record<(typeof METRICS)[number], Float64Array>;
  scanLists(lists, truth, K, (_e, r, p) => {
    for (const name of METRICS) sums[name][r - 1] += AT_RANK[name](p, r);
  });
  const m = truth.customers.length;
  const mean = (x: number): number => (m === 0 ? 0 : x / m);
  return Array.from({ length: K }, (_, j) => ({
    k: j + 1,
    customers: m,
    recall: mean(sums.recall[j]),
    precision: mean(sums.precision[j]),
    ndcg: mean(sums.ndcg[j]),
    hitRate: mean(sums.hitRate[j]),
    map: mean(sums.map[j]),
  }));
}

/**
 * The metrics of {@link rankingMetrics} per evaluated customer, before the mean:
 * what a paired comparison of two systems over the same customers needs
 * (`evaluation/bootstrap.ts`). The mean of each column is `rankingMetrics`'s figure.
 * @param lists ranked lists, as for {@link rankingMetrics}.
 * @param truth the protocol truth.
 * @param k cut-off K, default 10.
 * @returns one entry per evaluated customer, in `truth.customers` order; a customer without a list scores 0.
 * @throws MetricInputError as {@link rankingMetrics}.
 */
export function customerMetrics(lists: RankedLists, truth: Truth, k = 10): CustomerMetrics {
  const m = truth.customers.length;
  const out: CustomerMetrics = {
    k,
    customers: truth.customers,
    recall: new Float64Array(m),
    precision: new Float64Array(m),
    ndcg: new Float64Array(m),
    hitRate: new Float64Array(m),
    map: new Float64Array(m),
  };
  scanLists(lists, truth, k, (e, r, p) => {
    if (r === k) for (const name of METRICS) out[name][e] = AT_RANK[name](p, r);
  });
  return out;
}

/**
 * Labels of scored (customer, item) pairs against the truth: 1 when the item is
 * in the customer's truth; 0 otherwise, including every pair of a customer that
 * is not evaluated (its truth is empty).
 * @param customer dense customer id per pair.
 * @param item dense item id per pair, same length.
 * @param truth the protocol truth.
 * @throws MetricInputError when the columns differ in length.
 */
export function labelPairs(customer: Int32Array, item: Int32Array, truth: Truth): Uint8Array {
  if (item.length !== customer.length) {
    throw new MetricInputError('pairs', `expected equal lengths, found customer ${customer.length}, item ${item.length}`);
  }
  let maxCustomer = -1;
  for (let i = 0; i < customer.length; i++) if (customer[i] > maxCustomer) maxCustomer = customer[i];
  const pos = evaluatedPosition(truth, maxCustomer);
  const label = new Uint8Array(customer.length);
  for (let i = 0; i < customer.length; i++) {
    const e = customer[i] >= 0 ? pos[customer[i]] : -1;
    if (e >= 0 && setHas(truth, e, item[i])) label[i] = 1;
  }
  return label;
}

function checkScored(probability: ArrayLike<number>, label: Uint8Array): void {
  if (probability.length !== label.length) {
    throw new MetricInputError('scored pairs', `expected equal lengths, found probability ${probability.length}, label ${label.length}`);
  }
  for (let i = 0; i < label.length; i++) {
    const p = probability[i];
    if (!(p >= 0 && p <= 1)) throw new MetricInputError('probability', `expected a value in [0, 1] at row ${i}, found ${p}`);
    if (label[i] > 1) throw new MetricInputError('label', `expected 0 or 1 at row ${i}, found ${label[i]}`);
  }
}

/** Probability clip of {@link logLoss}, as `protocol.md` fixes it. */
export const LOG_LOSS_EPSILON = 1e-7;

/**
 * Running sums of the calibration metrics of scored pairs, fed one batch of pairs
 * after another ({@link addCalibration}): per bin of {@link expectedCalibrationError}
 * the pairs, Σ p and Σ y, and the sum of {@link logLoss}'s terms. Feeding the pairs
 * in several batches, in order, gives bit for bit the figures of one batch of all
 * of them: the sums are added in the same order.
 */
export interface CalibrationSums {
  /** Pairs per bin; B bins, bin b holds p in [b/B, (b+1)/B), p = 1 in the last bin. */
  count: Float64Array;
  /** Σ p per bin. */
  sumP: Float64Array;
  /** Σ y (positives) per bin. */
  sumY: Float64Array;
  /** Σ −[y log p + (1 − y) log(1 − p)] over the pairs, p clipped to [{@link LOG_LOSS_EPSILON}, 1 − {@link LOG_LOSS_EPSILON}], in nats. */
  logLoss: number;
  /** Pairs added. */
  pairs: number;
}

/**
 * Empty {@link CalibrationSums} of `bins` equal-width bins of [0, 1].
 * @param bins number of bins, protocol: 10.
 */
export function calibrationSums(bins = 10): CalibrationSums {
  return { count: new Float64Array(bins), sumP: new Float64Array(bins), sumY: new Float64Array(bins), logLoss: 0, pairs: 0 };
}

/**
 * Adds a batch of scored pairs to `sums`, which it updates in place and returns.
 * @param probability predicted probability per pair, in [0, 1].
 * @param label 0/1 outcome per pair (e.g. from {@link labelPairs}).
 * @throws MetricInputError on length mismatch, a probability outside [0, 1] or NaN, or a label other than 0/1
 *   (naming the row within the batch); `sums` is then unchanged.
 */
export function addCalibration(sums: CalibrationSums, probability: ArrayLike<number>, label: Uint8Array): CalibrationSums {
  checkScored(probability, label);
  const { count, sumP, sumY } = sums;
  const bins = count.length;
  let loss = sums.logLoss;
  for (let i = 0; i < label.length; i++) {
    const p = probability[i];
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]++;
    sumP[b] += p;
    sumY[b] += label[i];
    const clipped = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p));
    loss -= label[i] === 1 ? Math.log(clipped) : Math.log(1 - clipped);
  }
  sums.logLoss = loss;
  sums.pairs += label.length;
  return sums;
}

/**
 * Labels scored pairs against the truth ({@link labelPairs}) and adds them to `sums` ({@link addCalibration}).
 * @param scored dense customer and item ids and a probability in [0, 1] per pair.
 * @returns `sums`, updated in place.
 * @throws MetricInputError as {@link labelPairs} and {@link addCalibration}.
 */
export function addScoredPairs(sums: CalibrationSums, scored: ScoredPairs, truth: Truth): CalibrationSums {
  return addCalibration(sums, scored.probability, labelPairs(scored.customer, scored.item, truth));
}

/**
 * Expected calibration error of the pairs added to `sums`:
 * ECE = Σ_b (n_b / N) · |mean p in b − share of positives in b|, summed as Σ_b |Σp_b − Σy_b| / N.
 * @returns ECE in [0, 1]; 0 for no pairs.
 */
export function calibrationError(sums: CalibrationSums): number {
  let ece = 0;
  for (let b = 0; b < sums.count.length; b++) if (sums.count[b] > 0) ece += Math.abs(sums.sumP[b] - sums.sumY[b]) / sums.pairs;
  return ece;
}

/**
 * Mean binary log loss of the pairs added to `sums`.
 * @returns log loss in nats; 0 for no pairs.
 */
export function meanLogLoss(sums: CalibrationSums): number {
  return sums.pairs === 0 ? 0 : sums.logLoss / sums.pairs;
}

/**
 * Expected calibration error over scored pairs: predictions fall into `bins`
 * equal-width bins of [0, 1] (bin b holds p in [b/B, (b+1)/B), p = 1 in the last
 * bin); ECE = Σ_b (n_b / N) · |mean p in b − share of positives in b|.
 * {@link calibrationError} of the pairs' {@link CalibrationSums}.
 * @param probability predicted probability per pair, in [0, 1].
 * @param label 0/1 outcome per pair (e.g. from {@link labelPairs}).
 * @param bins number of bins, protocol: 10.
 * @returns ECE in [0, 1]; 0 for no pairs.
 * @throws MetricInputError on length mismatch, a probability outside [0, 1] or NaN, or a label other than 0/1.
 */
export function expectedCalibrationError(probability: ArrayLike<number>, label: Uint8Array, bins = 10): number {
  return calibrationError(addCalibration(calibrationSums(bins), probability, label));
}

/**
 * Mean binary log loss (cross-entropy, natural log) over scored pairs, with
 * probabilities clipped to [1e-7, 1 − 1e-7]:
 * −(1/N) Σ [y log p + (1 − y) log(1 − p)]. {@link meanLogLoss} of the pairs' {@link CalibrationSums}.
 * @param probability predicted probability per pair, in [0, 1].
 * @param label 0/1 outcome per pair.
 * @returns log loss in nats; 0 for no pairs.
 * @throws MetricInputError as {@link expectedCalibrationError}.
 */
export function logLoss(probability: ArrayLike<number>, label: Uint8Array): number {
  return meanLogLoss(addCalibration(calibrationSums(), probability, label));
}
