/**
 * The blend of the promotion rule: when a challenger does not beat the best
 * baseline significantly and no champion exists, scoring uses the better, on
 * the validation cut-off, of that baseline alone and this blend of the model's
 * order with the baseline's.
 *
 * The blend is a weighted reciprocal-rank fusion (G. V. Cormack, C. L. A. Clarke
 * & S. Büttcher, "Reciprocal rank fusion outperforms Condorcet and individual
 * rank learning methods", SIGIR 2009, with their constant c = 60) over the
 * customer's candidates: with r_m the row's rank among the customer's candidates
 * by the model and r_b its rank in the baseline's top-K list (none when absent),
 *
 *   s = (c + 1) · ( w / (c + r_m) + (1 − w) / (c + r_b) ),   0 < s ≤ 1,
 *
 * the second term 0 for an item outside the baseline's list. w > 0, so the
 * items the baseline does not list keep the model's order among themselves.
 * The weight w is chosen on the validation cut-off only, from
 * {@link BLEND_WEIGHTS}: each half of the validation customers (the
 * `customerFold` hash of `calibration.ts`) gets the weight best on the other
 * half, so the blend's figure that is compared with the baseline is out of fold
 * (not flattered by the choice); the weight scoring uses is the best on all of
 * them. Its probabilities are calibrated there too: `fitCalibration` on s, then
 * a customer level (`customer-level.ts`) on x = ln E_u, E_u the model's expected
 * number of items the customer buys (the sum of its probabilities over the
 * customer's candidates), so that a customer the model expects to buy little
 * gets lower probabilities at every rank (each customer's order unchanged). The
 * validation horizon ends at the as-of time: nothing at or after it is used. As
 * for the model's own calibration, the fit reads the held-out scores of the
 * network of the first phase; scoring ranks with the saved network (the refit,
 * by default), and s depends on that network only through its order.
 */
import type { EventIndex } from '../features/event-index';
import type { FeatureSet } from '../features/types';
import { meanOf } from '../evaluation/bootstrap';
import { evaluateAt, type SystemMetrics } from '../evaluation/evaluate';
import type { RankedLists } from '../ranking/lists';
import { customerMetrics } from '../ranking/metrics';
import { customerRows } from '../ranking/ranges';
import { itemOrder, rankPerCustomer, topKPerCustomer } from '../ranking/topk';
import { applyCalibration, type Calibration, customerFold, fitCalibration, logit, sigmoid } from './calibration';
import { calibrateWithLevel, type CustomerLevel, fitCustomerLevel } from './customer-level';
import { TrainingInputError } from './errors';
import { BASELINES, type BaselineName } from './fallback';
import { buildTruth, truthOf } from '../evaluation/truth';

/** c of reciprocal-rank fusion. */
export const RRF_CONSTANT = 60;

/**
 * The weights on the model the fit tries: 0.001, then 0.05, 0.10, …, 1. At 1 the
 * order is the model's alone; at 0.001 the model's term (at most 0.001) is below
 * the gap between any two ranks of the baseline's list (over 0.01 for K ≤ 20), so
 * the list keeps the baseline's items in its order and the model ranks only the
 * rest: the baseline, completed by the model where its list is short.
 */
export const BLEND_WEIGHTS: readonly number[] = [0.001, ...Array.from({ length: 20 }, (_, i) => (i + 1) / 20)];

/** A weight as the decision text and the card print it: `0.001`, `0.05`, `0.7`, `1`. */
export function formatWeight(w: number): string {
  return String(Math.round(w * 1000) / 1000);
}

/** Prefix of a champion id that names the blend of a registered model: `blend:<model-id>`. */
export const BLEND_ID_PREFIX = 'blend:';

/** A fitted blend as scoring needs it (plain JSON; `lib/catalog/blends.ts` stores it beside the model). */
export interface Blend {
  /** The registered model whose order is blended. */
  modelId: string;
  baseline: BaselineName;
  /** w, the weight on the model, in (0, 1]. */
  weight: number;
  /** Map of the blend score s to a probability. */
  calibration: Calibration;
  /** The customer level applied after the map, on [ln E_u] ({@link blendLevelCovariates}); absent in records written before it: the map alone. */
  customerLevel?: CustomerLevel;
  /** Cut-off (ms UTC) the weight and calibration were fitted on. */
  validationCutoff: number;
  /** Length K of the baseline's lists and of the lists the weight was judged on. */
  k: number;
  /** Why scoring uses the blend (the promotion decision). */
  reason: string;
}

/** The model id of a champion id `blend:<model-id>`, or undefined for any other id. */
export function parseBlendId(id: string): string | undefined {
  return id.startsWith(BLEND_ID_PREFIX) ? id.slice(BLEND_ID_PREFIX.length) : undefined;
}

/**
 * 1-based rank of each row among its customer's rows by the model: probability
 * descending, then raw score, then `tieKey` (the order of `topKPerCustomer`).
 * @param customer dense customer per row, each customer's rows contiguous.
 */
export function modelRanks(customer: Int32Array, item: Int32Array, probability: Float32Array, raw: Float32Array, tieKey: Int32Array): Int32Array {
  const ranked = rankPerCustomer(customer, item, probability, { score: raw, tieKey });
  const rank = new Int32Array(customer.length);
  for (let j = 0; j < ranked.n; j++) rank[ranked.row[j]] = ranked.rank[j];
  return rank;
}

/**
 * Rank of each row's item in its customer's baseline list, 0 when not listed.
 * @param lists baseline lists, customers ascending (as `evaluation/baselines.ts` returns them).
 */
export function baselineRanks(lists: RankedLists, customer: Int32Array, item: Int32Array): Int32Array {
  const rank = new Int32Array(customer.length);
  let from = 0;
  let to = 0;
  for (let row = 0; row < customer.length; row++) {
    if (row === 0 || customer[row] !== customer[row - 1]) [from, to] = customerRows(lists.customer, customer[row]);
    for (let q = from; q < to; q++) if (lists.item[q] === item[row]) rank[row] = lists.rank[q];
  }
  return rank;
}

/**
 * The blend score of each row (see the file comment).
 * @param modelRank rank among the customer's candidates by the model, ≥ 1.
 * @param baselineRank rank in the baseline's list, 0 when absent.
 * @param weight w in (0, 1].
 * @returns s in (0, 1] per row.
 */
export function blendScores(modelRank: Int32Array, baselineRank: Int32Array, weight: number): Float32Array {
  const c = RRF_CONSTANT;
  return Float32Array.from(modelRank, (rm, row) => (c + 1) * (weight / (c + rm) + (baselineRank[row] > 0 ? (1 - weight) / (c + baselineRank[row]) : 0)));
}

/** Rows of candidates scored by a model, as the blend reads them. */
export interface ModelRows {
  customer: Int32Array;
  item: Int32Array;
  /** The model's calibrated probability per row. */
  probability: Float32Array;
  /** Its raw score per row (orders rows of equal probability). */
  raw: Float32Array;
}

/** E_u below this (a thousandth of an item) counts as this, so that its logarithm stays finite. */
const MIN_EXPECTED_ITEMS = 1e-3;

/**
 * The covariates of the blend's customer level: per row, ln E_u with E_u the sum
 * of the model's probabilities over the rows of the row's customer (at least
 * {@link MIN_EXPECTED_ITEMS}), the number of the customer's candidates the model
 * expects bought in the horizon.
 * @param customer dense customer per row; rows of whole customers.
 * @param probability the model's calibrated probability per row.
 * @param priorShift the model's prior shift, taken off its probabilities first
 *   (scoring's carry it, the validation rows' do not; the blend adds it after the level).
 * @returns one column, a value per row.
 */
export function blendLevelCovariates(customer: Int32Array, probability: Float32Array, priorShift = 0): Float64Array[] {
  const expected = new Map<number, number>();
  for (let row = 0; row < customer.length; row++) {
    const p = priorShift === 0 ? probability[row] : sigmoid(logit(probability[row]) - priorShift);
    expected.set(customer[row], (expected.get(customer[row]) ?? 0) + p);
  }
  return [Float64Array.from(customer, (c) => Math.log(Math.max(MIN_EXPECTED_ITEMS, expected.get(c)!)))];
}

/**
 * The blend's scores and calibrated probabilities of a batch of candidate rows
 * (whole customers), given the baseline's lists at the same time.
 * @param rows the model's probabilities carry its prior shift, the same as the blend's calibration's (scoring's).
 * @param tieKey per dense item, the final tie-break (`itemOrder`).
 * @returns s and p = calibration(s) per row, with the customer level when the
 *   blend has one; rank by p, ties by s, then `tieKey`.
 */
export function blendRows(blend: Pick<Blend, 'weight' | 'calibration' | 'customerLevel'>, baselineLists: RankedLists, rows: ModelRows, tieKey: Int32Array): { score: Float32Array; probability: Float32Array } {
  const score = blendScores(modelRanks(rows.customer, rows.item, rows.probability, rows.raw, tieKey), baselineRanks(baselineLists, rows.customer, rows.item), blend.weight);
  const covariates = (): Float64Array[] => blendLevelCovariates(rows.customer, rows.probability, blend.calibration.priorShift ?? 0);
  return { score, probability: calibrateWithLevel(blend.calibration, blend.customerLevel, score, covariates) };
}

/** A blend fitted on the validation cut-off, with the figures that judged it. */
export interface BlendFit {
  baseline: BaselineName;
  /** The weight best over all validation customers: the one scoring uses. */
  weight: number;
  /** The weight chosen on each half of the customers (`customerFold` 0 and 1). */
  foldWeights: [number, number];
  calibration: Calibration;
  /** The customer level fitted after `calibration` on the same rows, or why none is used. */
  customerLevel: CustomerLevel;
  /** NDCG@K per evaluated validation customer (ascending dense id) with the weight chosen on the other half. */
  outOfFold: Float64Array;
  /** The baseline's NDCG@K of the same customers, same order. */
  baselineNdcg: Float64Array;
  /** Mean of {@link outOfFold}: the blend's figure against the baseline. */
  outOfFoldNdcg: number;
  /** The blend at {@link weight}, calibrated, on the validation cut-off (in sample: the weight was chosen there). */
  metrics: SystemMetrics;
}

/**
 * Fits the blend of a model with `baseline` on the labelled validation cut-off
 * `held` (see the file comment).
 * @param index event index holding the validation horizon.
 * @param held the validation rows the model scored, with labels.
 * @param model the model's calibrated probabilities (before its prior shift) and raw scores on `held`'s rows.
 * @param baseline the baseline to blend with (the best on validation).
 * @param o horizon H (days) and K.
 * @throws TrainingInputError when `held` has no labels or the columns differ in
 *   length; the errors of `fitCalibration` (a fold without rows).
 */
export function fitBlend(index: EventIndex, held: FeatureSet, model: { probability: Float32Array; raw: Float32Array }, baseline: BaselineName, o: { horizonDays: number; k: number }): BlendFit {
  if (held.label === undefined) throw new TrainingInputError(`fitBlend: validation rows at ${new Date(held.cutoff).toISOString()} have no labels`);
  if (model.probability.length !== held.n || model.raw.length !== held.n) throw new TrainingInputError(`fitBlend: ${held.n} rows but ${model.probability.length} probabilities and ${model.raw.length} raw scores`);
  const tieKey = itemOrder(index.events.itemIds);
  const lists = BASELINES[baseline](index, held.cutoff, o.k);
  const truth = truthOf(buildTruth(index, held.cutoff, o.horizonDays), held.customer);
  const mRank = modelRanks(held.customer, held.item, model.probability, model.raw, tieKey);
  const bRank = baselineRanks(lists, held.customer, held.item);
  const ndcgAt = (w: number): Float64Array => {
    const score = blendScores(mRank, bRank, w);
    // Ordered by s then the item: the order of the calibrated probability p, a non-decreasing map of s, ties by s.
    return customerMetrics(topKPerCustomer(held.customer, held.item, score, o.k, { tieKey }), truth, o.k).ndcg;
  };
  const byWeight = BLEND_WEIGHTS.map(ndcgAt);
  const fold = Uint8Array.from(truth.customers, customerFold);
  const best = (keep: (e: number) => boolean): number => {
    let at = 0;
    byWeight.forEach((ndcg, i) => {
      if (meanOf(ndcg, keep) > meanOf(byWeight[at], keep)) at = i;
    });
    return at;
  };
  const foldBest = [best((e) => fold[e] === 0), best((e) => fold[e] === 1)];
  const outOfFold = Float64Array.from(fold, (f, e) => byWeight[foldBest[1 - f]][e]);
  const weight = BLEND_WEIGHTS[best(() => true)];
  const score = blendScores(mRank, bRank, weight);
  const { calibration } = fitCalibration(score, held.label, held.customer);
  const covariates = blendLevelCovariates(held.customer, model.probability);
  const customerLevel = fitCustomerLevel(applyCalibration(calibration, score), covariates, held.label);
  const probability = calibrateWithLevel(calibration, customerLevel, score, () => covariates);
  const blended = topKPerCustomer(held.customer, held.item, probability, o.k, { score, tieKey });
  const metrics = evaluateAt(index, held.cutoff, o.horizonDays, o.k, { name: 'blend', lists: blended, scored: { customer: held.customer, item: held.item, probability } }, held.customer)[0];
  return {
    baseline,
    weight,
    foldWeights: [BLEND_WEIGHTS[foldBest[0]], BLEND_WEIGHTS[foldBest[1]]],
    calibration,
    customerLevel,
    outOfFold,
    baselineNdcg: customerMetrics(lists, truth, o.k).ndcg,
    outOfFoldNdcg: meanOf(outOfFold),
    metrics,
  };
}
