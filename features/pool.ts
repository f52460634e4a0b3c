/**
 * Feature work on several cut-offs side by side: this thread and `threads − 1`
 * pool threads (`feature-worker.ts` on `lib/worker-pool.ts`), each pool thread
 * holding a copy of the event index, take the next task as they finish the
 * last. A task is one cut-off's labelled candidates, or the features of some
 * of its candidate rows ({@link FeatureTask}); each result is
 * what the same function gives on this thread (same code, same inputs).
 */
import { join } from 'node:path';
import { startPool, type WorkerPool } from '../lib/worker-pool';
import type { FeatureSetOptions } from './build';
import type { EventIndex } from './event-index';
import { buildFeatureRows } from './feature-rows';
import { labelledCandidates } from './labelled-candidates';
import type { FeatureSet, LabelledCandidates } from './types';

/** What every feature worker thread holds (its `workerData`). */
export interface FeatureWorkerData {
  index: EventIndex;
  options: Omit<FeatureSetOptions, 'prepared' | 'customers'>;
}

/**
 * One cut-off's work: `candidates`, its labelled candidates
 * (`labelledCandidates`, labels over the options' `horizonDays`); `rows`, the
 * features of candidate rows `rows` of `groups` (`buildFeatureRows`).
 */
export type FeatureTask =
  | { kind: 'candidates'; cutoff: number }
  | { kind: 'rows'; cutoff: number; groups: Pick<LabelledCandidates, 'cutoff' | 'customers' | 'offsets'>; rows: Int32Array };

/** The result of a task of kind K. */
export type FeatureResult<K extends FeatureTask['kind']> = K extends 'candidates' ? LabelledCandidates : FeatureSet;

/** A feature worker failed on a cut-off or died. */
export class FeatureWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FeatureWorkerError';
  }
}

/**
 * A task done on this thread, the code the worker threads run.
 * @throws what the task's function throws.
 */
export function runFeatureTask(data: FeatureWorkerData, task: FeatureTask): FeatureSet | LabelledCandidates {
  if (task.kind === 'candidates') return labelledCandidates(data.index, task.cutoff, data.options);
  return buildFeatureRows(data.index, task.groups, task.rows, data.options);
}

/**
 * This thread and `threads − 1` worker threads over one event index and
 * options, for several rounds of tasks ({@link FeaturePool.map}); `close` when done.
 */
export class FeaturePool {
  private constructor(
    private readonly data: FeatureWorkerData,
    private readonly pool: WorkerPool<FeatureTask, FeatureSet | LabelledCandidates> | undefined,
    /** Worker threads (0: every task on this thread). */
    readonly remoteThreads: number,
  ) {}

  /**
   * Starts the worker threads (each gets a copy of the index).
   * @param threads threads in all, this one included (1 starts none).
   * @param tasks the most tasks a round will have: no more threads start than it leaves work for.
   */
  static open(index: EventIndex, options: FeatureWorkerData['options'], threads: number, tasks: number): FeaturePool {
    const data: FeatureWorkerData = { index, options };
    const remoteThreads = Math.max(0, Math.min(threads, tasks) - 1);
    return new FeaturePool(data, remoteThreads < 1 ? undefined : startPool(join(__dirname, 'feature-worker'), { threads: remoteThreads, workerData: data }), remoteThreads);
  }

  /**
   * The results of `tasks`, in their order.
   * @param onDone called as each task is done (any order), e.g. for progress.
   * @param stopCheck where the work may stop: awaited before each task is started, on
   *   this thread and for each worker thread, with the cut-off (`before cut-off 2011-07-12T…`);
   *   a hook that throws stops the round: no further task is started, and the error
   *   propagates once this thread is done with the task in hand (the worker threads' are
   *   dropped). The training runner passes one that throws when the run is asked to stop
   *   (`checkStop` of lib/interrupt.ts).
   * @throws what the tasks' functions throw; FeatureWorkerError naming the
   *   cut-off when a worker thread fails on it; what `stopCheck` throws.
   */
  async map<K extends FeatureTask['kind']>(tasks: readonly (FeatureTask & { kind: K })[], onDone?: (result: FeatureResult<K>, i: number) => void, stopCheck?: (where: string) => Promise<void> | void): Promise<FeatureResult<K>[]> {
    const out: FeatureResult<K>[] = new Array(tasks.length);
    let next = 0;
    const take = (): number | undefined => (next < tasks.length ? next++ : undefined);
    const feed = async (): Promise<void> => {
      for (let i = take(); i !== undefined; i = take()) {
        const cutoff = new Date(tasks[i].cutoff).toISOString();
        await stopCheck?.(`before cut-off ${cutoff}`);
        out[i] = (await this.pool!.run(tasks[i]).catch((error: Error) => {
          throw new FeatureWorkerError(`feature worker failed on cut-off ${cutoff}: ${error.message}`, { cause: error });
        })) as FeatureResult<K>;
        onDone?.(out[i], i);
      }
    };
    const remote = Promise.all(Array.from({ length: this.remoteThreads }, feed));
    remote.catch(() => undefined); // awaited below
    for (let i = take(); i !== undefined; i = take()) {
      await stopCheck?.(`before cut-off ${new Date(tasks[i].cutoff).toISOString()}`);
      out[i] = runFeatureTask(this.data, tasks[i]) as FeatureResult<K>;
      onDone?.(out[i], i);
      if (this.pool !== undefined) await new Promise((resolve) => setImmediate(resolve)); // let workers hand in their results and take the next
    }
    await remote;
    return out;
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
