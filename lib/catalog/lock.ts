/**
 * The pipeline lock object of a data set, `locks/<data set>.json`: who runs
 * the data set's pipeline now and until when (pipelines of other data sets of
 * the lake run beside it). The protocol that takes, renews and releases it is `lib/lock.ts`.
 */
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { JsonObject } from './json';

const isoTime = z.string().datetime({ offset: false });

/** Schema of the lock object (`berserkr.lock/1`). */
export const LockRecordSchema = z
  .object({
    schema: z.literal('berserkr.lock/1'),
    owner: z.object({ host: z.string(), pid: z.number().int(), runId: z.string() }),
    /** Random hex distinguishing this acquisition from any other, even of the same run. */
    token: z.string().regex(/^[0-9a-f]{16}$/),
    acquiredAt: isoTime,
    renewedAt: isoTime,
    /** The lease ends here; after it anyone may take the lock over. */
    expiresAt: isoTime,
  })
  .strict();

export type LockRecord = z.infer<typeof LockRecordSchema>;
export type LockOwner = LockRecord['owner'];

/** The pipeline lock of one data set's pipeline. */
export class PipelineLock {
  private readonly object: JsonObject<LockRecord>;

  /**
   * @param store the lake (client passed in).
   * @param dataset the data set whose pipeline the lock guards.
   */
  constructor(
    readonly store: ObjectStore,
    readonly dataset: string,
  ) {
    this.object = new JsonObject(store, `locks/${dataset}.json`, {
      what: 'lock',
      schema: LockRecordSchema,
      indent: 2,
      newline: true,
      hint: 'delete it if no pipeline is running',
    });
  }

  /** `locks/<data set>.json`. */
  get key(): string {
    return this.object.key;
  }

  /** `<lake uri>/locks/<data set>.json`. */
  get uri(): string {
    return this.object.uri;
  }

  /**
   * The lock record, or `undefined` when nobody holds the lock.
   * @throws DatasetFormatError (`invalid lock <uri>: field …; delete it if no pipeline is running`); store errors unchanged.
   */
  load(): Promise<LockRecord | undefined> {
    return this.object.loadIfExists();
  }

  /** Writes `record` (one atomic put). */
  save(record: LockRecord): Promise<ObjectInfo> {
    return this.object.save(record);
  }

  /**
   * Writes `record` only when there is no lock object, in one atomic step, on a
   * store that can (`ObjectStore.putIfAbsent`: a folder lake, S3 that honours `If-None-Match`).
   * @returns true when written, false when a lock object exists, undefined when the store has no `putIfAbsent`.
   * @throws ConditionalWriteUnsupportedError when the store turns out not to honour it.
   */
  create(record: LockRecord): Promise<boolean | undefined> {
    return this.object.create(record);
  }

  /** Deletes the lock object; a missing one is no error. */
  delete(): Promise<void> {
    return this.store.delete(this.key);
  }
}
