/**
 * Kernels the TF.js wasm backend (4.22) lacks or runs slowly in training,
 * registered for `wasm` by `backend.ts`:
 * - `UnsortedSegmentSum` is the gradient of `Gather`, i.e. of every `Embedding`
 *   layer; without it `fit` fails with "Kernel 'UnsortedSegmentSum' not
 *   registered for backend 'wasm'".
 * - `BatchMatMul` with `transposeA` or `transposeB` (every dense layer's
 *   gradients) leaves XNNPACK for a scalar loop: measured ≈10× slower than the
 *   plain product on [4096, 71] × [71, 64]. The replacement transposes the
 *   flagged operand with the backend's `Transpose` kernel, then runs the plain
 *   product; the transpose costs one pass over the operand.
 * - `SplitV` (the gradient of `Concat`, i.e. of the layer joining the features
 *   and the item embedding) copies each row of each part through a new
 *   `subarray` view: about a fifth of a training step's kernel time. The
 *   replacement copies with index loops.
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

/**
 * `BatchMatMul(a, b; transposeA, transposeB)` computed as the untransposed
 * product of explicitly transposed operands (last two axes swapped).
 * @param plain the backend's own `BatchMatMul` kernel, called with both flags false.
 */
function transposeFirstBatchMatMul(plain: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return plain({ inputs, backend, attrs });
    const wasm = backend as BackendWasm;
    const swapped: tf.TensorInfo[] = [];
    const operand = (x: tf.TensorInfo, flagged: boolean): tf.TensorInfo => {
      if (!flagged) return x;
      const perm = x.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      const t = transpose({ inputs: { x }, backend, attrs: { perm } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
      swapped.push(t);
      return t;
    };
    const a = operand(inputs.a as tf.TensorInfo, transposeA);
    const b = operand(inputs.b as tf.TensorInfo, transposeB);
    const out = plain({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    for (const t of swapped) wasm.disposeData(t.dataId);
    return out;
  };
}

/**
 * `SplitV(x; numOrSizeSplits, axis)` as in TensorFlow (`tf.split`): the parts of
 * x along `axis`, of the given sizes (one may be −1: the rest) or of equal size
 * when a count is given. Numeric dtypes; each part copied in one pass. View x
 * as [outer, axis length, inner]: part p of size s at offset o is
 * [outer, s, inner], row r its x[r, o … o + s, …].
 * @param fallback the backend's own kernel, used for string tensors.
 */
function copyingSplitV(fallback: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return fallback({ inputs, backend, attrs });
    const wasm = backend as BackendWasm;
    const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    const xv = wasm.readSync(x.dataId) as Float32Array | Int32Array | Uint8Array;
    const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const stride = x.shape[ax] * inner;
    const Values = xv.constructor as Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
    let offset = 0;
    return sizes.map((size) => {
      const len = size * inner;
      const out = new Values(outer * len);
      for (let r = 0, src = offset * inner, dst = 0; r < outer; r++, src += stride, dst += len) {
        for (let j = 0; j < len; j++) out[dst + j] = xv[src + j];
      }
      offset += size;
      const shape = x.shape.slice();
      shape[ax] = size;
      return wasm.makeOutput(shape, x.dtype, undefined, out);
    });
  };
}

/** Marks the kernels registered by {@link registerWasmKernels}. */
let registered = false;

/** Registers the missing and faster kernels for the `wasm` backend (idempotent). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(tf.UnsortedSegmentSum, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  }
  const plain = tf.getKernel(tf.BatchMatMul, 'wasm');
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (plain !== undefined && transpose !== undefined) {
    tf.unregisterKernel(tf.BatchMatMul, 'wasm');
    tf.registerKernel({ ...plain, kernelFunc: transposeFirstBatchMatMul(plain.kernelFunc, transpose.kernelFunc) });
  }
  const split = tf.getKernel(tf.SplitV, 'wasm');
  if (split !== undefined) {
    tf.unregisterKernel(tf.SplitV, 'wasm');
    tf.registerKernel({ ...split, kernelFunc: copyingSplitV(split.kernelFunc) });
  }
}
