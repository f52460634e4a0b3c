/** What a training is asked to do: its cut-offs, horizon, K, seed and the training loop's budget. */
import type { TrainOptions } from './train';

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
