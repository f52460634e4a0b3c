/**
 * Feature sets of several cut-offs built side by side: this thread and
 * `threads − 1` pool threads (`feature-worker.ts` on `lib/worker-pool.ts`), each
 * pool thread holding a copy of the event index, take the next cut-off as they
 * finish the last. Each set is what {@link buildFeatureSet} gives on this
 * thread (same code, same inputs).
 */
import { join } from 'node:path';
import { startPool } from '../lib/worker-pool';
import { buildFeatureSet, type FeatureSetOptions } from './build';
import type { EventIndex } from './event-index';
import type { FeatureSet } from './types';

/** What every feature worker thread holds (its `workerData`). */
export interface FeatureWorkerData {
  index: EventIndex;
  options: Omit<FeatureSetOptions, 'prepared' | 'customers'>;
}

/** A feature worker failed on a cut-off or died. */
export class FeatureWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FeatureWorkerError';
  }
}

/**
 * The feature sets of `cutoffs`, in their order.
 * @param threads threads in all, this one included (1 builds every set here).
 * @param onBuilt called as each set is done (any order), e.g. for progress.
 * @param stopCheck where building may stop: awaited before each cut-off is started, on
 *   this thread and for each worker thread, with the cut-off (`before cut-off 2011-07-12T…`);
 *   a hook that throws stops building: no further cut-off is started, and the error
 *   propagates once this thread is done with its cut-off in hand (the worker threads' are
 *   dropped). The training runner passes one that throws when the run is asked to stop
 *   (`checkStop` of lib/interrupt.ts).
 * @throws what {@link buildFeatureSet} throws; FeatureWorkerError naming the
 *   cut-off when a worker thread fails on it; what `stopCheck` throws.
 */
export async function buildFeatureSets(
  index: EventIndex,
  cutoffs: readonly number[],
  options: FeatureWorkerData['options'],
  threads: number,
  onBuilt?: (fs: FeatureSet) => void,
  stopCheck?: (where: string) => Promise<void> | void,
): Promise<FeatureSet[]> {
  const out: FeatureSet[] = new Array(cutoffs.length);
  let next = 0;
  const take = (): number | undefined => (next < cutoffs.length ? next++ : undefined);
  const remoteThreads = Math.min(threads, cutoffs.length) - 1;
  const pool = remoteThreads < 1 ? undefined : startPool<number, FeatureSet>(join(__dirname, 'feature-worker'), { threads: remoteThreads, workerData: { index, options } satisfies FeatureWorkerData });
  const feed = async (): Promise<void> => {
    for (let i = take(); i !== undefined; i = take()) {
      const cutoff = new Date(cutoffs[i]).toISOString();
      await stopCheck?.(`before cut-off ${cutoff}`);
      out[i] = await pool!.run(cutoffs[i]).catch((error: Error) => {
        throw new FeatureWorkerError(`feature worker failed on cut-off ${cutoff}: ${error.message}`, { cause: error });
      });
      onBuilt?.(out[i]);
    }
  };
  try {
    const remote = Promise.all(Array.from({ length: Math.max(0, remoteThreads) }, feed));
    remote.catch(() => undefined); // awaited below
    for (let i = take(); i !== undefined; i = take()) {
      await stopCheck?.(`before cut-off ${new Date(cutoffs[i]).toISOString()}`);
      out[i] = buildFeatureSet(index, cutoffs[i], options);
      onBuilt?.(out[i]);
      if (pool !== undefined) await new Promise((resolve) => setImmediate(resolve)); // let workers hand in their sets and take the next
    }
    await remote;
    return out;
  } finally {
    await pool?.destroy();
  }
}
