/**
 * Streaming gzip reader (RFC 1952): walks the member headers and trailers itself,
 * so it knows where each member ends, and hands the deflate data (RFC 1951) of
 * each member to `node:zlib`'s raw inflater. Compressed chunks in, decompressed
 * chunks of at most {@link GZIP_CHUNK_BYTES} out, pulled as the consumer asks
 * for them, so memory stays bounded whatever the ratio.
 *
 * Layout (RFC 1952 §2.2–2.3, integers little-endian):
 * ```
 * member  := 1f 8b 08(CM deflate) u8 FLG u32 MTIME u8 XFL u8 OS
 *            [u16 XLEN, XLEN bytes]     (FLG.FEXTRA,   bit 2)
 *            [name, 00]                 (FLG.FNAME,    bit 3)
 *            [comment, 00]              (FLG.FCOMMENT, bit 4)
 *            [u16 CRC16 of the header]  (FLG.FHCRC,    bit 1)
 *            deflate data, u32 CRC32 of the content, u32 ISIZE (content length mod 2^32)
 * ```
 * FLG bits 5–7 are reserved and must be zero. Node's own `createGunzip` is not
 * used: it stops without an error at a zero byte after a member, so a member
 * after it, or anything else, was silently dropped.
 */
import { createInflateRaw, type InflateRaw } from 'zlib';
import { ByteReader, exactReads } from './byte-reader';
import { CRC32_INIT, crc32 } from './checksum';
import { CompressedDataError } from './compression';
import type { ContentChecksum } from '../lib/catalog/ledger';

/** Largest decompressed chunk, bytes: 256 KiB, the size of the blocks lzop writes. */
export const GZIP_CHUNK_BYTES = 256 * 1024;

/** The first bytes of every member: ID1, ID2, CM = 8 (deflate). */
const MEMBER_START = [0x1f, 0x8b, 0x08];
/** FLG bits (RFC 1952 §2.3.1). */
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32le = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const hex32 = (n: number) => n.toString(16).padStart(8, '0');

type Fail = (offset: number, problem: string) => never;

/**
 * Decompresses a gzip object: one member or several in a row (RFC 1952 §2.2),
 * each member's CRC-32 and ISIZE checked against its content. The object must
 * end where its last member ends: any byte after it that does not start another
 * member (`1f 8b 08`) is an error, zero bytes included. `gzip -d` accepts zeros
 * there as tape padding, but a zero byte there can as well be the start of lost
 * data (a member appended to the object and zeroed in a crash), and a member
 * after a zero byte is content, which `createGunzip` silently dropped; the zstd
 * and lzop readers likewise refuse bytes after their last frame or member.
 * @param chunks the object's bytes, in chunks of any size.
 * @param options.objectKey named in errors.
 * @returns the decompressed bytes in chunks of at most {@link GZIP_CHUNK_BYTES};
 *   the return value is `['crc32']`, which every member carries.
 * @throws CompressedDataError with the byte offset in the object, for a start
 *   that is not `1f 8b 08` (at byte 0: not gzip; later: bytes after the last
 *   member that are not a member), reserved flag bits, a header CRC16 mismatch,
 *   invalid deflate data (at the start of the member's deflate data; zlib's
 *   message says what), a truncated header, deflate stream or trailer, or a
 *   CRC-32 or ISIZE that does not match the content (the member's content has
 *   been yielded by then: the caller fails the whole object); errors of `chunks`
 *   are rethrown as they are.
 * @example for await (const bytes of readGzip(store.getStream(key), { objectKey: key })) sink(bytes);
 */
export async function* readGzip(chunks: AsyncIterable<Uint8Array>, options: { objectKey: string }): AsyncGenerator<Uint8Array, ContentChecksum[]> {
  const reader = new ByteReader(chunks);
  const fail: Fail = (offset, problem) => {
    throw new CompressedDataError(options.objectKey, 'gzip', problem, offset);
  };
  const readExact = exactReads(reader, fail);
  do {
    await readHeader(reader, readExact, fail);
    const dataAt = reader.offset;
    let crc = CRC32_INIT;
    let size = 0;
    for await (const bytes of inflateMember(reader, dataAt, fail)) {
      crc = crc32(bytes, crc);
      size += bytes.length;
      yield bytes;
    }
    const trailerAt = reader.offset;
    const trailer = await readExact(8, 'member trailer (CRC32, ISIZE)');
    const storedCrc = u32le(trailer, 0);
    if (storedCrc !== crc) fail(trailerAt, `CRC-32 ${hex32(storedCrc)} does not match the member's content (CRC-32 ${hex32(crc)}): the object is corrupt`);
    const storedSize = u32le(trailer, 4);
    if (storedSize !== size % 2 ** 32) fail(trailerAt + 4, `ISIZE ${storedSize} does not match the member's content (${size} bytes): the object is corrupt`);
  } while (!(await reader.atEnd()));
  return ['crc32'];
}

/** Reads and checks one member header, from its first byte to the end of the optional fields; see the layout above. */
async function readHeader(reader: ByteReader, readExact: (n: number, what: string) => Promise<Uint8Array>, fail: Fail): Promise<void> {
  const start = reader.offset;
  const id = await reader.read(MEMBER_START.length);
  if (id.length < MEMBER_START.length || id.some((b, i) => b !== MEMBER_START[i])) {
    fail(start, `${start === 0 ? 'not a gzip member' : 'bytes after the last member that are not a member'}: expected 1f 8b 08, found ${hex(id) || 'no bytes'}`);
  }
  let crc = crc32(id);
  const fixed = await readExact(7, 'member header');
  crc = crc32(fixed, crc);
  const flags = fixed[0];
  if ((flags & FRESERVED) !== 0) fail(start + 3, `reserved flag bits set in FLG ${flags.toString(16).padStart(2, '0')}`);
  if ((flags & FEXTRA) !== 0) {
    const length = await readExact(2, 'member header (XLEN)');
    crc = crc32(await readExact(u16le(length, 0), 'member header (extra field)'), crc32(length, crc));
  }
  for (const [flag, what] of [[FNAME, 'file name'], [FCOMMENT, 'comment']] as const) {
    if ((flags & flag) === 0) continue;
    for (let ended = false; !ended; ) {
      const piece = await reader.peek();
      if (piece.length === 0) fail(reader.offset, `truncated member header: the ${what} has no terminating zero byte before the end of the object`);
      const zero = piece.indexOf(0);
      ended = zero >= 0;
      crc = crc32(await reader.read(ended ? zero + 1 : piece.length), crc);
    }
  }
  if ((flags & FHCRC) !== 0) {
    const at = reader.offset;
    const stored = u16le(await readExact(2, 'member header (CRC16)'), 0);
    if (stored !== (crc & 0xffff)) fail(at, `header CRC16 ${stored.toString(16).padStart(4, '0')} does not match the header (${(crc & 0xffff).toString(16).padStart(4, '0')})`);
  }
}

/**
 * Inflates one member's deflate data, from the reader's position to the end of
 * the deflate stream, leaving the bytes after it (the trailer) unread.
 * @param dataAt offset of the deflate data, named in errors.
 */
async function* inflateMember(reader: ByteReader, dataAt: number, fail: Fail): AsyncGenerator<Uint8Array> {
  const inflater = createInflateRaw({ chunkSize: GZIP_CHUNK_BYTES });
  // An error of the source ends the inflater with it, and the loop below rethrows it.
  const feeding = feed(reader, inflater).catch((e: unknown) => {
    inflater.destroy(e as Error);
  });
  try {
    for await (const bytes of inflater) yield bytes as Buffer;
    await feeding;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') fail(reader.offset, `truncated deflate data: the object ends inside the member's deflate stream (zlib: ${(e as Error).message})`);
    if (typeof code === 'string' && code.startsWith('Z_')) fail(dataAt, `invalid deflate data (zlib: ${(e as Error).message})`);
    throw e;
  } finally {
    // Not awaiting `feeding` here: after an early return its write may wait forever for a read.
    inflater.destroy();
  }
}

/**
 * Writes the reader's bytes to the inflater, a chunk at a time, each once the
 * one before is inflated, until the inflater takes less than a whole chunk (its
 * deflate stream has ended; the bytes it left are read no further) or the
 * object ends (then the inflater is ended, and fails if its stream has not).
 */
async function feed(reader: ByteReader, inflater: InflateRaw): Promise<void> {
  while (!inflater.destroyed) {
    const piece = await reader.peek();
    if (piece.length === 0) {
      inflater.end();
      return;
    }
    const before = inflater.bytesWritten;
    await new Promise<void>((resolve, reject) => inflater.write(piece, (e) => (e ? reject(e) : resolve())));
    const taken = inflater.bytesWritten - before;
    await reader.read(taken);
    if (taken < piece.length) return;
  }
}
