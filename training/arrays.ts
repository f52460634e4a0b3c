/**
 * Zeroed typed arrays, over a `SharedArrayBuffer` when asked, so that worker
 * threads (`data-parallel.ts`) read them without a copy.
 */

/** Float32Array of n zeros; shared between threads when `shared`. */
export function float32s(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}

/** Int32Array of n zeros; shared between threads when `shared`. */
export function int32s(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}
