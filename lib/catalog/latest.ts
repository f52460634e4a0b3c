/**
 * The published export of a data set: the pointer `exports/<data set>/latest.json`,
 * the switch readers follow (written last, one atomic put), and the convenience
 * copies under `exports/<data set>/latest/` for readers that cannot follow it (each copy is atomic,
 * the copies are not switched together with the pointer). The pointer names the run only; the
 * commit (`scoring/publish-export.ts`) reads the as-of time from the sidecar it names, to keep it
 * on the export of the latest as-of time.
 */
import { z } from 'zod';
import { type LockFence, NO_LOCK_FENCE } from '../stage-context';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats';
import type { ExportMetadata, Exports } from './exports';
import { EXPORT_METADATA } from './exports';
import { JsonObject } from './json';
import { objectUri } from './uri';

/** Schema of `exports/<data set>/latest.json`. */
export const LatestPointerSchema = z.object({
  runId: z.string(),
  /** Key of the export's sidecar. */
  metadata: z.string(),
});

export type LatestPointer = z.infer<typeof LatestPointerSchema>;

/** The latest export of one data set. */
export class LatestExport {
  private readonly pointer: JsonObject<LatestPointer>;
  private readonly copies: string;

  /**
   * @param store the lake
   * @param runExports the data set's exports, one of which the pointer names.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly runExports: Exports,
  ) {
    this.pointer = new JsonObject(store, `${runExports.root}latest.json`, { what: 'latest export pointer', schema: LatestPointerSchema, indent: 2, newline: true });
    this.copies = `${runExports.root}latest/`;
  }

  /** `<lake uri>/exports/<data set>/latest.json`. */
  get uri(): string {
    return this.pointer.uri;
  }

  /**
   * The pointer, or `undefined` before the first publication.
   * @throws DatasetFormatError when it does not validate.
   */
  load(): Promise<LatestPointer | undefined> {
    return this.pointer.loadIfExists();
  }

  /**
   * The sidecar of the export the pointer names, or `undefined` before the first publication.
   * @throws DatasetFormatError when the pointer or the sidecar does not validate; ObjectNotFoundError when the sidecar is missing.
   */
  async loadMetadata(): Promise<ExportMetadata | undefined> {
    const pointer = await this.load();
    return pointer === undefined ? undefined : new JsonObject(this.store, pointer.metadata, EXPORT_METADATA).load();
  }

  /** Points readers at run `runId`'s committed export (one atomic put). */
  publish(runId: string): Promise<ObjectInfo> {
    return this.pointer.save({ runId, metadata: this.runExports.metadataKey(runId) });
  }

  /** Copies run `runId`'s export file of `format` to `exports/<data set>/latest/top-k.<format>`, streaming. */
  copyFile(runId: string, format: ExportFormat): Promise<ObjectInfo> {
    return this.store.put(this.copies + this.runExports.fileName(format), this.runExports.streamFile(runId, format));
  }

  /** Writes `exports/<data set>/latest/_metadata.json`, the sidecar of the copies. */
  copyMetadata(metadata: ExportMetadata): Promise<ObjectInfo> {
    return this.copiesSidecar().save(metadata);
  }

  /**
   * Makes `exports/<data set>/latest/` the copy of `metadata`'s export: removes the
   * copies of other formats, copies every file the sidecar lists, then the sidecar.
   * Each object is atomic; the copies are not switched together.
   * @param fence awaited before each deletion and each put, with the URI of the object
   *   (`StageContext.fence`: a run under the pipeline lock checks it still holds it); default: none.
   * @returns the objects written.
   * @throws the error of `fence` (LockLostError): that object and the ones after it are left as they were.
   */
  async refreshCopies(metadata: ExportMetadata, fence: LockFence = NO_LOCK_FENCE): Promise<ObjectInfo[]> {
    // An earlier export's other formats first, so the copies never hold a file their sidecar does not list.
    const listed = new Set(metadata.files.map((f) => f.format));
    for (const format of EXPORT_FORMATS) {
      if (listed.has(format)) continue;
      const key = this.copies + this.runExports.fileName(format);
      await fence(objectUri(this.store, key));
      await this.store.delete(key);
    }
    const written: ObjectInfo[] = [];
    for (const f of metadata.files) {
      await fence(objectUri(this.store, this.copies + this.runExports.fileName(f.format)));
      written.push(await this.copyFile(metadata.runId, f.format));
    }
    await fence(this.copiesSidecar().uri);
    written.push(await this.copyMetadata(metadata));
    return written;
  }

  /**
   * The run whose export the copies hold, by their sidecar (written last), or `undefined` when there is none.
   * @throws DatasetFormatError when the copies' sidecar does not validate.
   */
  async copiedRunId(): Promise<string | undefined> {
    return (await this.copiesSidecar().loadIfExists())?.runId;
  }

  private copiesSidecar(): JsonObject<ExportMetadata> {
    return new JsonObject(this.store, `${this.copies}_metadata.json`, EXPORT_METADATA);
  }
}
