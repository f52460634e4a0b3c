/**
 * Feature worker thread (`pool.ts`): builds the feature set of each cut-off it
 * is given over its copy of the event index (`workerData`) and moves the
 * arrays' buffers back.
 */
import { workerData } from 'node:worker_threads';
import { errorText, moveResult } from '../lib/worker-pool';
import { buildFeatureSet } from './build';
import type { FeatureWorkerData } from './pool';
import type { FeatureSet } from './types';

/** `a` itself when it spans its whole buffer (so the buffer can move), else a copy that does. */
function whole<T extends Int32Array | Float32Array | Uint8Array>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

/**
 * The feature set at `cutoff` (ms UTC).
 * @throws Error `Name: message` of what {@link buildFeatureSet} threw, so the class name crosses the thread boundary.
 */
export default function buildAt(cutoff: number): FeatureSet {
  const data = workerData as FeatureWorkerData;
  let built: FeatureSet;
  try {
    built = buildFeatureSet(data.index, cutoff, data.options);
  } catch (error) {
    throw new Error(errorText(error));
  }
  const fs = { ...built, customer: whole(built.customer), item: whole(built.item), values: whole(built.values), ...(built.label && { label: whole(built.label) }) };
  return moveResult(fs, [fs.customer, fs.item, fs.values, ...(fs.label ? [fs.label] : [])].map((a) => a.buffer as ArrayBuffer));
}
