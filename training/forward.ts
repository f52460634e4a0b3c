/**
 * The batched forward pass shared by `predictRaw` (this thread) and the
 * forward worker threads (`forward-pool.ts`): per batch, the input rows are
 * written in JavaScript (`forward-input.ts`) and the dense layers run on the
 * backend as fused matrix products (product, bias and activation in one kernel).
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import type { ForwardInput } from './forward-input';
import type { ForwardNetwork } from './forward-network';

/** The columns of a feature set the forward pass reads. */
export type ForwardRows = Pick<FeatureSet, 'n' | 'values' | 'item' | 'customer'>;

/**
 * Network outputs for every row, in row order, `batchRows` rows at a time.
 * Memory: batchRows × `input.width` float32 of input plus the backend's activations.
 * @param net the network (its dense weights must live on the current backend).
 * @param input the input writer of `net`.
 * @param rows feature rows whose columns are the input's preprocessing's.
 * @param batchRows rows per batch (≥ 1).
 * @param out float32 of length ≥ rows.n, written in place.
 */
export function forwardRows(net: ForwardNetwork, input: ForwardInput, rows: ForwardRows, batchRows: number, out: Float32Array): void {
  const x = new Float32Array(Math.min(batchRows, rows.n) * net.width);
  for (let start = 0; start < rows.n; start += batchRows) {
    const b = Math.min(batchRows, rows.n - start);
    input.write(rows, start, b, x);
    const scores = tf.tidy(() => {
      let h: tf.Tensor = tf.tensor2d(x.subarray(0, b * net.width), [b, net.width]);
      for (const step of net.dense) h = tf.fused.matMul({ a: h, b: step.kernel, bias: step.bias, activation: step.activation });
      return h;
    });
    out.set(scores.dataSync() as Float32Array, start);
    scores.dispose();
  }
}
