/**
 * The baseline fallback of the promotion rule: when no trained model beats the
 * best simple baseline on the validation cut-off and no champion exists, scoring
 * uses that baseline's ranked lists, with probabilities calibrated on the
 * validation cut-off by Platt scaling on the rank.
 *
 * Score of a list row at rank r: s = 1 / (1 + r), so Platt's
 * p = σ(a·logit(s) + b) = σ(−a·ln r + b), a power law in the rank. The fit uses
 * the validation cut-off's lists and its truth in [cut-off, cut-off + H), which
 * ends at the as-of time: no leakage.
 */
import { DAY_MS } from '../lib/schema';
import { boughtInHorizon, EventIndex } from '../features/event-index';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { popularityBaseline, repeatBaseline } from '../evaluation/baselines';
import { applyCalibration, fitPlatt, type Calibration } from './calibration';
import { TrainingInputError } from './errors';
import { trendPriorShift } from './prior-shift';

/** The baselines scoring can fall back to, by the names evaluation reports them under. */
export const BASELINES = {
  popularity: (index: EventIndex, asOf: number, k: number): RankedLists => popularityBaseline(index, asOf, { k }),
  repeat: (index: EventIndex, asOf: number, k: number): RankedLists => repeatBaseline(index, asOf, { k }),
} as const;

/** Name of a baseline of {@link BASELINES}. */
export type BaselineName = keyof typeof BASELINES;

/** Prefix of a champion id that names a baseline instead of a trained model: `baseline:repeat`. */
export const BASELINE_ID_PREFIX = 'baseline:';

/** A calibrated baseline scoring can use in place of a model (plain JSON). */
export interface BaselineFallback {
  baseline: BaselineName;
  /** Platt map of s = 1 / (1 + rank). */
  calibration: Calibration;
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

/**
 * The baseline named by a champion id `baseline:<name>`, or undefined for a model id.
 * @throws TrainingInputError when the prefix is present but the name is unknown.
 */
export function parseBaselineId(id: string): BaselineName | undefined {
  if (!id.startsWith(BASELINE_ID_PREFIX)) return undefined;
  const name = id.slice(BASELINE_ID_PREFIX.length);
  if (!(name in BASELINES)) throw new TrainingInputError(`unknown baseline "${name}" in "${id}": expected one of ${Object.keys(BASELINES).join(', ')}`);
  return name as BaselineName;
}

const rankScore = (rank: Int32Array): Float32Array => Float32Array.from(rank, (r) => 1 / (1 + r));

const hitRate = (label: Uint8Array): number => label.reduce((s, y) => s + y, 0) / label.length;

/**
 * Fits the fallback's calibration on the validation cut-off: Platt on the rank,
 * then the prior shift (`prior-shift.ts`) from the lists' hit rate there to its
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
  return { baseline, calibration: { ...fitPlatt(rankScore(lists.rank), label), priorShift: trendPriorShift(rates).shift }, validationCutoff, horizonDays, k, reason };
}

/**
 * The fallback's lists at as-of time T (events before T only) with calibrated probabilities.
 * @param k list length K of the export (the calibration, fitted on ranks 1 … `fallback.k`, is a function of the rank).
 * @returns up to K rows per known customer, ranks 1 …, probability non-increasing in rank.
 */
export function baselineScores(index: EventIndex, fallback: BaselineFallback, asOf: number, k: number): BaselineScores {
  const lists = BASELINES[fallback.baseline](index, asOf, k);
  return { ...lists, probability: applyCalibration(fallback.calibration, rankScore(lists.rank)) };
}
