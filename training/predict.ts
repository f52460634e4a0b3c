/**
 * Batched forward pass of the network over a feature set, with bounded memory:
 * at most `batchRows` rows are preprocessed and on the backend at a time.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { toVocabIndex } from './model';
import { applyPreprocessing, type Preprocessing } from './preprocess';
import { checkFeatureNames } from './errors';

/** Training vocabulary sizes; dense ids ≥ these map to the OOV index. */
export interface Vocabulary {
  customers: number;
  items: number;
}

/** Default rows per forward pass (large: small batches are dominated by per-call overhead). */
export const DEFAULT_BATCH_ROWS = 16_384;

/**
 * Uncalibrated model outputs (sigmoid, in (0, 1)) for every row of `fs`, in row order.
 * Dense ids at or beyond the vocabulary map to the OOV index.
 * @param options.batchRows rows per forward pass, {@link DEFAULT_BATCH_ROWS} by default.
 * @param options.out float32 of length ≥ `fs.n` to write into (a new array by default).
 * @returns `out`, length `fs.n` (or the given array).
 * @throws FeatureMismatchError when `fs.names` differ from the preprocessing's feature names.
 */
export function predictRaw(
  model: tf.LayersModel,
  pre: Preprocessing,
  vocab: Vocabulary,
  fs: FeatureSet,
  options: { batchRows?: number; out?: Float32Array } = {},
): Float32Array {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`batchRows must be a positive integer, found ${batchRows}`);
  checkFeatureNames(
    pre.transforms.map((t) => t.name),
    fs.names,
    `feature set at cut-off ${new Date(fs.cutoff).toISOString()}`,
  );
  const d = fs.names.length;
  const out = options.out ?? new Float32Array(fs.n);
  const x = new Float32Array(Math.min(batchRows, fs.n) * d);
  const item = new Int32Array(Math.min(batchRows, fs.n));
  const customer = new Int32Array(Math.min(batchRows, fs.n));
  for (let start = 0; start < fs.n; start += batchRows) {
    const b = Math.min(batchRows, fs.n - start);
    const xb = x.subarray(0, b * d);
    xb.set(fs.values.subarray(start * d, (start + b) * d));
    applyPreprocessing(pre, xb);
    toVocabIndex(fs.item.subarray(start, start + b), vocab.items, item);
    toVocabIndex(fs.customer.subarray(start, start + b), vocab.customers, customer);
    const scores = tf.tidy(() => {
      const inputs = [
        tf.tensor2d(xb, [b, d]),
        tf.tensor2d(item.subarray(0, b), [b, 1], 'int32'),
        tf.tensor2d(customer.subarray(0, b), [b, 1], 'int32'),
      ];
      return model.predict(inputs, { batchSize: b }) as tf.Tensor;
    });
    out.set(scores.dataSync() as Float32Array, start);
    scores.dispose();
  }
  return out;
}
