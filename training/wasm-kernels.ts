/**
 * Kernels the TF.js wasm backend (4.22) lacks but training needs, registered for
 * `wasm` by `backend.ts`. `UnsortedSegmentSum` is the gradient of `Gather`, i.e.
 * of every `Embedding` layer; without it `fit` fails with "Kernel
 * 'UnsortedSegmentSum' not registered for backend 'wasm'".
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * `UnsortedSegmentSum(x, segmentIds; numSegments)` as in TensorFlow
 * (`tf.math.unsorted_segment_sum`): `out[s, …] = Σ_{i : ids[i] = s} x[i, …]`, where
 * `segmentIds` has shape x.shape[0 … k); ids outside [0, numSegments) are dropped.
 * Output shape [numSegments, ...x.shape[k …]], dtype of x. Computed in JavaScript on
 * the wasm heap's data (a scatter-add, O(x.size)).
 */
const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const x = inputs.x as tf.TensorInfo;
  const ids = inputs.segmentIds as tf.TensorInfo;
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  const xv = wasm.readSync(x.dataId) as Float32Array | Int32Array;
  const iv = wasm.readSync(ids.dataId) as Int32Array | Float32Array;
  const inner = iv.length === 0 ? 0 : xv.length / iv.length;
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < iv.length; i++) {
    const s = iv[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += xv[src + j];
  }
  return wasm.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype, undefined, out);
};

/** Registers the missing kernels for the `wasm` backend (idempotent). */
export function registerWasmKernels(): void {
  if (tf.getKernel(tf.UnsortedSegmentSum, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  }
}
