/**
 * Clean-up of what killed runs leave behind, run at the start of every pipeline
 * run (`run`, `schedule` ticks) once it holds the lock, and by `berserkr gc`:
 * `running` run records of runs that never finished (`lib/abandoned-runs.ts`),
 * temp files of unfinished writes in a folder lake (`lib/store/file.ts`) and
 * uncommitted scoring runs (`scoring/leftovers.ts`; sharded ones only by the
 * operator's age), models of runs that failed or were killed, or left without a manifest, that nothing
 * refers to (`training/leftovers.ts`), and copies of the latest export left mixed by a failed commit, each of the command's data
 * set only (`Catalog.prefixes`). Each action is logged and counted in the run record. `berserkr gc`
 * also reports the parts the ingest ledger lists that are gone from the lake, which it leaves to
 * `berserkr ingest` to repair; `berserkr gc --run <id>` removes the leftovers of that one uncommitted
 * scoring run instead ({@link gcRunStep}).
 */
import { type AbandonedRun, type AbandonedRunOptions, findAbandonedRuns, finishAbandonedRuns, finishRuns } from '../lib/abandoned-runs';
import { DatasetFormatError, MISSING_PARTS_REMEDY } from '../lib/catalog/errors';
import type { RunRecord } from '../lib/catalog/run-records';
import { assertRunId } from '../lib/catalog/run-id';
import { FileStore } from '../lib/store/file';
import { RunIdRefusedError } from '../scoring/errors';
import { type RemovedRun, removeRun, removeUncommittedRuns, uncommittedRun } from '../scoring/leftovers';
import type { StageContext } from '../lib/stage-context';
import { RecordedModels, type RemovedModel, removeUnusedModels } from '../training/leftovers';

/** Options of {@link gcStep}. */
export interface GcOptions {
  /** Temp files, uncommitted outputs and unused models untouched for longer than this (ms) are removed: the lock lease. */
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
  /** Models removed that nothing refers to, of runs that failed or were killed, or without a manifest (`training/leftovers.ts`). */
  unusedModels: string[];
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
 * that may still be running and the run `latest.json` names (even when its sidecar
 * was lost), and old models that nothing refers to of runs that failed
 * or were killed, or without a manifest ({@link removeUnusedModels}; a model whose manifest
 * cannot be read is kept, with a warning), re-syncs the copies of the latest export, and with
 * `checkParts` finds the parts the ledger lists that the lake does not hold
 * ({@link findMissingParts}; nothing is deleted or rewritten because of them).
 * Under the pipeline lock, each record finished, temp file, uncommitted run, model and copy is written or
 * removed only after `ctx.fence` found the lock still the caller's: holding the lock is what makes the
 * `running` records of the locked commands over, and what keeps the live runs' outputs out of reach.
 * @throws as `finishAbandonedRuns`, `FileStore.removeTempFiles`, `removeUncommittedRuns` and `removeUnusedModels`;
 *   with `checkParts`, DatasetFormatError for an unreadable ledger (after the clean-up); LockLostError
 *   when the run lost the pipeline lock (`ctx.fence`): the object refused and everything after it are left as they were.
 */
export async function gcStep(ctx: StageContext, options: GcOptions): Promise<GcResult> {
  const now = (options.now ?? Date.now)();
  const { catalog } = ctx;
  const recorded = new RecordedModels(catalog.models);
  const { finished, live, unreadable } = await finishAbandonedRuns(catalog.runs, abandonedRunOptions(ctx, options, now), recorded.add);
  recorded.finished(finished);
  report(ctx, { unreadable, finished });
  const tempFiles = catalog.store instanceof FileStore ? await catalog.store.removeTempFiles(now - options.olderThanMs, catalog.prefixes, fenceKey(ctx)) : [];
  report(ctx, { tempFiles });
  // The published run too: a lost sidecar must not turn into a lost export that readers follow the pointer to.
  const published = await publishedRunId(ctx);
  const keep = new Set([ctx.run.runId, ...live.flatMap(writesUnder), ...(published === undefined ? [] : [published])]);
  const removed = await removeUncommittedRuns(
    catalog,
    now - options.olderThanMs,
    (runId) => keep.has(runId),
    options.runsOlderThanMs === undefined ? undefined : now - options.runsOlderThanMs,
    // Each logged and counted as it goes: a store error part-way leaves none removed unsaid.
    (r) => report(ctx, { removed: [r] }),
    ctx.fence,
  );
  // After the uncommitted runs: a shard marker of one removed no longer keeps its model.
  const models = await removeUnusedModels(catalog, now - options.olderThanMs, recorded, {
    unreadableManifest: (e) => report(ctx, { unreadableManifests: [e] }),
    removed: (m) => report(ctx, { models: [m] }),
  }, ctx.fence);
  const latestResynced = await resyncLatest(ctx);
  const partsMissing = options.checkParts ? await findMissingParts(ctx) : undefined;
  return {
    abandonedRuns: finished.map((r) => r.runId),
    tempFiles,
    uncommittedRuns: removed.map((r) => r.runId),
    unusedModels: models.removed.map((m) => m.modelId),
    unreadableRecords: unreadable.map((e) => e.uri),
    latestResynced,
    partsMissing,
  };
}

/** What {@link gcRunStep} did. */
export interface GcRunResult {
  /** The scoring run removed. */
  run: string;
  /** Its objects removed, in key order. */
  objects: string[];
  /** Its runs (its own, its shards') finished as `killed` or `unknown`. */
  abandonedRuns: string[];
  /** Temp files removed from its folders, relative to the lake root. */
  tempFiles: string[];
  /** Run records that could not be read (not JSON, or not a run record), skipped: their URIs. */
  unreadableRecords: string[];
}

/**
 * Removes the leftovers of the one uncommitted scoring run `runId` (`berserkr gc --run`), and nothing
 * else: what {@link gcStep} removes of an abandoned run, its objects under `exports/<data set>/<run-id>/`
 * and `scores/<data set>/<run-id>/` and the temp files there untouched for longer than `olderThanMs`, and
 * finishes its `running` records (its own and those of the shards given it as `--run-id`) that are over by
 * the rules of `lib/abandoned-runs.ts`. A sharded run with a finished shard is removed too: naming it says
 * its other shards are not to be waited for. Every check is made before anything is written, and under the
 * pipeline lock `ctx.fence` is passed before each record, temp file and the run's objects ({@link gcStep}).
 * @param runId the run's id, `YYYYMMDDTHHMMSSZ-<6 hex>`.
 * @throws InvalidRunIdError quoting a malformed `runId`; RunIdRefusedError quoting it when the data set
 *   holds no object of it or it is committed or published (`uncommittedRun`), when a record of it is `running` and not over,
 *   or when an object of it was written within `olderThanMs` (it may still be running); LockLostError when the
 *   caller lost the pipeline lock (`ctx.fence`: what is refused and what follows are left as they were); store errors unchanged.
 */
export async function gcRunStep(ctx: StageContext, runId: string, options: Omit<GcOptions, 'checkParts'>): Promise<GcRunResult> {
  assertRunId(runId);
  const now = (options.now ?? Date.now)();
  const { catalog } = ctx;
  const objects = await uncommittedRun(catalog, runId, await publishedRunId(ctx));
  const { abandoned, live, unreadable } = await findAbandonedRuns(catalog.runs, abandonedRunOptions(ctx, options, now));
  const running = live.find((r) => writesUnder(r).includes(runId));
  if (running !== undefined) {
    const owner = running.process === undefined ? 'an unknown process' : `pid ${running.process.pid} on ${running.process.host}`;
    throw new RunIdRefusedError(
      `run ${runId} may still be running: the record ${catalog.runs.uri(running.runId)} of \`${running.command}\` (${owner}, started ${running.startedAt}) is "running" and gc cannot tell that it is over; `
        + 'wait for it to end, or, when its process is gone on another host, add --runs-older-than <age>',
    );
  }
  const newest = objects.reduce((a, b) => (b.lastModified > a.lastModified ? b : a));
  if (newest.lastModified >= now - options.olderThanMs) {
    const [at, after] = [newest.lastModified, newest.lastModified + options.olderThanMs].map((ms) => new Date(ms).toISOString());
    throw new RunIdRefusedError(
      `run ${runId} was written to at ${at} (${catalog.uri(newest.key)}), within the lock lease of ${Math.round(options.olderThanMs / 1000)} s (BERSERKR_LOCK_LEASE): it may still be running; try again after ${after}`,
    );
  }
  report(ctx, { unreadable });
  const finished = await finishRuns(catalog.runs, abandoned.filter((a) => writesUnder(a.record).includes(runId)), ctx.fence);
  report(ctx, { finished });
  const tempFiles = catalog.store instanceof FileStore ? await catalog.store.removeTempFiles(now - options.olderThanMs, catalog.scoringRuns.folders(runId), fenceKey(ctx)) : [];
  report(ctx, { tempFiles });
  const removed = await removeRun(catalog, runId, objects, ctx.fence);
  report(ctx, { removed: [removed] });
  return { run: runId, objects: removed.keys, abandonedRuns: finished.map((r) => r.runId), tempFiles, unreadableRecords: unreadable.map((e) => e.uri) };
}

/**
 * The run `exports/<data set>/latest.json` names, which gc never removes and whose copies it
 * re-syncs; undefined before the first publication, and when the pointer cannot be read
 * (logged as a warning unless `warn` is false): nothing can follow a damaged pointer, so
 * there is no export to keep or copy for it, and the next commit replaces it.
 * @throws store errors other than a damaged pointer, unchanged.
 */
async function publishedRunId(ctx: StageContext, { warn = true } = {}): Promise<string | undefined> {
  try {
    return (await ctx.catalog.latest.load())?.runId;
  } catch (error) {
    if (!(error instanceof DatasetFormatError)) throw error;
    if (warn) ctx.log.child({ stage: 'gc' }).warn({ err: error }, `${error.message}: it names no export gc could keep; the next commit replaces it`);
    return undefined;
  }
}

/** How {@link gcStep} and {@link gcRunStep} tell the `running` records that are over, and check the lock before finishing one. */
function abandonedRunOptions(ctx: StageContext, options: Omit<GcOptions, 'checkParts'>, now: number): AbandonedRunOptions {
  return { self: ctx.run.runId, lockedCommands: options.lockedCommands, lockHeld: options.lockHeld, olderThanMs: options.runsOlderThanMs, now: () => now, fence: ctx.fence };
}

/** `ctx.fence` of the object under lake key `key`: what {@link FileStore.removeTempFiles} awaits before each removal. */
function fenceKey(ctx: StageContext): (key: string) => Promise<void> {
  return (key) => ctx.fence(ctx.catalog.uri(key));
}

/** The scoring runs a run may write under: its own id and, for a shard, the shared `--run-id` it was given. */
function writesUnder(record: RunRecord): string[] {
  return [record.runId, ...(typeof record.params.runId === 'string' ? [record.params.runId] : [])];
}

/** What the run that saved a removed model did: `saved by run <id>, which failed`, or that the model never had a manifest. */
function removedModelWhy(ctx: StageContext, m: RemovedModel): string {
  if (m.savedBy === undefined) return `never completed (no ${ctx.catalog.models.manifestUri(m.modelId)})`;
  const ended = { failed: 'failed', killed: 'was killed', unknown: 'never finished' }[m.savedBy.status];
  return `saved by run ${m.savedBy.runId}, which ${ended}`;
}

/**
 * Logs what gc skipped, finished and removed, one line each, and counts it in the run record
 * (`gc.abandoned_runs`, `gc.temp_files`, `gc.uncommitted_runs`, `gc.unused_models`).
 */
function report(
  ctx: StageContext,
  done: { unreadable?: DatasetFormatError[]; unreadableManifests?: DatasetFormatError[]; finished?: AbandonedRun[]; tempFiles?: string[]; removed?: RemovedRun[]; models?: RemovedModel[] },
): void {
  const log = ctx.log.child({ stage: 'gc' });
  const { catalog } = ctx;
  for (const e of done.unreadable ?? []) log.warn({ record: e.uri }, `skipped an unreadable run record: ${e.message}`);
  for (const e of done.unreadableManifests ?? []) log.warn({ manifest: e.uri }, `kept a model whose manifest cannot be read: ${e.message}`);
  for (const r of done.finished ?? []) log.warn({ runId: r.runId, status: r.status }, `run ${r.runId} (${r.command}) never finished: ${r.reason}; recorded as ${r.status}`);
  for (const key of done.tempFiles ?? []) log.info({ file: key }, `removed the temp file of an unfinished write ${catalog.uri(key)}`);
  for (const r of done.removed ?? []) log.info({ runId: r.runId, objects: r.keys.length }, `removed ${r.keys.length} objects of scoring run ${r.runId}, never committed (no ${catalog.exports.metadataUri(r.runId)})`);
  for (const m of done.models ?? []) {
    log.info(
      { modelId: m.modelId, objects: m.keys.length, bytes: m.bytes, ...(m.savedBy === undefined ? {} : { runId: m.savedBy.runId }) },
      `removed ${m.keys.length} objects (${m.bytes} bytes) of model ${m.modelId}: ${removedModelWhy(ctx, m)}; nothing refers to it`,
    );
  }
  for (const [name, items] of [['gc.abandoned_runs', done.finished], ['gc.temp_files', done.tempFiles], ['gc.uncommitted_runs', done.removed], ['gc.unused_models', done.models]] as const) {
    if (items !== undefined && items.length > 0) ctx.run.count(name, items.length);
  }
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
 * The pointer is read here, at the end: a commit (`score` and `export` take no lock) may have
 * moved it and its copies since gc started.
 * @returns the run re-synced to, or undefined when the copies matched (or nothing is published).
 * @throws LockLostError when the run lost the pipeline lock before a copy (`ctx.fence`, checked before each):
 *   that copy and the ones after it are left as they were.
 */
async function resyncLatest(ctx: StageContext): Promise<string | undefined> {
  const { latest, exports } = ctx.catalog;
  const runId = await publishedRunId(ctx, { warn: false });
  if (runId === undefined || (await latest.copiedRunId()) === runId) return undefined;
  for (const copy of await latest.refreshCopies(await exports.loadMetadata(runId), ctx.fence)) ctx.run.output(ctx.catalog.store.uri, copy.key, copy.etag);
  ctx.log.child({ stage: 'gc' }).warn({ runId }, `the copies of the latest export did not match ${latest.uri}: re-copied the export of run ${runId}`);
  ctx.run.count('gc.latest_resynced', 1);
  return runId;
}
