/**
 * Batch scoring: calibrated purchase probabilities for every candidate row of a
 * feature set, computed in streamed batches so memory stays bounded by
 * `batchRows` × d (the feature set itself is the caller's).
 */
import type * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { applyCalibration, type Calibration } from '../training/calibration';
import { predictRaw, DEFAULT_BATCH_ROWS, type Vocabulary } from '../training/predict';
import type { Preprocessing } from '../training/preprocess';

/** What scoring needs of a model (a `LoadedModel` from `training/registry.ts` is one). */
export interface ScoringModel {
  model: tf.LayersModel;
  preprocessing: Preprocessing;
  calibration: Calibration;
  vocab: Vocabulary;
}

/**
 * Calibrated probabilities P(customer buys item within the horizon) per row of `fs`.
 * Unseen customer or item ids (≥ the model's vocabulary) use the OOV embeddings.
 * @param options.batchRows rows per forward pass (default {@link DEFAULT_BATCH_ROWS}).
 * @param options.raw float32 of length `fs.n` that receives the uncalibrated
 *   scores, for ordering ties of calibrated probability (`topKPerCustomer`'s `score`).
 * @returns float32 of length `fs.n`, values in [0, 1], in row order.
 * @throws FeatureMismatchError when `fs.names` differ from the model's features.
 */
export function scoreFeatureSet(model: ScoringModel, fs: FeatureSet, options: { batchRows?: number; raw?: Float32Array } = {}): Float32Array {
  const raw = predictRaw(model.model, model.preprocessing, model.vocab, fs, { batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS, out: options.raw });
  return applyCalibration(model.calibration, raw, options.raw === undefined ? raw : new Float32Array(fs.n));
}
