/**
 * The baseline fallback of the promotion rule: when no trained model beats the
 * best simple baseline on the validation cut-off and no champion exists, scoring
 * uses that baseline's ranked lists, with probabilities calibrated on the
 * validation cut-off by Platt scaling on the rank.
 *
 * Score of a list row at rank r: s = 1 / (1 + r), so Platt's
 * p = σ(a·logit(s) + b) = σ(−a·ln r + b), a power law in the rank; then a
 * customer level (`customer-level.ts`) on the customer's recency and frequency
 * before the cut-off, x = [ln(1 + days since the last purchase), ln(1 + orders)]
 * ({@link fallbackLevelCovariates}), so that a customer who stopped buying gets
 * lower probabilities at every rank than a regular one (each list's order
 * unchanged). The fit uses the validation cut-off's lists and its truth in
 * [cut-off, cut-off + H), which ends at the as-of time: no leakage.
 */
import { MODEL_ID_PATTERN } from '../lib/catalog/models';
import { DAY_MS } from '../lib/schema';
import { customerAggregates } from '../features/aggregates';
import { boughtInHorizon, EventIndex, eventsBefore, knownCustomers } from '../features/event-index';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { popularityBaseline, repeatBaseline } from '../evaluation/baselines';
import { applyCalibration, fitPlatt, type Calibration } from './calibration';
import { calibrateWithLevel, type CustomerLevel, fitCustomerLevel } from './customer-level';
import { TrainingInputError } from './errors';
import { trendPriorShift } from './prior-shift';

/** The baselines scoring can fall back to, by the names evaluation reports them under. */
export const BASELINES = {
  popularity: (index: EventIndex, asOf: number, k: number): RankedLists => popularityBaseline(index, asOf, { k }),
  repeat: (index: EventIndex, asOf: number, k: number): RankedLists => repeatBaseline(index, asOf, { k }),
} as const;

/** Name of a baseline of {@link BASELINES}. */
export type BaselineName = keyof typeof BASELINES;

/**
 * Prefix of an id that names a baseline fallback instead of a trained model: `baseline:repeat@<model-id>`,
 * the fit that the training of that model wrote ({@link fallbackFitId}); `baseline:repeat` alone, the
 * record an earlier version kept per baseline, or, given to `score --model`, a fit to resolve.
 */
export const BASELINE_ID_PREFIX = 'baseline:';

/** What separates the baseline's name from the id of the model whose training fitted it, in a fit's id. */
export const FIT_SEPARATOR = '@';
/** A calibrated baseline scoring can use in place of a model (plain JSON). */
export interface BaselineFallback {
  baseline: BaselineName;
  /** Platt map of s = 1 / (1 + rank). */
  calibration: Calibration;
  /** The customer level applied after the map, on {@link fallbackLevelCovariates}; absent in records written before it: the map alone. */
  customerLevel?: CustomerLevel;
  /** Cut-off (ms UTC) the calibration was fitted on. */
  validationCutoff: number;
  /** Horizon H in days of the labels it was fitted to; absent in records written before it was kept. */
  horizonDays?: number;
  /** List length K the calibration was fitted with. */
  k: number;
  /** Why scoring falls back to the baseline (the promotion decision). */
  reason: string;
}

/** Baseline lists with a calibrated probability per row. */
export type BaselineScores = RankedLists & ScoredPairs;

/** What a baseline fallback's id names: a baseline, and the fit of it (the model whose training wrote it), or none (the record of an earlier version). */
export interface FallbackRef {
  baseline: BaselineName;
  /** The model whose training fitted it, in whose folder its record is; undefined for `baseline:<name>` alone. */
  modelId?: string;
}

/**
 * The id of the fit of `baseline` that the training of model `modelId` wrote.
 * @example fallbackFitId('repeat', '20111109T000000000Z-3fa2c01b') // 'baseline:repeat@20111109T000000000Z-3fa2c01b'
 */
export function fallbackFitId(baseline: BaselineName, modelId: string): string {
  return `${BASELINE_ID_PREFIX}${baseline}${FIT_SEPARATOR}${modelId}`;
}

/**
 * What a baseline fallback's id names (`baseline:<name>@<model-id>` or `baseline:<name>`), or undefined for any other id.
 * @throws TrainingInputError when the prefix is present but the name is unknown, or the fit's model id is malformed.
 */
export function parseFallbackId(id: string): FallbackRef | undefined {
  if (!id.startsWith(BASELINE_ID_PREFIX)) return undefined;
  const rest = id.slice(BASELINE_ID_PREFIX.length);
  const at = rest.indexOf(FIT_SEPARATOR);
  const name = at < 0 ? rest : rest.slice(0, at);
  if (!Object.hasOwn(BASELINES, name)) throw new TrainingInputError(`unknown baseline "${name}" in "${id}": expected one of ${Object.keys(BASELINES).join(', ')}`);
  if (at < 0) return { baseline: name as BaselineName };
  const modelId = rest.slice(at + 1);
  if (!MODEL_ID_PATTERN.test(modelId)) throw new TrainingInputError(`"${id}" names no fit of baseline ${name}: expected baseline:${name}@<model-id>, the model id as YYYYMMDDTHHMMSSmmmZ-<8 hex>`);
  return { baseline: name as BaselineName, modelId };
}

/**
 * The baseline named by a fallback's id, `baseline:<name>@<model-id>` or `baseline:<name>`, or undefined for a model id.
 * @throws as {@link parseFallbackId}.
 */
export function parseBaselineId(id: string): BaselineName | undefined {
  return parseFallbackId(id)?.baseline;
}

const rankScore = (rank: Int32Array): Float32Array => Float32Array.from(rank, (r) => 1 / (1 + r));

const hitRate = (label: Uint8Array): number => label.reduce((s, y) => s + y, 0) / label.length;

/**
 * The covariates of the fallback's customer level at time t, from the events
 * strictly before t (`customerAggregates`): per row, ln(1 + days from the
 * customer's last purchase to t) and ln(1 + the customer's distinct orders).
 * @param customer dense customer per row, each known at t (as the baselines' lists hold them).
 * @param t cut-off or as-of time, ms UTC.
 * @returns two columns, a value per row.
 */
export function fallbackLevelCovariates(index: EventIndex, customer: Int32Array, t: number): Float64Array[] {
  const e = eventsBefore(index, t);
  const { daysSinceLast, orders } = customerAggregates(index, t, e, knownCustomers(index, e));
  return [Float64Array.from(customer, (c) => Math.log1p(daysSinceLast[c])), Float64Array.from(customer, (c) => Math.log1p(orders[c]))];
}

/**
 * Fits the fallback's calibration on the validation cut-off: Platt on the rank,
 * the customer level on it (or, when that fit fails, why not: the record says
 * so and scoring uses Platt alone), then the prior shift (`prior-shift.ts`) from the lists' hit rate there to its
 * one-step ratio trend over the cut-off H days before, as the model's
 * probabilities are carried to the horizon (none when that cut-off has no list).
 * @param index event index holding the validation horizon.
 * @param baseline which baseline.
 * @param validationCutoff cut-off t, ms UTC; labels are purchases in [t, t + H).
 * @param horizonDays H.
 * @param k list length K.
 * @param reason why the fallback is used, kept in the record.
 * @throws TrainingInputError when the baseline has no list at t.
 */
export function fitBaselineFallback(index: EventIndex, baseline: BaselineName, validationCutoff: number, horizonDays: number, k: number, reason: string): BaselineFallback {
  const lists = BASELINES[baseline](index, validationCutoff, k);
  if (lists.rank.length === 0) throw new TrainingInputError(`baseline ${baseline} has no list at ${new Date(validationCutoff).toISOString()}`);
  const label = boughtInHorizon(index, lists.customer, lists.item, validationCutoff, horizonDays);
  const before = validationCutoff - horizonDays * DAY_MS;
  const earlier = BASELINES[baseline](index, before, k);
  const rates = earlier.rank.length === 0 ? [hitRate(label)] : [hitRate(boughtInHorizon(index, earlier.customer, earlier.item, before, horizonDays)), hitRate(label)];
  const score = rankScore(lists.rank);
  const platt = fitPlatt(score, label);
  const customerLevel = fitCustomerLevel(applyCalibration(platt, score), fallbackLevelCovariates(index, lists.customer, validationCutoff), label);
  return { baseline, calibration: { ...platt, priorShift: trendPriorShift(rates).shift }, customerLevel, validationCutoff, horizonDays, k, reason };
}

/**
 * The fallback's lists at as-of time T (events before T only) with calibrated probabilities.
 * @param k list length K of the export (the calibration, fitted on ranks 1 … `fallback.k`, is a function of the rank and the customer).
 * @returns up to K rows per known customer, ranks 1 …, probability non-increasing in rank.
 */
export function baselineScores(index: EventIndex, fallback: BaselineFallback, asOf: number, k: number): BaselineScores {
  const lists = BASELINES[fallback.baseline](index, asOf, k);
  const probability = calibrateWithLevel(fallback.calibration, fallback.customerLevel, rankScore(lists.rank), () => fallbackLevelCovariates(index, lists.customer, asOf));
  return { ...lists, probability };
}
