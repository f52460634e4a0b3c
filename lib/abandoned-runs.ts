/**
 * Runs that started but never finished. Every command writes its run record
 * with status `running` when it starts and replaces it when it ends; a record
 * still `running` whose process is gone belongs to a run that was killed
 * (SIGKILL, out of memory, power loss). This module finds such records and
 * finishes them, so `runs/` tells what happened to every run:
 *
 * - `killed`: the record's host is this host and its pid no longer exists;
 * - `unknown`: it is a command that runs only under the pipeline lock, and the
 *   caller holds that lock now (a run writes its `running` record once it holds
 *   the lock, so this one lost it: it is not running, or stops at its next
 *   renewal); or it ran on another host and started longer ago than an age the
 *   operator gives.
 *
 * Any other `running` record is left alone: it may still run.
 */
import { hostname } from 'node:os';
import type { DatasetFormatError } from './catalog/errors';
import type { RunRecord, RunRecords } from './catalog/run-records';
import { processAlive } from './lock';
import { type LockFence, NO_LOCK_FENCE } from './stage-context';

/** How {@link findAbandonedRuns} decides. */
export interface AbandonedRunOptions {
  /** Run id of the caller: its own record is never touched. */
  self: string;
  /** Commands that run only under the pipeline lock (`run`, `schedule`, `gc`); counted as over when `lockHeld`. */
  lockedCommands: ReadonlySet<string>;
  /** Whether the caller holds the pipeline lock now. */
  lockHeld: boolean;
  /** `running` records of other hosts that started more than this long ago (ms) are over; default: none are. */
  olderThanMs?: number;
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Whether process `pid` of this host is alive; default `processAlive` of `lock.ts`. */
  alive?: (pid: number) => boolean;
  /**
   * Awaited by {@link finishAbandonedRuns} before each record it rewrites, with the record's URI (`StageContext.fence`:
   * a caller under the pipeline lock checks it still holds it, since holding it is what makes a locked command's
   * `running` record over); default: none.
   */
  fence?: LockFence;
}

/** A run found abandoned, as finished now. */
export interface AbandonedRun {
  runId: string;
  command: string;
  status: 'killed' | 'unknown';
  /** Why, e.g. `pid 4242 on host-a is gone`. */
  reason: string;
}

/** Why `record` (status `running`) is over, or undefined when it may still run. */
function abandonment(record: RunRecord, options: AbandonedRunOptions, now: number): Pick<AbandonedRun, 'status' | 'reason'> | undefined {
  const owner = record.process;
  const where = owner === undefined ? 'an unknown process' : `pid ${owner.pid} on ${owner.host}`;
  const here = owner?.host === hostname();
  if (owner !== undefined && here && !(options.alive ?? processAlive)(owner.pid)) return { status: 'killed', reason: `${where} is gone` };
  if (options.lockHeld && options.lockedCommands.has(record.command)) return { status: 'unknown', reason: `${where} no longer holds the pipeline lock that \`${record.command}\` runs under` };
  if (here) return undefined;
  const ageMs = now - Date.parse(record.startedAt);
  if (options.olderThanMs !== undefined && ageMs > options.olderThanMs) return { status: 'unknown', reason: `${where} started ${Math.round(ageMs / 1000)} s ago, longer than the ${Math.round(options.olderThanMs / 1000)} s allowed` };
  return undefined;
}

/** A `running` record found over, and why: what {@link finishRuns} finishes. */
export interface Abandonment extends Pick<AbandonedRun, 'status' | 'reason'> {
  record: RunRecord;
}

/** A run record as {@link findAbandonedRuns} read it: the record, or why it cannot be read as one. */
export type LoadedRecord = { record: RunRecord } | { invalid: DatasetFormatError };

/**
 * Finds the `running` records of the lake that are over (module notes), writing nothing.
 * Reads every run record of `runs` (one GET each); one it cannot read as a run
 * record is skipped, and returned.
 * @param onRecord called with every record read but the caller's own (`options.self`), as read, for a
 *   caller that needs more of the records than their status (gc, the models they name), without reading them again.
 * @returns the records over, oldest first, with why; the `running` records left alone (they may still run);
 *   and the errors of the records skipped, each naming its object.
 * @throws store errors unchanged.
 */
export async function findAbandonedRuns(
  runs: RunRecords,
  options: AbandonedRunOptions,
  onRecord?: (runId: string, loaded: LoadedRecord) => void,
): Promise<{ abandoned: Abandonment[]; live: RunRecord[]; unreadable: DatasetFormatError[] }> {
  const now = (options.now ?? Date.now)();
  const abandoned: Abandonment[] = [];
  const live: RunRecord[] = [];
  const unreadable: DatasetFormatError[] = [];
  for (const runId of (await runs.list()).reverse()) {
    if (runId === options.self) continue;
    const loaded = await runs.loadIfValid(runId);
    onRecord?.(runId, loaded);
    if ('invalid' in loaded) {
      unreadable.push(loaded.invalid);
      continue;
    }
    const { record } = loaded;
    if (record.status !== 'running') continue;
    const over = abandonment(record, options, now);
    if (over === undefined) live.push(record);
    else abandoned.push({ record, ...over });
  }
  return { abandoned, live, unreadable };
}

/**
 * Rewrites each record of `abandoned` with its status `killed` or `unknown`, no finish
 * time, and an error `RunAbandonedError` saying why; the rest of each record is kept.
 * @param abandoned records found over by {@link findAbandonedRuns}.
 * @param fence awaited before each record is rewritten, with its URI ({@link AbandonedRunOptions.fence}).
 * @returns the runs finished, in the order given.
 * @throws store errors unchanged, and the error of `fence` (LockLostError), that record not written (the records
 *   rewritten until then stay so).
 */
export async function finishRuns(runs: RunRecords, abandoned: readonly Abandonment[], fence: LockFence = NO_LOCK_FENCE): Promise<AbandonedRun[]> {
  const finished: AbandonedRun[] = [];
  for (const { record, status, reason } of abandoned) {
    await fence(runs.uri(record.runId));
    const closed: RunRecord = { ...record, status, errors: [...record.errors, { step: null, name: 'RunAbandonedError', message: `the run never finished: ${reason}` }] };
    await runs.save(closed);
    finished.push({ runId: record.runId, command: record.command, status, reason });
  }
  return finished;
}

/**
 * Finds the `running` records of the lake that are over ({@link findAbandonedRuns}) and
 * finishes them ({@link finishRuns}).
 * @param onRecord as {@link findAbandonedRuns}'s: each record as read, before it is finished.
 * @returns the runs finished, oldest first, the `running` records left alone (they may still run),
 *   and the errors of the records skipped, each naming its object.
 * @throws store errors unchanged; the error of `options.fence` (LockLostError) before a record is rewritten.
 */
export async function finishAbandonedRuns(
  runs: RunRecords,
  options: AbandonedRunOptions,
  onRecord?: (runId: string, loaded: LoadedRecord) => void,
): Promise<{ finished: AbandonedRun[]; live: RunRecord[]; unreadable: DatasetFormatError[] }> {
  const { abandoned, live, unreadable } = await findAbandonedRuns(runs, options, onRecord);
  return { finished: await finishRuns(runs, abandoned, options.fence), live, unreadable };
}
