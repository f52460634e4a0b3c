/**
 * Publishing a scoring run's export: each format's file of `exports/<run-id>/`
 * and its sidecar, and the commit that merges the N shards' lists, writes the
 * export and flips `exports/latest.json` last, to the export of the latest data.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { DatasetFormatError, exportFormats, type ExportFile, type ExportFormat, type ExportMetadata } from '../lib/catalog';
import { runIdStart } from '../lib/catalog/run-id';
import { ObjectNotFoundError } from '../lib/store/store';
import type { StageContext } from '../lib/stage-context';
import { checkShardMarkers, exportMetadata } from './commit';
import { exportChunks } from './export';
import { mergeLists } from './merge';

/** The chunks, hashed as they pass. */
async function* hashing(chunks: Iterable<Uint8Array>, hash: Hash, size: { bytes: number }): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    hash.update(chunk);
    size.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Writes a complete export of `table` under `exports/<metadata.runId>/`: the file of
 * each format asked for and the canonical `top-k.parquet` when they do not name it
 * ({@link exportFormats}), so that every export can be read back; then the sidecar
 * (with sizes and SHA-256 checksums).
 * @returns the metadata as written.
 */
export async function writeExport(ctx: StageContext, table: Table, formats: readonly ExportFormat[], base: Omit<ExportMetadata, 'files'>): Promise<ExportMetadata> {
  const files: ExportFile[] = [];
  for (const format of exportFormats(formats)) {
    const hash = createHash('sha256');
    const size = { bytes: 0 };
    const info = await ctx.catalog.exports.putFile(base.runId, format, hashing(exportChunks(table, format), hash, size));
    ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
    files.push({ name: ctx.catalog.exports.fileName(format), format, bytes: size.bytes, sha256: hash.digest('hex') });
  }
  const metadata: ExportMetadata = { ...base, files };
  const info = await ctx.catalog.exports.publishMetadata(metadata);
  ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
  return metadata;
}

/** Rounds of {@link publishLatest} before it leaves the copies to the next commit or gc. */
const LATEST_ROUNDS = 5;

type Ordered = Pick<ExportMetadata, 'asOf' | 'dataUntil' | 'runId' | 'startedAt'>;

/**
 * How far the data an export's lists saw reach, ms: its as-of time, or just after its
 * last purchase (`dataUntil` + 1 ms, the default as-of time of a run on those data)
 * when that is earlier. So the exports of the same data are of the same reach, whether
 * scored just after the last purchase (`run`, `schedule`) or at the present time a few
 * days later (a `score` Job at `date -u`); a sidecar of an earlier version, without
 * `dataUntil`, reaches its as-of time.
 */
function reach(m: Ordered): number {
  const asOf = Date.parse(m.asOf);
  return m.dataUntil === undefined ? asOf : Math.min(asOf, Date.parse(m.dataUntil) + 1);
}

/**
 * When an export's scoring run started, ms: its sidecar's `startedAt`, to the millisecond;
 * in a sidecar without it (of an earlier version, or of a run scored under a given
 * `--run-id`) the whole second its run id names, as before.
 * @throws InvalidRunIdError when such a sidecar's run id is not a run id.
 */
function started(m: Ordered): number {
  return m.startedAt === undefined ? runIdStart(m.runId) : Date.parse(m.startedAt);
}

/** Options of {@link publishLatest} and {@link commitStep}. */
export interface PublishOptions {
  /**
   * The time of the lake's last purchase event, ms, when the caller holds the lake's lock
   * (no ingest can change the clean data meanwhile): an export the pointer names whose
   * `dataUntil` is later was scored on data the lake no longer holds (raw objects forgotten,
   * or replaced by ones ending earlier), and an export of all the lake's data (`dataUntil`
   * equal to it) replaces it whatever their order; a backfill at an earlier as-of time does not.
   */
  lakeDataUntil?: number;
}

/**
 * True when `current`, the export the pointer names, was scored on data the lake no longer
 * holds (its `dataUntil` after `lakeDataUntil`) and `metadata`'s export covers all the lake's
 * data (its `dataUntil` is `lakeDataUntil`), so it takes over: a backfill at an earlier as-of
 * time does not. False without `lakeDataUntil` or a `dataUntil` of either.
 */
function dataGone(current: Ordered, metadata: Ordered, lakeDataUntil: number | undefined): boolean {
  if (lakeDataUntil === undefined || current.dataUntil === undefined || metadata.dataUntil === undefined) return false;
  return Date.parse(current.dataUntil) > lakeDataUntil && Date.parse(metadata.dataUntil) === lakeDataUntil;
}

/**
 * The order of exports for `latest.json`: by {@link reach}, then by the start of their
 * runs ({@link started}, to the millisecond), then by run id, so that a backfill at an
 * earlier as-of time never replaces the export of later data, and of two exports of the
 * same data the later run is the latest, also when both started within one second (whose
 * run ids differ by their random suffix only). Sidecars without `startedAt` order as
 * before, by run id (run ids sort by start time).
 * @returns a negative number when `a` comes before `b`, 0 for the same run, a positive one after.
 */
function compareExports(a: Ordered, b: Ordered): number {
  return reach(a) - reach(b) || started(a) - started(b) || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}

/**
 * The sidecar of the export `latest.json` names, or `undefined` when none is published
 * or the pointer or the sidecar cannot be read (gone or damaged): no reader can follow
 * such a pointer, so the commit replaces it, with a warning naming what is wrong.
 * @throws store errors other than a missing object, unchanged.
 */
async function latestMetadata(ctx: StageContext): Promise<ExportMetadata | undefined> {
  try {
    return await ctx.catalog.latest.loadMetadata();
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError || error instanceof DatasetFormatError)) throw error;
    ctx.log.warn({ err: error }, `${ctx.catalog.latest.uri} names no export that can be read, so it is replaced: ${error.message}`);
    return undefined;
  }
}

/**
 * Makes `metadata`'s export the latest, unless the pointer names a later one (on data
 * reaching later, or on the same data and of a later run: {@link compareExports}) that
 * the lake still holds the data of (`o.lakeDataUntil`), and
 * leaves the copies under `exports/<data set>/latest/` (for readers that cannot follow
 * the pointer: every file the sidecar lists and no other) those of the export the pointer
 * names. An export not made the latest stays committed under `exports/<data set>/<run-id>/`,
 * and the log says why, with both as-of times. Commits may run side by side (`score` takes
 * no lock), so after copying it reads the pointer again: an earlier export that overwrote
 * it is overwritten in turn, and copies of another run than the pointer's are made again
 * from the pointer, so the copies end in step with the pointer. Without a conditional
 * write of the pointer one window remains: a commit that stalls between reading and
 * writing the pointer through the whole of a commit of a later export leaves its earlier
 * export as the latest. A failure leaves the copies mixed until the next commit or gc
 * re-syncs them. Writes nothing when the pointer names `metadata`'s export, or a later
 * one, and the copies are in step: a retry of a shard of a committed run calls it to
 * finish a commit that died after writing the sidecar, before flipping the pointer.
 * Under the pipeline lock, the pointer and each copy (each deletion of a copy of another format
 * too) are written only after the context's fence (`StageContext.fence`) found the lock still the
 * run's: a run that lost it leaves the pointer, and the copies from the one refused on, as they are.
 * @param o `lakeDataUntil` when the caller holds the lake's lock ({@link PublishOptions}).
 * @throws LockLostError from the fence (nothing written by it: an earlier round's writes stay);
 *   store errors unchanged.
 */
export async function publishLatest(ctx: StageContext, metadata: ExportMetadata, o: PublishOptions = {}): Promise<void> {
  const { latest } = ctx.catalog;
  const runId = metadata.runId;
  for (let round = 0; round < LATEST_ROUNDS; round++) {
    const current = await latestMetadata(ctx);
    const gone = current !== undefined && dataGone(current, metadata, o.lakeDataUntil);
    if (gone && round === 0 && current.runId !== runId) {
      ctx.log.warn(
        { runId, latest: current.runId, latestDataUntil: current.dataUntil, lakeDataUntil: metadata.dataUntil },
        `${latest.uri} names run ${current.runId}, scored on data until ${current.dataUntil}, which the lake no longer holds (its last event is at ${metadata.dataUntil}: raw objects were forgotten or replaced): run ${runId} replaces it`,
      );
    }
    const later = !gone && current !== undefined && compareExports(current, metadata) > 0 ? current : undefined;
    if (later === undefined && current?.runId !== runId) {
      await ctx.fence(latest.uri);
      const info = await latest.publish(runId);
      ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
    } else if (later !== undefined && round === 0) {
      const why = reach(later) === reach(metadata)
        ? `the later run ${later.runId} on the same data (as of ${later.asOf}; this run as of ${metadata.asOf})`
        : `run ${later.runId} as of ${later.asOf}, on data reaching later than this run's as-of time ${metadata.asOf}`;
      ctx.log.warn(
        { runId, asOf: metadata.asOf, latest: later.runId, latestAsOf: later.asOf },
        `run ${runId} is committed under ${ctx.catalog.exports.uri(runId)} but not made the latest export: ${latest.uri} names ${why}`,
      );
    }
    const target = later ?? metadata;
    if ((await latest.copiedRunId()) !== target.runId || round > 0) {
      for (const copy of await latest.refreshCopies(target, ctx.fence)) ctx.run.output(ctx.catalog.store.uri, copy.key, copy.etag);
    }
    if ((await latest.load())?.runId === target.runId) return;
  }
  ctx.log.warn({ runId }, `${latest.uri} kept changing while run ${runId} was committed: the copies under latest/ may mix runs until the next commit or berserkr gc`);
}

/**
 * Commits run `runId` scored in `count` shards: checks the N markers agree,
 * merges the shards' lists (customer id, then rank), writes the export and its
 * sidecar, then flips `exports/latest.json` (one PUT, last) unless the pointer
 * already names a later export (on data reaching later, or on the same data and of a later
 * run, unless that one was scored on data the lake no longer holds: `o.lakeDataUntil`), and
 * refreshes the `exports/latest/` convenience copy of every file the sidecar lists, and the
 * sidecar, from the export the pointer names.
 * Idempotent: committing again writes the same bytes.
 * @param o `lakeDataUntil` when the caller holds the lake's lock ({@link PublishOptions}).
 * @throws ShardConflictError when a marker is of another number of shards than `count`;
 *   ScoringInputError when a shard's marker is missing or the shards disagree; LockLostError
 *   when the run lost the pipeline lock ({@link publishLatest}: the latest export is left as it was).
 */
export async function commitStep(ctx: StageContext, runId: string, count: number, o: PublishOptions = {}): Promise<ExportMetadata> {
  return ctx.run.step('commit', async () => {
    const { shards } = ctx.catalog;
    const markers = checkShardMarkers(runId, await shards.loadMarkers(runId), count);
    const parts = await Promise.all(markers.map((m) => shards.loadLists(m)));
    const table = mergeLists(parts, markers.map((m) => m.lists));
    const customers = markers.reduce((s, m) => s + m.customers, 0);
    const base = exportMetadata(markers, [], customers, table.numRows);
    const metadata = await writeExport(ctx, table, markers[0].formats, base);
    await publishLatest(ctx, metadata, o);
    ctx.run.count('export.rows', metadata.rows);
    ctx.log.info({ runId, rows: metadata.rows, customers, shards: count }, `published export of run ${runId}: top-${metadata.k} lists of ${customers} customers`);
    return metadata;
  });
}
