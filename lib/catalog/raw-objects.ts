/**
 * The raw objects: the landing store (bucket or folder) ingest reads, kept
 * apart from the lake, and which of them ingest takes: those whose key matches
 * the data set's `raw.pattern` glob (case-insensitive; `**` spans folders, a
 * leading `**\/` none too), unless `csv.compression: auto` finds the extension
 * of a compression ingest does not read (`.bz2`, `.zip`, …). How each is read
 * follows from `csv.compression` and the extension ({@link compressionOf}); ingest
 * checks the content by its magic number (`ingest/compression.ts`), so a
 * mislabelled object fails by name instead of being read. Every other object is
 * skipped with a reason that the caller logs and records, never silently.
 */
import picomatch from 'picomatch';
import type { CompressionSetting, DatasetConfig } from '../config-types';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { objectUri } from './uri';

/** A compression ingest reads: the data-set setting `csv.compression` less `auto`. */
export type Compression = Exclude<CompressionSetting, 'auto'>;

/** How one raw object is read, and on what grounds (named in errors). */
export interface ObjectCompression {
  compression: Compression;
  /** Why, e.g. `the extension .gz`, `csv.compression: gzip`, `no compression extension (.csv)`. */
  basis: string;
}

/** Extensions `auto` reads, lower case. */
const BY_EXTENSION: Readonly<Record<string, Compression>> = { '.lzo': 'lzop', '.gz': 'gzip', '.zst': 'zstd' };

/** Extensions of compressions (and archives) ingest does not read, lower case: `auto` skips such objects. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  '.bz2': 'bzip2',
  '.xz': 'xz',
  '.lzma': 'lzma',
  '.lz': 'lzip',
  '.lz4': 'lz4',
  '.br': 'brotli',
  '.sz': 'snappy',
  '.snappy': 'snappy',
  '.z': 'compress (LZW)',
  '.zip': 'zip',
  '.7z': '7-Zip',
  '.tar': 'tar',
  '.tgz': 'tar + gzip',
};

/** The extension of a key's last segment (`.gz` of `a/b.csv.gz`), or '' when it has none. */
export function extensionOf(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}

/**
 * How raw object `key` is read under `setting` (`csv.compression`).
 * @returns the compression and its basis, or `{ unsupported }` (a reason) for an
 *   extension of a compression ingest does not read, under `auto` only: a
 *   compression named in the configuration applies to every object.
 * @example compressionOf('2011-01.csv.lzo', 'auto') // { compression: 'lzop', basis: 'the extension .lzo' }
 * @example compressionOf('orders.csv', 'auto') // { compression: 'none', basis: 'no compression extension (.csv)' }
 * @example compressionOf('orders.csv.bz2', 'auto') // { unsupported: 'unsupported compression bzip2 (extension .bz2); …' }
 */
export function compressionOf(key: string, setting: CompressionSetting): ObjectCompression | { unsupported: string } {
  if (setting !== 'auto') return { compression: setting, basis: `csv.compression: ${setting}` };
  const extension = extensionOf(key);
  const lower = extension.toLowerCase();
  const known = BY_EXTENSION[lower];
  if (known !== undefined) return { compression: known, basis: `the extension ${extension}` };
  const other = UNSUPPORTED[lower];
  if (other !== undefined) {
    return { unsupported: `unsupported compression ${other} (extension ${extension}); csv.compression reads lzop (.lzo), gzip (.gz), zstd (.zst) or none` };
  }
  return { compression: 'none', basis: `no compression extension (${extension === '' ? 'none' : extension})` };
}

/** What of the data-set configuration selects raw objects: `raw.pattern` and `csv.compression` (a `DatasetConfig` is one). */
export interface RawSelection {
  raw: Pick<DatasetConfig['raw'], 'pattern'>;
  csv: Pick<DatasetConfig['csv'], 'compression'>;
}

/** An object under the raw prefix that ingest does not take, and why. */
export interface SkippedObject {
  key: string;
  /** e.g. `does not match raw.pattern "**\/*.csv*"`. */
  reason: string;
  /** Set when it is skipped because it cannot be read (`ObjectInfo.unreadable`), not by the selection. */
  unreadable?: true;
}

/**
 * A check of raw object keys against the data set's selection.
 * @param selection the data-set configuration (or its `raw.pattern` and `csv.compression`).
 * @returns for a key, why ingest skips it, or undefined when it takes it.
 * @example skipReason(config)('2011-01.CSV.LZO') // undefined, with the default raw.pattern **\/*.csv*
 * @example skipReason(config)('notes/readme.txt') // 'does not match raw.pattern "**\/*.csv*" (case-insensitive)'
 * @example skipReason(config)('x.csv.bz2') // 'unsupported compression bzip2 (extension .bz2); …', with csv.compression: auto
 */
export function skipReason(selection: RawSelection): (key: string) => string | undefined {
  const pattern = selection.raw.pattern;
  const matches = picomatch(pattern, { nocase: true });
  return (key) => {
    if (!matches(key)) return `does not match raw.pattern ${JSON.stringify(pattern)} (case-insensitive)`;
    const how = compressionOf(key, selection.csv.compression);
    return 'unsupported' in how ? how.unsupported : undefined;
  };
}

/**
 * Splits a raw listing into the objects ingest takes and those it skips, each in listing order.
 * @param listing objects as listed (anything with a `key`).
 * @param selection the data-set configuration (or its `raw.pattern` and `csv.compression`).
 */
export function selectRawObjects<T extends { key: string; unreadable?: string }>(listing: readonly T[], selection: RawSelection): { taken: T[]; skipped: SkippedObject[] } {
  const why = skipReason(selection);
  const taken: T[] = [];
  const skipped: SkippedObject[] = [];
  for (const object of listing) {
    const reason = why(object.key);
    if (reason !== undefined) skipped.push({ key: object.key, reason });
    else if (object.unreadable !== undefined) skipped.push({ key: object.key, reason: `cannot be read: ${object.unreadable}`, unreadable: true });
    else taken.push(object);
  }
  return { taken, skipped };
}

/** The raw objects of a raw store: listed, split by {@link selectRawObjects}, read as streams. */
export class RawObjects {
  /** @param store the raw store (client passed in), e.g. `s3://landing/online-retail`. */
  constructor(readonly store: ObjectStore) {}

  /**
   * The objects under `prefix` (default: all), split into those ingest takes and those it skips, each in key order.
   * @param selection the data-set configuration (or its `raw.pattern` and `csv.compression`).
   */
  async select(selection: RawSelection, prefix = ''): Promise<{ taken: ObjectInfo[]; skipped: SkippedObject[] }> {
    return selectRawObjects(await this.store.list(prefix), selection);
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
