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
}
