/**
 * What the first bytes of a raw object say it is: its magic number confirms the
 * compression it is read with (`compressionOf`, `lib/catalog/raw-objects.ts`: by
 * `csv.compression`, or by extension under `auto`), so a mislabelled object fails
 * by name instead of being read as something it is not. And the error of gzip
 * and zstd data that cannot be decompressed.
 */
import type { Compression, ObjectCompression } from '../lib/catalog/raw-objects';

/** Bytes {@link sniffFormat} looks at: the longest magic number it knows (lzop's). */
export const SNIFF_BYTES = 9;

/** Magic numbers at the start of an object, with the format they announce. */
const MAGIC: ReadonlyArray<{ format: string; bytes: readonly number[] }> = [
  // lzop 1.04 `src/lzop.c` lzop_magic.
  { format: 'lzop', bytes: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a] },
  // RFC 1952 §2.3.1: ID1 ID2.
  { format: 'gzip', bytes: [0x1f, 0x8b] },
  // RFC 8878 §3.1.1: Magic_Number 0xFD2FB528, little-endian.
  { format: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
  { format: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { format: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { format: 'Parquet', bytes: [0x50, 0x41, 0x52, 0x31] },
];

/**
 * What the first bytes of an object look like.
 * @param head the object's first bytes ({@link SNIFF_BYTES} of them, fewer when it is shorter).
 * @returns a format of a known magic number (`lzop`, `gzip`, `zstd` — a zstd skippable
 *   frame too, RFC 8878 §3.1.2 —, `bzip2`, `xz`, `zip`, `Parquet`); else `text` when the
 *   bytes hold no control character other than tab, CR and LF; `UTF-16LE text` or
 *   `UTF-16BE text` after a UTF-16 byte order mark, or when every second byte is 0
 *   and the others are text; `binary` otherwise; `empty` for no bytes.
 */
export function sniffFormat(head: Uint8Array): string {
  if (head.length === 0) return 'empty';
  for (const { format, bytes } of MAGIC) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return format;
  }
  // RFC 8878 §3.1.2: skippable frames start 0x184D2A5?, little-endian.
  if (head.length >= 4 && (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) return 'zstd';
  const isText = (b: number) => (b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) && b !== 0x7f;
  if (head.every(isText)) return 'text';
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'UTF-16LE text';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'UTF-16BE text';
  const even = head.length - (head.length % 2);
  if (even >= 2 && head.subarray(0, even).every((b, i) => (i % 2 === 1 ? b === 0 : isText(b)))) return 'UTF-16LE text';
  return 'binary';
}

/** What {@link sniffFormat} calls text, in any encoding: what an uncompressed object may hold. */
const TEXT_FORMATS = new Set(['text', 'UTF-16LE text', 'UTF-16BE text', 'empty']);

/** A raw object whose first bytes are not those of the compression it is read with. */
export class CompressionMismatchError extends Error {
  /**
   * @param objectKey the raw object.
   * @param expected the compression it is read with.
   * @param basis why (see {@link ObjectCompression}).
   * @param found what its bytes look like ({@link sniffFormat}).
   * @param head its first bytes.
   */
  constructor(readonly objectKey: string, readonly expected: Compression, readonly basis: string, readonly found: string, head: Uint8Array) {
    super(`${objectKey}: ${basis} says ${expected === 'none' ? 'uncompressed CSV' : expected}, but the bytes look like ${describe(found)} (starting ${startOf(found, head)})`);
    this.name = 'CompressionMismatchError';
  }
}

const describe = (found: string) => (found === 'text' ? 'plain text' : found === 'binary' ? 'binary data of no known format' : found === 'empty' ? 'nothing (the object is empty)' : found);

/** The first bytes as text when they are text, else as hex. */
function startOf(found: string, head: Uint8Array): string {
  if (found === 'empty') return 'no bytes';
  if (found === 'text') return JSON.stringify(Buffer.from(head).toString('utf8'));
  return Buffer.from(head).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/**
 * Checks that an object's first bytes fit the compression it is read with. An
 * object read as gzip or zstd must start with that format's magic number; one read
 * as uncompressed must not start with the magic number of a compressed or binary
 * format. One read as lzop must not start with another known format's magic; any
 * other wrong start is reported by the lzop reader itself (`LzopFormatError`).
 * @param head the object's first {@link SNIFF_BYTES} bytes (fewer when it is shorter).
 * @throws CompressionMismatchError naming the object, the compression and its basis, and what the bytes look like.
 */
export function checkMagic(objectKey: string, how: ObjectCompression, head: Uint8Array): void {
  const found = sniffFormat(head);
  const ok = how.compression === 'none' ? TEXT_FORMATS.has(found)
    : how.compression === 'lzop' ? found === 'lzop' || found === 'text' || found === 'binary' || found === 'empty'
      : found === how.compression;
  if (!ok) throw new CompressionMismatchError(objectKey, how.compression, how.basis, found, head);
}

/** A gzip or zstd object that cannot be decompressed: corrupt, truncated, or using a feature ingest does not read. */
export class CompressedDataError extends Error {
  /**
   * @param objectKey the raw object.
   * @param format `gzip` or `zstd`.
   * @param problem what is wrong, e.g. `unexpected end of file`.
   * @param offset byte offset in the compressed object where it was found, when known.
   */
  constructor(readonly objectKey: string, readonly format: 'gzip' | 'zstd', readonly problem: string, readonly offset?: number) {
    super(`${objectKey}: ${format} data cannot be read${offset === undefined ? '' : ` at byte ${offset}`}: ${problem}`);
    this.name = 'CompressedDataError';
  }
}
