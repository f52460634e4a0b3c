/**
 * Feature worker thread (`pool.ts`): does each cut-off task it is given over
 * its copy of the event index (`workerData`) and moves the arrays' buffers back.
 */
import { workerData } from 'node:worker_threads';
import { errorText, moveResult } from '../lib/worker-pool';
import { runFeatureTask, type FeatureTask, type FeatureWorkerData } from './pool';
import type { FeatureSet, LabelledCandidates } from './types';

type Column = Int32Array | Float32Array | Uint8Array;

/** `a` itself when it spans its whole buffer (so the buffer can move), else a copy that does. */
function whole<T extends Column>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

/** The result with every typed array spanning its own buffer, and those buffers. */
function movable(result: FeatureSet | LabelledCandidates): { value: FeatureSet | LabelledCandidates; buffers: ArrayBuffer[] } {
  const value = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, ArrayBuffer.isView(v) ? whole(v as Column) : v])) as FeatureSet | LabelledCandidates;
  const buffers = Object.values(value).filter((v): v is Column => ArrayBuffer.isView(v)).map((a) => a.buffer as ArrayBuffer);
  return { value, buffers };
}

/**
 * The result of `task` (see `FeatureTask`).
 * @throws Error `Name: message` of what the task's function threw, so the class name crosses the thread boundary.
 */
export default function runTask(task: FeatureTask): FeatureSet | LabelledCandidates {
  let result: FeatureSet | LabelledCandidates;
  try {
    result = runFeatureTask(workerData as FeatureWorkerData, task);
  } catch (error) {
    throw new Error(errorText(error));
  }
  const { value, buffers } = movable(result);
  return moveResult(value, buffers);
}
