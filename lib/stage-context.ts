/**
 * What a stage's runner works with: the lake's catalog, the data-set
 * configuration, a logger, progress bars, the run recorder its steps are timed
 * and counted in, and the signal that asks it to stop. The CLI builds one from
 * flags and the environment (`cli/context.ts`); tests and benches build their
 * own (a memory or folder store, `NO_PROGRESS`, a plain `RunRecorder`).
 */
import type { Catalog } from './catalog';
import type { DatasetConfig } from './config-types';
import type { Logger } from './log';
import type { Progress } from './progress';
import type { RunRecorder } from './runs';

/**
 * The fence of a run under the pipeline lock: awaited just before each write that commits the
 * data set's shared state (the ingest ledger, `exports/<data set>/latest.json` and the copies
 * under `latest/`, `models/<data set>/champion.json`), it resolves when the run still holds the
 * lock and rejects otherwise, and the caller then writes nothing (`HeldLock.verify` of `lib/lock.ts`).
 * @param what the object about to be written (a URI), named in the error.
 * @throws LockLostError (`lock <uri> of run … was lost: …; <what> not written`) when the lock is
 *   another run's or gone, or the run's own lease ended; store errors of reading the lock unchanged.
 */
export type LockFence = (what: string) => Promise<void>;

/** The fence of a run that takes no lock (`score`, `export`, tests of one stage): lets every write through. */
export const NO_LOCK_FENCE: LockFence = async () => undefined;

export interface StageContext {
  log: Logger;
  progress: Progress;
  /** The lake's data sets of the configuration's data set. */
  catalog: Catalog;
  config: DatasetConfig;
  /** Records the run's steps, inputs, outputs, counts and metrics (`runs/<run-id>.json`). */
  run: RunRecorder;
  /** Aborted when the runner must stop after its current step (SIGTERM/SIGINT, lock lost). */
  signal: AbortSignal;
  /** Checks that the run still holds the pipeline lock before a write of shared state ({@link LockFence}); {@link NO_LOCK_FENCE} without a lock. */
  fence: LockFence;
}
