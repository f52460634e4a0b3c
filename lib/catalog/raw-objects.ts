/**
 * The raw objects: the landing store (bucket or folder) ingest reads, kept
 * apart from the lake. Which objects under the raw prefix ingest takes: lzop files, known by the
 * extension `.lzo` of the key's last segment, in any case (`2011-01.csv.lzo`,
 * `other.lzo`, `UPPER.CSV.LZO`). The content is then checked by the lzop magic
 * bytes (`lzop.ts`), so a mislabelled object fails by name instead of being
 * read. Every other object is skipped with a reason that the caller logs and
 * records, never silently.
 */
import type { ObjectInfo, ObjectStore } from '../store/store';
import { objectUri } from './uri';

/** An object under the raw prefix that ingest does not take, and why. */
export interface SkippedObject {
  key: string;
  /** e.g. `not an lzop object (extension .csv)`. */
  reason: string;
}

/**
 * Why ingest skips the raw object `key`, or undefined when it takes it.
 * @example skipReason('2011-01.csv.lzo') // undefined
 * @example skipReason('notes/readme.txt') // 'not an lzop object (extension .txt)'
 * @example skipReason('README') // 'not an lzop object (no extension)'
 */
export function skipReason(key: string): string | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot) : '';
  if (extension.toLowerCase() === '.lzo') return undefined;
  return `not an lzop object (${extension === '' ? 'no extension' : `extension ${extension}`}); raw objects are taken by the extension .lzo, any case`;
}

/**
 * Splits a raw listing into the objects ingest takes and those it skips, each in listing order.
 * @param listing objects as listed (anything with a `key`).
 */
export function selectRawObjects<T extends { key: string }>(listing: readonly T[]): { taken: T[]; skipped: SkippedObject[] } {
  const taken: T[] = [];
  const skipped: SkippedObject[] = [];
  for (const object of listing) {
    const reason = skipReason(object.key);
    if (reason === undefined) taken.push(object);
    else skipped.push({ key: object.key, reason });
  }
  return { taken, skipped };
}

/** The raw objects of a raw store: listed, split by {@link selectRawObjects}, read as streams. */
export class RawObjects {
  /** @param store the raw store (client passed in), e.g. `s3://landing/online-retail`. */
  constructor(readonly store: ObjectStore) {}

  /** The objects under `prefix` (default: all), split into those ingest takes and those it skips, each in key order. */
  async select(prefix = ''): Promise<{ taken: ObjectInfo[]; skipped: SkippedObject[] }> {
    return selectRawObjects(await this.store.list(prefix));
  }

  /** The object's bytes in chunks (bounded memory). @throws ObjectNotFoundError on first iteration when missing. */
  stream(key: string): AsyncIterable<Uint8Array> {
    return this.store.getStream(key);
  }

  /** `<raw store uri>/<key>`. */
  uri(key: string): string {
    return objectUri(this.store, key);
  }
}
