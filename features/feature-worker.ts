/**
 * Entry point of a feature worker thread (`pool.ts`): builds the feature set of
 * each cut-off it is sent over its copy of the event index and posts it back,
 * moving the arrays' buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildFeatureSet } from './build';
import type { FeatureWorkerData, FromFeatureWorker } from './pool';

const data = workerData as FeatureWorkerData;

/** `a` itself when it spans its whole buffer (so the buffer can move), else a copy that does. */
function whole<T extends Int32Array | Float32Array | Uint8Array>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

parentPort!.on('message', (cutoff: number) => {
  try {
    const built = buildFeatureSet(data.index, cutoff, data.options);
    const fs = { ...built, customer: whole(built.customer), item: whole(built.item), values: whole(built.values), ...(built.label && { label: whole(built.label) }) };
    const buffers = [fs.customer, fs.item, fs.values, ...(fs.label ? [fs.label] : [])].map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ type: 'built', cutoff, fs } satisfies FromFeatureWorker, buffers);
  } catch (error) {
    parentPort!.postMessage({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } satisfies FromFeatureWorker);
  }
});
parentPort!.postMessage({ type: 'ready' } satisfies FromFeatureWorker);
