/**
 * Committed exports of one data set's scoring runs:
 * `exports/<data set>/<run-id>/top-k.{csv,parquet,jsonl}` (the top-K lists of
 * every customer) and their sidecar `exports/<data set>/<run-id>/_metadata.json`, written after the files: a run's export
 * is committed once its sidecar exists. Runs are never overwritten in place
 * (a commit again writes the same bytes).
 */
import { createHash } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { DatasetFormatError } from './errors';
import { JsonObject, type JsonSpec } from './json';
import { loadTable } from './tables';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats';
import { objectUri } from './uri';


/** Schema of an export format name. */
export const ExportFormatSchema = z.enum(EXPORT_FORMATS);

const count = z.number().int().nonnegative();

/** Schema of one file of an export, as its sidecar lists it. */
export const ExportFileSchema = z.object({
  /** File name within `exports/<data set>/<run-id>/`, e.g. `top-k.csv`. */
  name: z.string(),
  format: ExportFormatSchema,
  bytes: count,
  /** SHA-256 of the file's bytes, lower-case hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Schema of the sidecar `exports/<data set>/<run-id>/_metadata.json` of a complete export. */
export const ExportMetadataSchema = z.object({
  runId: z.string(),
  modelId: z.string(),
  /** As-of time, ISO 8601 UTC. */
  asOf: z.string().datetime(),
  /**
   * Time of the last purchase before the as-of time, ISO 8601 UTC: how far the data the
   * lists saw reach, which orders exports for `latest.json` (`scoring/publish-export.ts`);
   * a subset export carries its source's. Absent in sidecars of earlier versions, or
   * without such a purchase.
   */
  dataUntil: z.string().datetime().optional(),
  /**
   * Start of the scoring run to the millisecond, ISO 8601 UTC (its shard marker's `startedAt`), which orders
   * two exports of the same data for `latest.json` where their run ids, of whole seconds, tie.
   * Absent in sidecars of earlier versions, of runs scored under a given `--run-id`, and of subset exports.
   */
  startedAt: z.string().datetime().optional(),
  horizonDays: z.number().positive(),
  k: z.number().int().positive(),
  /** Rows of the export (each file holds all of them). */
  rows: count,
  customers: count,
  /** Candidate pairs scored. */
  pairs: count,
  /** Shards the run was scored in (1 for a single run, 0 for a subset export). */
  shards: count,
  files: z.array(ExportFileSchema),
  /** Keys of the scored-pair parts (Parquet) behind the export, in customer-id order. */
  scores: z.array(z.string()),
  /**
   * For `berserkr export`: the run the rows were taken from, the requested ids without a list,
   * and the filters of `--top-k` and `--min-probability` when given (`k` is then the smaller K).
   */
  subsetOf: z
    .object({
      runId: z.string(),
      requested: count,
      missing: z.array(z.string()),
      topK: z.number().int().positive().optional(),
      minProbability: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

export type ExportFile = z.infer<typeof ExportFileSchema>;
export type ExportMetadata = z.infer<typeof ExportMetadataSchema>;

/** How sidecars are read and written. */
export const EXPORT_METADATA: JsonSpec<ExportMetadata> = { what: 'export metadata', schema: ExportMetadataSchema, indent: 2, newline: true };

/** The exports of one data set of the lake. */
export class Exports {
  /** Folder of every export of the data set: `exports/<data set>/`. */
  readonly root: string;

  /**
   * @param store the lake
   * @param dataset the data set's name, e.g. `online-retail`.
   */
  constructor(
    readonly store: ObjectStore,
    dataset: string,
  ) {
    this.root = `exports/${dataset}/`;
  }

  /** `exports/<data set>/<run-id>/`. */
  prefix(runId: string): string {
    return `${this.root}${runId}/`;
  }

  /** `<lake uri>/exports/<data set>/<run-id>/`, the folder to print. */
  uri(runId: string): string {
    return objectUri(this.store, this.prefix(runId));
  }

  /** File name of an export format: `top-k.<format>`. */
  fileName(format: ExportFormat): string {
    return `top-k.${format}`;
  }

  /**
   * Key of run `runId`'s export file of `format`.
   * @example exports.fileKey('20111109T000000Z-3fa9c1', 'csv') // 'exports/online-retail/20111109T000000Z-3fa9c1/top-k.csv'
   */
  fileKey(runId: string, format: ExportFormat): string {
    return this.prefix(runId) + this.fileName(format);
  }

  /** `<lake uri>/<file key>`. */
  fileUri(runId: string, format: ExportFormat): string {
    return objectUri(this.store, this.fileKey(runId, format));
  }

  /** Writes one export file (one atomic put; streamed bodies are uploaded as they come). */
  putFile(runId: string, format: ExportFormat, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    return this.store.put(this.fileKey(runId, format), body);
  }

  /** Metadata of an export file, or `undefined` when it does not exist. */
  headFile(runId: string, format: ExportFormat): Promise<ObjectInfo | undefined> {
    return this.store.head(this.fileKey(runId, format));
  }

  /** An export file's bytes in chunks. @throws ObjectNotFoundError on first iteration when missing. */
  streamFile(runId: string, format: ExportFormat): AsyncIterable<Uint8Array> {
    return this.store.getStream(this.fileKey(runId, format));
  }

  /**
   * The top-K lists of run `runId`'s Parquet export file, a SCORES table, checked against
   * `file`, its entry in the run's sidecar: a file of another size or SHA-256 is refused
   * before it is decoded.
   * @throws ObjectNotFoundError when the run has no Parquet export; DatasetFormatError naming
   *   the file and both sizes and digests when its bytes are not those its sidecar records.
   */
  loadLists(runId: string, file: ExportFile): Promise<Table> {
    const key = this.fileKey(runId, 'parquet');
    return loadTable(this.store, key, (bytes) => {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (bytes.length === file.bytes && sha256 === file.sha256) return;
      throw new DatasetFormatError(
        'export file',
        this.fileUri(runId, 'parquet'),
        `it holds ${bytes.length} bytes of SHA-256 ${sha256}, where its sidecar ${this.metadataUri(runId)} records ${file.bytes} bytes of SHA-256 ${file.sha256}`,
        'the file was changed or damaged after its commit; score the run again (berserkr score)',
      );
    });
  }

  /** Key of run `runId`'s sidecar: `exports/<data set>/<run-id>/_metadata.json`. */
  metadataKey(runId: string): string {
    return `${this.prefix(runId)}_metadata.json`;
  }

  /** `<lake uri>/exports/<data set>/<run-id>/_metadata.json`. */
  metadataUri(runId: string): string {
    return objectUri(this.store, this.metadataKey(runId));
  }

  /** Writes the sidecar of `metadata.runId`, after its files: the export's commit (one atomic put). */
  publishMetadata(metadata: ExportMetadata): Promise<ObjectInfo> {
    return new JsonObject(this.store, this.metadataKey(metadata.runId), EXPORT_METADATA).save(metadata);
  }

  /** Whether run `runId` is committed: its sidecar exists. */
  async isCommitted(runId: string): Promise<boolean> {
    return (await this.store.head(this.metadataKey(runId))) !== undefined;
  }

  /**
   * The sidecar of run `runId`.
   * @throws ObjectNotFoundError when the run has no committed export; DatasetFormatError when it does not validate.
   */
  loadMetadata(runId: string): Promise<ExportMetadata> {
    return new JsonObject(this.store, this.metadataKey(runId), EXPORT_METADATA).load();
  }
}
