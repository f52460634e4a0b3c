/**
 * Moving calibrated probabilities to the base rate forecast for the horizon, and
 * a refitted network's scores to the level of the one the calibration was fitted on.
 *
 * The calibration is fitted on the validation cut-off, whose label window ends
 * at the as-of time T; the horizon after T may have another base rate (the
 * share of candidate pairs bought). When only the prior changes, the posterior
 * odds scale by the ratio of the prior odds (Saerens, Latinne & Decaestecker,
 * "Adjusting the outputs of a classifier to new a priori probabilities: a simple
 * procedure", Neural Computation 14(1), 2002, eq. 2.4), that is one constant
 * added to every logit: logit(π′) − logit(π), π the validation cut-off's rate
 * and π′ the forecast. The forecast is the one-step ratio trend of the labelled
 * cut-offs, π·(π / π₋₁) with π₋₁ the cut-off before, the ratio clipped to
 * [1 / {@link MAX_TREND_RATIO}, {@link MAX_TREND_RATIO}]. Only labels of windows
 * that end by T enter it: no leakage. The measurements behind the choice are in
 * `docs/topk-calibration.md`.
 */
import type { FeatureSet } from '../features/types';
import { logit } from './calibration';
import { predictRaw } from './predict';
import type { TrainResult } from './train';
import { TrainingInputError } from './errors';

/** Largest ratio of one cut-off's base rate to the one before that the forecast carries forward. */
export const MAX_TREND_RATIO = 1.25;

/** The forecast and the logit shift that meets it. */
export interface PriorShift {
  /** Base rate of the validation cut-off, in (0, 1). */
  validationRate: number;
  /** Forecast base rate of the horizon after the as-of time, in (0, 1). */
  forecastRate: number;
  /** logit(forecastRate) − logit(validationRate), added to every calibrated logit. */
  shift: number;
}


/**
 * Base rate of a labelled cut-off (a feature set, or its candidates without
 * features): the share of its candidate pairs bought in the horizon.
 * @throws TrainingInputError for a set without labels or rows.
 */
export function baseRate(fs: Pick<FeatureSet, 'cutoff' | 'n' | 'label'>): number {
  if (fs.label === undefined || fs.n === 0) throw new TrainingInputError(`baseRate: the feature set at ${new Date(fs.cutoff).toISOString()} has ${fs.label === undefined ? 'no labels' : 'no rows'}`);
  let bought = 0;
  for (let i = 0; i < fs.n; i++) bought += fs.label[i];
  return bought / fs.n;
}

/**
 * The prior shift to the one-step ratio trend of `rates`.
 * @param rates base rates of the labelled cut-offs, oldest first, the validation cut-off last.
 * @returns no shift (forecast = validation rate) with fewer than two rates or a rate of 0 or 1.
 */
export function trendPriorShift(rates: readonly number[]): PriorShift {
  const validationRate = rates[rates.length - 1];
  const before = rates[rates.length - 2];
  const usable = (r: number | undefined): r is number => r !== undefined && r > 0 && r < 1;
  if (!usable(validationRate) || !usable(before)) return { validationRate, forecastRate: validationRate, shift: 0 };
  const ratio = Math.min(MAX_TREND_RATIO, Math.max(1 / MAX_TREND_RATIO, validationRate / before));
  const forecastRate = Math.min(validationRate * ratio, 1 - 1e-9);
  return { validationRate, forecastRate, shift: logit(forecastRate) - logit(validationRate) };
}

/**
 * The logit offset that brings `scores` to the level of `reference`: logit of the
 * mean of `reference` minus logit of the mean of `scores` (both the raw scores of
 * one set of rows by two networks).
 * @returns 0 when either mean is 0 or 1.
 * @throws TrainingInputError for an empty or unequal pair.
 */
export function levelShift(reference: ArrayLike<number>, scores: ArrayLike<number>): number {
  if (reference.length === 0 || reference.length !== scores.length) throw new TrainingInputError(`levelShift: expected two equal non-empty score arrays, found ${reference.length} and ${scores.length}`);
  let a = 0;
  let b = 0;
  for (let i = 0; i < scores.length; i++) {
    a += reference[i];
    b += scores[i];
  }
  const [ma, mb] = [a / scores.length, b / scores.length];
  return ma > 0 && ma < 1 && mb > 0 && mb < 1 ? logit(ma) - logit(mb) : 0;
}

/**
 * The `refitShift` of a training's calibration: {@link levelShift} from the
 * refitted network's scores of the validation rows to the first phase's, on which
 * the map was fitted; 0 when the network was not refitted (the map's own network).
 */
export function refitLevelShift(result: TrainResult): number {
  return result.refitted ? levelShift(result.validationScores, predictRaw(result.model, result.preprocessing, result.vocab, result.validation)) : 0;
}
