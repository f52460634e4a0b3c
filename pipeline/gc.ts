/**
 * Clean-up of what killed runs leave behind, run at the start of every pipeline
 * run (`run`, `schedule` ticks) once it holds the lock, and by `berserkr gc`:
 * `running` run records of runs that never finished (`lib/abandoned-runs.ts`),
 * temp files of unfinished writes in a folder lake (`lib/store/file.ts`) and
 * uncommitted scoring runs (`scoring/leftovers.ts`; sharded ones only by the
 * operator's age), and copies of the latest export left mixed by a failed commit, each of the command's data
 * set only (`Catalog.prefixes`). Each action is logged and counted in the run record. `berserkr gc`
 * also reports the parts the ingest ledger lists that are gone from the lake, which it leaves to
 * `berserkr ingest` to repair.
 */
import { finishAbandonedRuns } from '../lib/abandoned-runs';
import { MISSING_PARTS_REMEDY } from '../lib/catalog/errors';
import { FileStore } from '../lib/store/file';
import { removeUncommittedRuns } from '../scoring/leftovers';
import type { StageContext } from '../lib/stage-context';

/** Options of {@link gcStep}. */
export interface GcOptions {
  /** Temp files and uncommitted outputs untouched for longer than this (ms) are removed: the lock lease. */
  olderThanMs: number;
  /** Commands that run only under the pipeline lock. */
  lockedCommands: ReadonlySet<string>;
  /** Whether the caller holds the pipeline lock. */
  lockHeld: boolean;
  /**
   * `running` records of other hosts older than this (ms) are finished as `unknown`, and
   * uncommitted sharded runs (with a finished shard) untouched for this long are removed; default: left alone.
   */
  runsOlderThanMs?: number;
  /**
   * Also look for the parts the ingest ledger lists that the lake does not hold ({@link GcResult.partsMissing}):
   * `berserkr gc` does; the start of a pipeline run leaves them to its ingest, which reads their raw objects again.
   */
  checkParts?: boolean;
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/** Parts named in {@link MissingParts.first}, at most. */
export const MISSING_PARTS_SHOWN = 5;

/** The parts the ingest ledger lists that the lake does not hold (deleted, lost, expired by a bucket rule): readers fail on them. */
export interface MissingParts {
  /** Parts missing, clean and rejects. */
  count: number;
  /** Raw objects they hold rows of. */
  objects: number;
  /** The first {@link MISSING_PARTS_SHOWN} (raw objects in key order, each's clean parts before its rejects): the part's URI and its raw object's key. */
  first: { part: string; object: string }[];
  /** What to do (`berserkr ingest` reads their raw objects again), or null when none is missing. */
  remedy: string | null;
}

/** What {@link gcStep} did. */
export interface GcResult {
  /** Runs finished as `killed` or `unknown`. */
  abandonedRuns: string[];
  /** Temp files removed, relative to the lake root. */
  tempFiles: string[];
  /** Uncommitted scoring runs whose objects were removed. */
  uncommittedRuns: string[];
  /** Run records that could not be read (not JSON, or not a run record), skipped: their URIs. */
  unreadableRecords: string[];
  /** The run whose export `exports/<data set>/latest/` was re-synced to, when its copies did not match the pointer. */
  latestResynced?: string;
  /** With `checkParts`: the parts the ledger lists that the lake does not hold, left alone. */
  partsMissing?: MissingParts;
}

/**
 * Finishes abandoned run records (skipping, with a warning, those it cannot read),
 * then removes old temp files and uncommitted scoring runs, except those of runs
 * that may still be running, re-syncs the copies of the latest export, and with
 * `checkParts` finds the parts the ledger lists that the lake does not hold
 * ({@link findMissingParts}; nothing is deleted or rewritten because of them).
 * @throws as `finishAbandonedRuns`, `FileStore.removeTempFiles` and `removeUncommittedRuns`;
 *   with `checkParts`, DatasetFormatError for an unreadable ledger (after the clean-up).
 */
export async function gcStep(ctx: StageContext, options: GcOptions): Promise<GcResult> {
  const log = ctx.log.child({ stage: 'gc' });
  const now = (options.now ?? Date.now)();
  const { catalog } = ctx;
  const { finished, live, unreadable } = await finishAbandonedRuns(catalog.runs, { self: ctx.run.runId, lockedCommands: options.lockedCommands, lockHeld: options.lockHeld, olderThanMs: options.runsOlderThanMs, now: () => now });
  for (const e of unreadable) log.warn({ record: e.uri }, `skipped an unreadable run record: ${e.message}`);
  for (const r of finished) log.warn({ runId: r.runId, status: r.status }, `run ${r.runId} (${r.command}) never finished: ${r.reason}; recorded as ${r.status}`);
  const tempFiles = catalog.store instanceof FileStore ? await catalog.store.removeTempFiles(now - options.olderThanMs, catalog.prefixes) : [];
  for (const key of tempFiles) log.info({ file: key }, `removed the temp file of an unfinished write ${catalog.uri(key)}`);
  // A live run may write under its own id or, for a shard, under the shared --run-id it was given.
  const keep = new Set([ctx.run.runId, ...live.flatMap((r) => [r.runId, ...(typeof r.params.runId === 'string' ? [r.params.runId] : [])])]);
  const removed = await removeUncommittedRuns(
    catalog,
    now - options.olderThanMs,
    (runId) => keep.has(runId),
    options.runsOlderThanMs === undefined ? undefined : now - options.runsOlderThanMs,
  );
  for (const r of removed) log.info({ runId: r.runId, objects: r.keys.length }, `removed ${r.keys.length} objects of scoring run ${r.runId}, never committed (no ${catalog.exports.metadataUri(r.runId)})`);
  for (const [name, n] of [['gc.abandoned_runs', finished.length], ['gc.temp_files', tempFiles.length], ['gc.uncommitted_runs', removed.length]] as const) if (n > 0) ctx.run.count(name, n);
  const latestResynced = await resyncLatest(ctx);
  const partsMissing = options.checkParts ? await findMissingParts(ctx) : undefined;
  return { abandonedRuns: finished.map((r) => r.runId), tempFiles, uncommittedRuns: removed.map((r) => r.runId), unreadableRecords: unreadable.map((e) => e.uri), latestResynced, partsMissing };
}

/**
 * The parts the data set's ledger lists that the lake does not hold (`Catalog.missingParts`: one
 * keys-only listing of `clean/<data set>/` and one of `rejects/<data set>/`), logged as a warning with
 * the first few and what to do, and counted as `gc.parts_missing`. A part present but damaged is not
 * noticed (that takes reading it).
 * @throws DatasetFormatError for an unreadable ledger; store errors unchanged.
 */
async function findMissingParts(ctx: StageContext): Promise<MissingParts> {
  const { catalog } = ctx;
  const missing = await catalog.missingParts((await catalog.ledger.load()).objects);
  const parts = [...missing.keys()].sort().flatMap((object) => missing.get(object)!.map((key) => ({ part: catalog.uri(key), object })));
  const found: MissingParts = { count: parts.length, objects: missing.size, first: parts.slice(0, MISSING_PARTS_SHOWN), remedy: parts.length > 0 ? MISSING_PARTS_REMEDY : null };
  if (found.count === 0) return found;
  ctx.run.count('gc.parts_missing', found.count);
  const named = found.first.map((p) => `${p.part} of raw object ${p.object}`).join(', ') + (found.count > found.first.length ? ', …' : '');
  ctx.log.child({ stage: 'gc' }).warn(
    { partsMissing: found.count, objects: found.objects, first: found.first },
    `${found.count} part(s) of ${found.objects} raw object(s) that the ledger ${catalog.ledger.uri} lists are missing from the lake, so reading them fails (${named}): ${MISSING_PARTS_REMEDY}`,
  );
  return found;
}

/**
 * Re-copies the export the pointer `exports/<data set>/latest.json` names into
 * `exports/<data set>/latest/` when the copies' sidecar names another run (a
 * commit that failed after flipping the pointer left them mixed).
 * @returns the run re-synced to, or undefined when the copies matched (or nothing is published).
 */
async function resyncLatest(ctx: StageContext): Promise<string | undefined> {
  const { latest, exports } = ctx.catalog;
  const pointer = await latest.load();
  if (pointer === undefined || (await latest.copiedRunId()) === pointer.runId) return undefined;
  for (const copy of await latest.refreshCopies(await exports.loadMetadata(pointer.runId))) ctx.run.output(ctx.catalog.store.uri, copy.key, copy.etag);
  ctx.log.child({ stage: 'gc' }).warn({ runId: pointer.runId }, `the copies of the latest export did not match ${latest.uri}: re-copied the export of run ${pointer.runId}`);
  ctx.run.count('gc.latest_resynced', 1);
  return pointer.runId;
}
