/**
 * Batched forward pass of the network over a feature set, with bounded memory:
 * at most `batchRows` rows are preprocessed and on the backend at a time.
 *
 * The layers run directly rather than through `model.predict` (`forward.ts`):
 * the input rows (preprocessed features and embedding rows) are built in
 * JavaScript, where an embedding lookup is a copy, and the dense layers are
 * fused matrix products on the backend. On the wasm backend `model.predict`
 * spends most of its time in the embedding `Gather` and the `Concat`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { checkFeatureNames } from './errors';
import { forwardRows } from './forward';
import { ForwardInput } from './forward-input';
import { readForwardNetwork } from './forward-network';
import type { Preprocessing } from './preprocess';

/** Training vocabulary sizes; dense ids ≥ these map to the OOV index. */
export interface Vocabulary {
  customers: number;
  items: number;
}

/** Default rows per forward pass (large: small batches are dominated by per-call overhead). */
export const DEFAULT_BATCH_ROWS = 16_384;

/**
 * Checks that the columns of `fs` are the features `pre` transforms, in order.
 * @throws FeatureMismatchError quoting the first differing column.
 */
export function checkFeatureColumns(pre: Preprocessing, fs: FeatureSet): void {
  checkFeatureNames(
    pre.transforms.map((t) => t.name),
    fs.names,
    `feature set at cut-off ${new Date(fs.cutoff).toISOString()}`,
  );
}

/**
 * Uncalibrated model outputs (sigmoid, in (0, 1)) for every row of `fs`, in row
 * order: `model.predict` on the preprocessed features and vocabulary indices, up
 * to float rounding. Dense ids at or beyond the vocabulary map to the OOV index.
 * Reads the model's current weights at each call (training calls it between epochs).
 * Memory: batchRows × (features + embedding widths) float32 of input, plus the
 * embedding tables copied once per call.
 * @param model a network of `buildModel`'s form (see `readForwardNetwork`).
 * @param options.batchRows rows per forward pass, {@link DEFAULT_BATCH_ROWS} by default.
 * @param options.out float32 of length ≥ `fs.n` to write into (a new array by default).
 * @returns `out`, length `fs.n` (or the given array).
 * @throws FeatureMismatchError when `fs.names` differ from the preprocessing's feature names.
 * @throws UnsupportedModelError naming the layer when the model is not of `buildModel`'s form.
 * @throws RangeError when `batchRows` is not a positive integer or an embedding has no OOV row for `vocab`.
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
  checkFeatureColumns(pre, fs);
  const net = readForwardNetwork(model);
  const out = options.out ?? new Float32Array(fs.n);
  forwardRows(net, new ForwardInput(net, pre, vocab), fs, batchRows, out);
  return out;
}
