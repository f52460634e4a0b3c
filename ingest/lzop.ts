/**
 * Streaming reader of the lzop container (lzop 1.04, `src/lzop.c` `read_header`
 * / `write_header` and `src/p_lzo.c` `lzo_decompress`), from a stream of byte
 * chunks to the decompressed blocks, one block in memory at a time.
 *
 * Layout (all integers big-endian):
 * ```
 * member  := magic header block* u32(0)          ; several members may follow each other
 * magic   := 89 4C 5A 4F 00 0D 0A 1A 0A
 * header  := u16 version, u16 lib_version,
 *            [u16 version_needed_to_extract]     ; version >= 0x0940
 *            u8 method, [u8 level]               ; level when version >= 0x0940
 *            u32 flags, [u32 filter]             ; filter when flags & F_H_FILTER
 *            u32 mode, u32 mtime_low, [u32 mtime_high] ; mtime_high when version >= 0x0940
 *            u8 name_len, name_len bytes name,
 *            u32 checksum                        ; of the header bytes from version to name:
 *                                                ; adler32, or crc32 with F_H_CRC32
 *            [u32 extra_len, extra_len bytes, u32 checksum] ; with F_H_EXTRA_FIELD
 * block   := u32 dst_len (0 ends the member), u32 src_len,
 *            [u32 adler32_d] [u32 crc32_d]       ; of the decompressed bytes, F_ADLER32_D / F_CRC32_D
 *            [u32 adler32_c] [u32 crc32_c]       ; of the compressed bytes, F_ADLER32_C / F_CRC32_C,
 *                                                ; only when src_len < dst_len
 *            src_len bytes                       ; stored as is when src_len == dst_len
 * ```
 */
import { ByteReader } from './byte-reader';
import { ADLER32_INIT, CRC32_INIT, adler32, crc32 } from './checksum';
import { CodecRegistry } from './codec';
import type { ContentChecksum } from '../lib/catalog/ledger';

/** The 9 magic bytes that open every lzop member. */
export const LZOP_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a);

/** Header flag bits (lzop 1.04 `src/conf.h`). */
export const LZOP_FLAGS = {
  adler32D: 0x0001,
  adler32C: 0x0002,
  stdin: 0x0004,
  stdout: 0x0008,
  nameDefault: 0x0010,
  dosish: 0x0020,
  extraField: 0x0040,
  gmtDiff: 0x0080,
  crc32D: 0x0100,
  crc32C: 0x0200,
  multipart: 0x0400,
  filter: 0x0800,
  crc32Header: 0x1000,
  path: 0x2000,
  /** Bits no lzop version defines (`F_RESERVED`): neither `F_MASK` (0x3FFF), the OS byte nor the charset nibble. */
  reserved: 0x000fc000,
} as const;

/** lzop version this reader implements (`LZOP_VERSION`); newer `version_needed_to_extract` is refused. */
const LZOP_VERSION = 0x1040;
/** Oldest container version lzop 1.04 still reads. */
const LZOP_MIN_VERSION = 0x0900;
/** Header layout gained `version_needed_to_extract`, `level` and `mtime_high` in this version. */
const LZOP_VERSION_0940 = 0x0940;
/**
 * Default largest block, bytes: 1 MiB, the decompression-bomb guard. lzop 1.04
 * writes blocks of `BLOCK_SIZE` = 256 KiB (`src/conf.h`) and, as built by Debian,
 * refuses to read a larger one ("block size too small -- recompile lzop"; its
 * format limit `MAX_BLOCK_SIZE` is 64 MiB). 1 MiB is 4× that, room for an lzop
 * built with a larger `BLOCK_SIZE` or another writer with larger buffers. Parsing a block takes up to some 40 times its
 * size (a block of newlines is one record per byte, each with its offsets and
 * reject row), so a 64 MiB block took over 2 GB and a 1 MiB one takes tens of
 * MiB. Set `maxBlockSize` to accept larger blocks.
 */
export const DEFAULT_MAX_BLOCK_SIZE = 1024 * 1024;

/** A malformed, corrupt or unsupported lzop object. */
export class LzopFormatError extends Error {
  /**
   * @param objectKey the object being read.
   * @param offset byte offset in the (compressed) object where the bad field starts.
   * @param problem what is wrong, e.g. `header checksum mismatch`.
   * @param expected what the format requires there.
   * @param found what the object holds.
   */
  constructor(
    readonly objectKey: string,
    readonly offset: number,
    readonly problem: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${objectKey}: ${problem} at byte ${offset}: expected ${expected}, found ${found}`);
    this.name = 'LzopFormatError';
  }
}

/** The fields of one member header that matter to a reader. */
export interface LzopHeader {
  version: number;
  versionNeeded: number;
  method: number;
  level: number;
  flags: number;
  /** Stored file name (latin1 bytes as text), often empty. */
  name: string;
  /** Byte offset of the member's magic in the object. */
  offset: number;
}

export interface LzopReadOptions {
  /** Key of the object, named in every error. */
  objectKey: string;
  /** Block codecs by lzop method id. */
  codecs: CodecRegistry;
  /** Largest accepted dst_len in bytes; {@link DEFAULT_MAX_BLOCK_SIZE} by default. */
  maxBlockSize?: number;
  /** Called with each member header as it is read (for lineage or logs). */
  onHeader?: (header: LzopHeader) => void;
}

const hex = (n: number, digits = 8) => `0x${n.toString(16).padStart(digits, '0')}`;
const u16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

/**
 * Decompresses an lzop object, yielding each block's decompressed bytes in order
 * (concatenated members included). Every checksum present is verified; a mismatch
 * reports the stored checksum as expected and the computed one as found.
 *
 * @param chunks the object's bytes, in chunks of any size.
 * @returns the blocks; the return value is the checksums of the decompressed
 *   bytes that the members carry (`adler32`, `crc32`: F_ADLER32_D, F_CRC32_D),
 *   empty when a member has neither (`lzop -F`). Checksums of the compressed
 *   bytes alone do not count: a stored block has none.
 * @throws LzopFormatError on a wrong magic, an unsupported version, unknown method
 *   or flag bits, a header or block checksum mismatch, a truncated header or block,
 *   a block over `maxBlockSize`, `src_len > dst_len`, a block the codec cannot
 *   decode to exactly `dst_len` bytes (whether or not the object has checksums),
 *   or bytes after the last member that are not another member.
 * @example
 * for await (const block of readLzop(store.getStream(key), { objectKey: key, codecs })) sink(block);
 */
export async function* readLzop(chunks: AsyncIterable<Uint8Array>, options: LzopReadOptions): AsyncGenerator<Uint8Array, ContentChecksum[]> {
  const reader = new ByteReader(chunks);
  let covered = true;
  const used = new Set<ContentChecksum>();
  const maxBlock = options.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE;
  const fail = (offset: number, problem: string, expected: string, found: string): never => {
    throw new LzopFormatError(options.objectKey, offset, problem, expected, found);
  };
  const readExact = async (n: number, what: string): Promise<Uint8Array> => {
    const at = reader.offset;
    const bytes = await reader.read(n);
    if (bytes.length < n) fail(at, `truncated ${what}`, `${n} bytes`, `${bytes.length} bytes before the end of the object`);
    return bytes;
  };

  do {
    const header = await readHeader(reader, readExact, fail, options);
    options.onHeader?.(header);
    const codec = options.codecs.get(header.method);
    if (codec === undefined) {
      fail(header.offset + 9 + 4 + (header.version >= LZOP_VERSION_0940 ? 2 : 0), 'unknown method',
        `one of ${options.codecs.methods().join(', ')}`, String(header.method));
    }
    const flags = header.flags;
    if ((flags & LZOP_FLAGS.adler32D) !== 0) used.add('adler32');
    if ((flags & LZOP_FLAGS.crc32D) !== 0) used.add('crc32');
    covered &&= (flags & (LZOP_FLAGS.adler32D | LZOP_FLAGS.crc32D)) !== 0;
    for (;;) {
      const at = reader.offset;
      const dstLen = u32(await readExact(4, 'block header (dst_len)'), 0);
      if (dstLen === 0) break;
      if (dstLen === 0xffffffff) fail(at, 'split (multi-part) lzop file', 'dst_len < 0xffffffff', hex(dstLen));
      if (dstLen > maxBlock) fail(at, 'block size over the limit', `dst_len <= ${maxBlock}`, String(dstLen));
      const srcLen = u32(await readExact(4, 'block header (src_len)'), 0);
      if (srcLen === 0 || srcLen > dstLen) fail(at + 4, 'bad compressed block size', `0 < src_len <= dst_len (${dstLen})`, String(srcLen));
      const compressed = srcLen < dstLen;
      const nChecks = ((flags & LZOP_FLAGS.adler32D) !== 0 ? 1 : 0) + ((flags & LZOP_FLAGS.crc32D) !== 0 ? 1 : 0)
        + (compressed ? ((flags & LZOP_FLAGS.adler32C) !== 0 ? 1 : 0) + ((flags & LZOP_FLAGS.crc32C) !== 0 ? 1 : 0) : 0);
      const checkAt = reader.offset;
      const checks = await readExact(4 * nChecks, 'block checksums');
      let c = 0;
      const dAdler = (flags & LZOP_FLAGS.adler32D) !== 0 ? u32(checks, 4 * c++) : undefined;
      const dCrc = (flags & LZOP_FLAGS.crc32D) !== 0 ? u32(checks, 4 * c++) : undefined;
      const cAdler = compressed && (flags & LZOP_FLAGS.adler32C) !== 0 ? u32(checks, 4 * c++) : undefined;
      const cCrc = compressed && (flags & LZOP_FLAGS.crc32C) !== 0 ? u32(checks, 4 * c++) : undefined;
      const dataAt = reader.offset;
      const src = await readExact(srcLen, `block data (block at byte ${at})`);
      const verify = (bytes: Uint8Array, want: number | undefined, fn: typeof adler32, init: number, what: string) => {
        if (want === undefined) return;
        const got = fn(bytes, init);
        if (got !== want) fail(checkAt, `${what} mismatch (block at byte ${at})`, hex(want), hex(got));
      };
      let out: Uint8Array;
      if (compressed) {
        verify(src, cAdler, adler32, ADLER32_INIT, 'adler32 of compressed block');
        verify(src, cCrc, crc32, CRC32_INIT, 'crc32 of compressed block');
        try {
          out = codec!.decompress(src, dstLen);
        } catch (e) {
          return fail(dataAt, `corrupt compressed data (block at byte ${at}, ${codec!.name}: ${(e as Error).message})`, `a valid stream of exactly ${dstLen} bytes`, `${srcLen} bytes that do not decode to it`);
        }
        if (out.length !== dstLen) fail(dataAt, 'decompressed block size mismatch', `${dstLen} bytes`, `${out.length} bytes`);
      } else {
        out = src.slice();
      }
      verify(out, dAdler, adler32, ADLER32_INIT, 'adler32 of decompressed block');
      verify(out, dCrc, crc32, CRC32_INIT, 'crc32 of decompressed block');
      yield out;
    }
  } while (!(await reader.atEnd()));
  return covered ? (['adler32', 'crc32'] as const).filter((c) => used.has(c)) : [];
}

type ReadExact = (n: number, what: string) => Promise<Uint8Array>;
type Fail = (offset: number, problem: string, expected: string, found: string) => never;

/** Reads and checks one member header, starting at the magic; see the layout above. */
async function readHeader(reader: ByteReader, readExact: ReadExact, fail: Fail, options: LzopReadOptions): Promise<LzopHeader> {
  const start = reader.offset;
  const magic = await reader.read(LZOP_MAGIC.length);
  if (magic.length < LZOP_MAGIC.length || magic.some((b, i) => b !== LZOP_MAGIC[i])) {
    const found = Buffer.from(magic).toString('hex').replace(/(..)(?!$)/g, '$1 ') || 'no bytes';
    fail(start, start === 0 ? 'not an lzop file (wrong magic)' : 'trailing garbage after the last lzop member',
      '89 4c 5a 4f 00 0d 0a 1a 0a', found);
  }
  // Collect the checksummed header bytes (version .. name) as they are read.
  const parts: Uint8Array[] = [];
  const take = async (n: number, what: string) => {
    const b = (await readExact(n, `header (${what})`)).slice();
    parts.push(b);
    return b;
  };
  const versionAt = reader.offset;
  const v = await take(4, 'version');
  const version = u16(v, 0);
  if (version < LZOP_MIN_VERSION) fail(versionAt, 'unsupported lzop version', `>= ${hex(LZOP_MIN_VERSION, 4)}`, hex(version, 4));
  let versionNeeded = version;
  if (version >= LZOP_VERSION_0940) {
    const at = reader.offset;
    versionNeeded = u16(await take(2, 'version_needed_to_extract'), 0);
    if (versionNeeded > LZOP_VERSION || versionNeeded < LZOP_MIN_VERSION) {
      fail(at, 'unsupported version_needed_to_extract', `${hex(LZOP_MIN_VERSION, 4)}..${hex(LZOP_VERSION, 4)}`, hex(versionNeeded, 4));
    }
  }
  const method = (await take(1, 'method'))[0];
  const level = version >= LZOP_VERSION_0940 ? (await take(1, 'level'))[0] : 0;
  const flagsAt = reader.offset;
  const flags = u32(await take(4, 'flags'), 0);
  if ((flags & LZOP_FLAGS.reserved) !== 0) fail(flagsAt, 'unknown flag bits', `none of ${hex(LZOP_FLAGS.reserved)}`, hex(flags));
  if ((flags & LZOP_FLAGS.multipart) !== 0) fail(flagsAt, 'unsupported multi-part flag', 'F_MULTIPART clear', hex(flags));
  if ((flags & LZOP_FLAGS.filter) !== 0) {
    const at = reader.offset;
    const filter = u32(await take(4, 'filter'), 0);
    if (filter !== 0) fail(at, 'unsupported filter', 'filter 0', String(filter));
  }
  await take(version >= LZOP_VERSION_0940 ? 12 : 8, 'mode and mtime');
  const nameLen = (await take(1, 'name length'))[0];
  const name = Buffer.from(await take(nameLen, 'name')).toString('latin1');
  const useCrc = (flags & LZOP_FLAGS.crc32Header) !== 0;
  let sum = useCrc ? CRC32_INIT : ADLER32_INIT;
  for (const p of parts) sum = useCrc ? crc32(p, sum) : adler32(p, sum);
  const sumAt = reader.offset;
  const stored = u32(await readExact(4, 'header (checksum)'), 0);
  if (stored !== sum) fail(sumAt, `header ${useCrc ? 'crc32' : 'adler32'} mismatch`, hex(stored), hex(sum));
  if ((flags & LZOP_FLAGS.extraField) !== 0) {
    const lenBytes = await readExact(4, 'extra field length');
    const extraLen = u32(lenBytes, 0);
    if (extraLen > (options.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE)) fail(reader.offset - 4, 'extra field over the limit', `<= ${options.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE} bytes`, String(extraLen));
    const extra = await readExact(extraLen, 'extra field');
    const extraSum = useCrc ? crc32(extra, crc32(lenBytes)) : adler32(extra, adler32(lenBytes));
    const at = reader.offset;
    const storedExtra = u32(await readExact(4, 'extra field checksum'), 0);
    if (storedExtra !== extraSum) fail(at, 'extra field checksum mismatch', hex(storedExtra), hex(extraSum));
  }
  return { version, versionNeeded, method, level, flags, name, offset: start };
}
