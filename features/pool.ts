/**
 * Feature sets of several cut-offs built side by side: this thread and
 * `threads − 1` worker threads (`feature-worker.ts`), each worker holding a copy
 * of the event index, take the next cut-off as they finish the last. Each set
 * is what {@link buildFeatureSet} gives on this thread (same code, same inputs).
 */
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker';
import { buildFeatureSet, type FeatureSetOptions } from './build';
import type { EventIndex } from './event-index';
import type { FeatureSet } from './types';

/** What a feature worker starts with. */
export interface FeatureWorkerData {
  index: EventIndex;
  options: Omit<FeatureSetOptions, 'prepared' | 'customers'>;
}

/** Worker → pool: a built set (its arrays' buffers moved), or why it failed. */
export type FromFeatureWorker = { type: 'ready' } | { type: 'built'; cutoff: number; fs: FeatureSet } | { type: 'error'; message: string };

/** A feature worker failed to start, failed on a cut-off or died. */
export class FeatureWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureWorkerError';
  }
}

/** Resolves with the worker's next message, rejects when it fails or dies. */
function nextMessage(worker: Worker): Promise<FromFeatureWorker> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: FromFeatureWorker): void => {
      done();
      if (m.type === 'error') reject(new FeatureWorkerError(`feature worker failed: ${m.message}`));
      else resolve(m);
    };
    const onError = (e: Error): void => {
      done();
      reject(new FeatureWorkerError(`feature worker died: ${e.message}`));
    };
    const onExit = (code: number): void => {
      done();
      reject(new FeatureWorkerError(`feature worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/**
 * The feature sets of `cutoffs`, in their order.
 * @param threads threads in all, this one included (1 builds every set here).
 * @param onBuilt called as each set is done (any order), e.g. for progress.
 * @throws what {@link buildFeatureSet} throws; FeatureWorkerError when a worker fails.
 */
export async function buildFeatureSets(
  index: EventIndex,
  cutoffs: readonly number[],
  options: FeatureWorkerData['options'],
  threads: number,
  onBuilt?: (fs: FeatureSet) => void,
): Promise<FeatureSet[]> {
  const out: FeatureSet[] = new Array(cutoffs.length);
  let next = 0;
  const take = (): number | undefined => (next < cutoffs.length ? next++ : undefined);
  const workers = Array.from({ length: Math.min(threads, cutoffs.length) - 1 }, () =>
    startWorker(join(__dirname, 'feature-worker'), { workerData: { index, options } satisfies FeatureWorkerData }),
  );
  const feed = async (worker: Worker): Promise<void> => {
    if ((await nextMessage(worker)).type !== 'ready') throw new FeatureWorkerError('feature worker did not start');
    for (let i = take(); i !== undefined; i = take()) {
      const answer = nextMessage(worker);
      worker.postMessage(cutoffs[i]);
      const m = await answer;
      if (m.type !== 'built' || m.cutoff !== cutoffs[i]) throw new FeatureWorkerError(`feature worker answered ${m.type} for cut-off ${cutoffs[i]}`);
      out[i] = m.fs;
      onBuilt?.(m.fs);
    }
  };
  try {
    const remote = Promise.all(workers.map(feed));
    remote.catch(() => undefined); // awaited below
    for (let i = take(); i !== undefined; i = take()) {
      out[i] = buildFeatureSet(index, cutoffs[i], options);
      onBuilt?.(out[i]);
      await new Promise((resolve) => setImmediate(resolve)); // let workers hand in their sets and take the next
    }
    await remote;
    return out;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
