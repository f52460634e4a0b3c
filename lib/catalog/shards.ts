/**
 * What each shard of a scoring run leaves before the commit:
 * `exports/<data set>/<run-id>/shards/shard-<i>-of-<N>.parquet` (its top-K lists) and,
 * written last, `exports/<data set>/<run-id>/shards/shard-<i>-of-<N>._SUCCESS.json` (its
 * marker). The commit reads the N markers and merges the N lists.
 */
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { ExportFormatSchema, type Exports } from './exports';
import { JsonObject, type JsonSpec } from './json';
import { loadTable, saveTable } from './tables';

const count = z.number().int().nonnegative();

/** Schema of a shard's marker: what the shard wrote, declared after writing it. */
export const ShardMarkerSchema = z.object({
  runId: z.string(),
  /** Shard `index` of `count` (0-based). */
  shard: z.object({ index: count, count: z.number().int().positive() }),
  modelId: z.string(),
  /** As-of time, ISO 8601 UTC. */
  asOf: z.string().datetime(),
  horizonDays: z.number().positive(),
  k: z.number().int().positive(),
  /** Export formats the commit writes: those asked for and Parquet, the canonical file (markers of earlier versions may lack it). */
  formats: z.array(ExportFormatSchema),
  /** Customers scored (known at the as-of time and in the shard). */
  customers: count,
  /** Candidate pairs scored. */
  pairs: count,
  /** Rows of the shard's top-K lists. */
  rows: count,
  /** Key of the shard's top-K lists (Parquet). */
  lists: z.string(),
  /** Keys of the shard's scored-pair parts (Parquet), in customer-id order. */
  scores: z.array(z.string()),
  /** Digest of the purchase events the shard scored from (`scoring/events-digest.ts`); absent in markers of earlier versions. */
  events: z.string().optional(),
  /** Run id of the command that scored the shard (its run record); absent in markers of earlier versions. */
  commandRunId: z.string().optional(),
  /** Time of the last purchase before the as-of time, ISO 8601 UTC: how far the data the lists saw reach. Absent in markers of earlier versions, or without such a purchase. */
  dataUntil: z.string().datetime().optional(),
  /**
   * Start of the scoring run to the millisecond, ISO 8601 UTC (its run id keeps whole seconds): set when the
   * run is the scoring command's own (`runId` = `commandRunId`), as its run record's `startedAt`. Absent when the
   * run id was given (`--run-id`, which holds its start to the second only) and in markers of earlier versions.
   */
  startedAt: z.string().datetime().optional(),
});

export type ShardMarker = z.infer<typeof ShardMarkerSchema>;

/** A shard of a scoring run: `index` of `count`. */
export type Shard = ShardMarker['shard'];

const MARKER: JsonSpec<ShardMarker> = { what: 'shard marker', schema: ShardMarkerSchema, indent: 2, newline: true };
const MARKER_SUFFIX = '._SUCCESS.json';

/** `shard-<i>-of-<N>`, the name of a shard in keys. */
export const shardName = (s: Shard): string => `shard-${s.index}-of-${s.count}`;

/** The shard outputs of one data set's scoring runs. */
export class ShardOutputs {
  /**
   * @param store the lake
   * @param runExports its exports, under whose run folders the shards write.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly runExports: Exports,
  ) {}

  private folder(runId: string): string {
    return `${this.runExports.prefix(runId)}shards/`;
  }

  /**
   * Key of a shard's top-K lists.
   * @example shards.listsKey('20111109T000000Z-3fa9c1', { index: 2, count: 4 }) // 'exports/online-retail/20111109T000000Z-3fa9c1/shards/shard-2-of-4.parquet'
   */
  listsKey(runId: string, shard: Shard): string {
    return `${this.folder(runId)}${shardName(shard)}.parquet`;
  }

  /** Key of a shard's marker: `exports/<data set>/<run-id>/shards/shard-<i>-of-<N>._SUCCESS.json`. */
  markerKey(runId: string, shard: Shard): string {
    return `${this.folder(runId)}${shardName(shard)}${MARKER_SUFFIX}`;
  }

  /** The shard whose marker `key` is, when it is the marker of a shard of run `runId` (the shard is done). */
  markerShard(runId: string, key: string): Shard | undefined {
    const folder = this.folder(runId);
    if (!key.startsWith(folder) || !key.endsWith(MARKER_SUFFIX)) return undefined;
    const m = /^shard-(\d+)-of-(\d+)$/.exec(key.slice(folder.length, -MARKER_SUFFIX.length));
    return m === null ? undefined : { index: Number(m[1]), count: Number(m[2]) };
  }

  /** Writes a shard's top-K lists (a SCORES table) as Parquet (one atomic put). */
  saveLists(runId: string, shard: Shard, table: Table): Promise<ObjectInfo> {
    return saveTable(this.store, this.listsKey(runId, shard), table);
  }

  /**
   * The lists a marker names (`marker.lists`).
   * @throws ObjectNotFoundError when missing.
   */
  loadLists(marker: Pick<ShardMarker, 'lists'>): Promise<Table> {
    return loadTable(this.store, marker.lists);
  }

  /** Deletes a shard's marker (first: the shard is no longer done), then its lists; missing ones are no error. */
  async remove(runId: string, shard: Shard): Promise<void> {
    await this.store.delete(this.markerKey(runId, shard));
    await this.store.delete(this.listsKey(runId, shard));
  }

  /** Writes a shard's marker, after its outputs: the shard is done (one atomic put). */
  publishMarker(marker: ShardMarker): Promise<ObjectInfo> {
    return new JsonObject(this.store, this.markerKey(marker.runId, marker.shard), MARKER).save(marker);
  }

  /**
   * The markers of run `runId` present in the lake, validated, in key order.
   * @throws DatasetFormatError naming the first marker that does not validate.
   */
  async loadMarkers(runId: string): Promise<ShardMarker[]> {
    const keys = (await this.store.list(this.folder(runId))).filter((o) => o.key.endsWith(MARKER_SUFFIX));
    return Promise.all(keys.map((o) => new JsonObject(this.store, o.key, MARKER).load()));
  }
}
