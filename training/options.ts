/** What a training is asked to do: its cut-offs, horizon, K, seed and the training loop's budget. */
import { trainingProcedure, type TrainOptions } from './train';

/** The settings of a training, whatever its as-of time (a backtest trains at several). */
export interface TrainSettings {
  /** Prediction horizon H, days. */
  horizonDays: number;
  /** Number of training cut-offs before the validation cut-off. */
  trainCutoffs: number;
  /** Days between training cut-offs; default the horizon. */
  cutoffStepDays?: number;
  /** Length of the ranked lists the validation metrics are computed on. */
  k: number;
  /** Seed of sampling and initialisation, an unsigned 32-bit integer. */
  seed: number;
  train?: Omit<TrainOptions, 'seed' | 'onEpoch'>;
}

/** A training at as-of time `asOf` (ms since the epoch): only data before it is used. */
export interface TrainStepOptions extends TrainSettings {
  asOf: number;
}

/**
 * The settings that define the training procedure (every {@link TrainSettings}
 * but the seed, with its defaults filled in and without the threads:
 * `trainingProcedure` of train.ts), as plain JSON: what a backtest records and a
 * model card compares (`lib/catalog/backtests.ts`). An option given at its
 * default value and one left out give the same settings.
 */
export function procedureSettings(o: TrainSettings): Record<string, unknown> {
  const { horizonDays, k, trainCutoffs, cutoffStepDays = horizonDays, train = {} } = o;
  return JSON.parse(JSON.stringify({ horizonDays, k, trainCutoffs, cutoffStepDays, train: trainingProcedure(train) })) as Record<string, unknown>;
}
