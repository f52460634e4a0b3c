/**
 * Batch scoring: calibrated purchase probabilities for every candidate row of a
 * feature set, computed in streamed batches so memory stays bounded by
 * `batchRows` × d (the feature set itself is the caller's). In this thread
 * ({@link scoreFeatureSet}) or over a pool of forward threads ({@link scoreFeatureSetOn}).
 */
import type * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { applyCalibration, type Calibration } from '../training/calibration';
import type { ForwardPool } from '../training/forward-pool';
import { predictRaw, DEFAULT_BATCH_ROWS, type Vocabulary } from '../training/predict';
import type { Preprocessing } from '../training/preprocess';

/** What scoring needs of a model (a `LoadedModel` from `training/registry.ts` is one). */
export interface ScoringModel {
  model: tf.LayersModel;
  preprocessing: Preprocessing;
  calibration: Calibration;
  vocab: Vocabulary;
}

/** Options of {@link scoreFeatureSet} and {@link scoreFeatureSetOn}. */
export interface ScoreOptions {
  /** Rows per forward pass (default {@link DEFAULT_BATCH_ROWS}; a pool has its own). */
  batchRows?: number;
  /**
   * Float32 of length `fs.n` that receives the uncalibrated scores, for ordering
   * ties of calibrated probability (`topKPerCustomer`'s `score`).
   */
  raw?: Float32Array;
}

/** The calibrated probabilities of `raw`: in place unless the caller keeps `raw`. */
function calibrated(model: ScoringModel, raw: Float32Array, options: ScoreOptions): Float32Array {
  return applyCalibration(model.calibration, raw, options.raw === undefined ? raw : new Float32Array(raw.length));
}

/**
 * Calibrated probabilities P(customer buys item within the horizon) per row of `fs`,
 * computed in this thread. Unseen customer or item ids (≥ the model's vocabulary)
 * use the OOV embeddings.
 * @returns float32 of length `fs.n`, values in [0, 1], in row order.
 * @throws FeatureMismatchError when `fs.names` differ from the model's features.
 */
export function scoreFeatureSet(model: ScoringModel, fs: FeatureSet, options: ScoreOptions = {}): Float32Array {
  const raw = predictRaw(model.model, model.preprocessing, model.vocab, fs, { batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS, out: options.raw });
  return calibrated(model, raw, options);
}

/**
 * {@link scoreFeatureSet} with the forward pass on `pool`, which must have been
 * opened on `model` (`ForwardPool.open(model.model, model.preprocessing, model.vocab, …)`).
 * Same values as {@link scoreFeatureSet}.
 * @throws FeatureMismatchError when `fs.names` differ from the model's features;
 *   ForwardWorkerError when a forward thread fails.
 */
export async function scoreFeatureSetOn(pool: ForwardPool, model: ScoringModel, fs: FeatureSet, options: Omit<ScoreOptions, 'batchRows'> = {}): Promise<Float32Array> {
  const raw = await pool.predict(fs, options.raw);
  return calibrated(model, raw, options);
}
