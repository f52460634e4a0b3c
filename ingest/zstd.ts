/**
 * Streaming Zstandard reader (RFC 8878): walks the frame and block headers
 * itself, to refuse a window or block over the limits before anything is
 * allocated for it, and hands each block to the `fzstd` decoder (pure
 * JavaScript; Node 20's zlib has no zstd). One block, at most 128 KiB
 * decompressed, is in memory at a time, plus the frame's window.
 *
 * Layout (RFC 8878 §3.1, integers little-endian):
 * ```
 * frame      := magic(28 B5 2F FD) header block* [u32 content_checksum]
 * header     := u8 descriptor, [u8 window_descriptor], [dictionary_id], [frame_content_size]
 *               descriptor: bits 7-6 content-size flag, 5 single segment, 3 reserved (0),
 *                           2 checksum flag, 1-0 dictionary-id flag
 * block      := u24 header (bit 0 last, bits 2-1 type: raw | RLE | compressed | reserved,
 *               bits 23-3 size), then size bytes (raw, compressed) or 1 byte (RLE)
 * skippable  := u32 0x184D2A50..5F, u32 size, size bytes
 * ```
 * Frames of either kind may follow each other. The optional content checksum
 * (low 32 bits of XXH64 of the frame's content) is verified here (`xxh64.ts`):
 * `fzstd` does not compute it.
 *
 * `fzstd` (0.1.1) loops forever on some corrupt blocks (FSE-compressed Huffman
 * weights whose table spends no bits on a symbol: the weights loop never reaches
 * the end of its bit stream). So the reader hands the decoder its bytes in calls
 * of up to {@link BLOCKS_PER_CALL} blocks, each under a time limit (`node:vm`'s
 * `timeout`, which stops the running code from a watchdog thread), and a call
 * that runs over it fails the object as corrupt.
 */
import { createContext, Script } from 'node:vm';
import { Decompress } from 'fzstd';
import { ByteReader, exactReads } from './byte-reader';
import { CompressedDataError } from './compression';
import { Xxh64 } from './xxh64';
import type { ContentChecksum } from '../lib/catalog/ledger';

/**
 * Default largest window, bytes: 8 MiB. RFC 8878 §3.1.1.1.2 recommends decoders
 * accept windows of at least 8 MB, and `zstd` levels 1 to 19 write no larger ones;
 * the decoder keeps (and shifts) one window per frame, so this bounds its memory.
 */
export const DEFAULT_MAX_ZSTD_WINDOW = 8 * 1024 * 1024;

/** Largest block (RFC 8878 §3.1.1.2.3, Block_Maximum_Size is min(Window_Size, 128 KiB)). */
const MAX_BLOCK = 128 * 1024;

/** Skippable frames are read in pieces of this many bytes. */
const SKIP_PIECE = 64 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Blocks handed to the decoder in one call. Each call starts a watchdog thread
 * (about 0.1–0.3 ms), and the output of its blocks (at most 128 KiB each) is
 * held until the call returns.
 */
const BLOCKS_PER_CALL = 8;

/**
 * Default time limit of one call into the decoder, ms: 10 s, for work of a few
 * milliseconds ({@link BLOCKS_PER_CALL} blocks): it only ends decoding that cannot end.
 */
export const DEFAULT_ZSTD_DECODE_TIMEOUT_MS = 10_000;

/**
 * One call into the decoder, run in a context holding `decoder`, `pieces` and
 * `final`: it pushes the pieces in order, and `done` counts those pushed, so a
 * failure names its piece.
 */
const PUSH = new Script('for (done = 0; done < pieces.length; done++) decoder.push(pieces[done], final && done === pieces.length - 1);');

export interface ZstdReadOptions {
  /** Key of the object, named in every error. */
  objectKey: string;
  /** Largest accepted Window_Size in bytes; {@link DEFAULT_MAX_ZSTD_WINDOW} by default. */
  maxWindowSize?: number;
  /** Time limit of one call into the decoder, ms; {@link DEFAULT_ZSTD_DECODE_TIMEOUT_MS} by default. */
  decodeTimeoutMs?: number;
}

const u32le = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');

/** Little-endian unsigned integer of `b` (up to 8 bytes; exact up to 2^53). */
function uintLe(b: Uint8Array, from: number, length: number): number {
  let v = 0;
  for (let i = length - 1; i >= 0; i--) v = v * 256 + b[from + i];
  return v;
}

/**
 * Decompresses a Zstandard object, yielding each block's decompressed bytes in
 * order (concatenated and skippable frames included).
 * @param chunks the object's bytes, in chunks of any size.
 * @returns the blocks; the return value is `['xxh64']` when there are frames
 *   (skippable ones aside) and every one carries a content checksum, else empty.
 * @throws CompressedDataError on a wrong magic number, a reserved header bit or
 *   block type, a frame that needs a dictionary, a window over `maxWindowSize`, a
 *   block over Block_Maximum_Size, a truncated frame, bytes after the last frame
 *   that are not another frame, data the decoder finds invalid, or a content
 *   checksum that does not match the frame's content (the frame's blocks have
 *   been yielded by then: the caller fails the whole object), or a call into the
 *   decoder that runs over `decodeTimeoutMs` (named by the block it stopped in).
 * @example for await (const block of readZstd(store.getStream(key), { objectKey: key })) sink(block);
 */
export async function* readZstd(chunks: AsyncIterable<Uint8Array>, options: ZstdReadOptions): AsyncGenerator<Uint8Array, ContentChecksum[]> {
  const reader = new ByteReader(chunks);
  let frames = 0;
  let checkedEverywhere = true;
  const maxWindow = options.maxWindowSize ?? DEFAULT_MAX_ZSTD_WINDOW;
  const out: Uint8Array[] = [];
  const fail = (offset: number, problem: string): never => {
    throw new CompressedDataError(options.objectKey, 'zstd', problem, offset);
  };
  const readExact = exactReads(reader, fail);
  const timeout = options.decodeTimeoutMs ?? DEFAULT_ZSTD_DECODE_TIMEOUT_MS;
  const newDecoder = () => new Decompress((data) => {
    if (data.length > 0) out.push(data);
  });
  const call = { decoder: newDecoder(), pieces: [] as Uint8Array[], done: 0, final: false };
  createContext(call);
  /** Object offset of each piece in `call.pieces`. */
  const offsets: number[] = [];
  let blocks = 0;
  /** Queues `bytes` (at `offset` in the object) for the next {@link flush}. */
  const feed = (bytes: Uint8Array, offset: number) => {
    call.pieces.push(bytes);
    offsets.push(offset);
  };
  /**
   * Pushes the queued pieces to the decoder in one call; its output is then in
   * `out`. `final` ends the frame: the decoder holds back input until it has
   * enough to parse (a frame header, say), so only then is all of the frame's
   * content out.
   */
  const flush = (final = false) => {
    call.final = final;
    try {
      PUSH.runInContext(call, { timeout });
    } catch (e) {
      const at = offsets[Math.min(call.done, offsets.length - 1)];
      if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        fail(at, `the decoder ran for more than ${timeout} ms, which valid data never needs: the block is corrupt`);
      }
      fail(at, `invalid data (${(e as Error).message})`);
    } finally {
      call.pieces = [];
      offsets.length = 0;
      blocks = 0;
    }
  };

  do {
    const start = reader.offset;
    const magic = await readExact(4, 'frame magic number');
    const m = u32le(magic, 0);
    if ((m & 0xfffffff0) >>> 0 === 0x184d2a50) {
      // A skippable frame: its bytes are not the content, and the decoder never sees them.
      for (let left = u32le(await readExact(4, 'skippable frame size'), 0); left > 0; ) left -= (await readExact(Math.min(left, SKIP_PIECE), 'skippable frame')).length;
      continue;
    }
    if (m !== ZSTD_MAGIC) fail(start, `${start === 0 ? 'not a zstd frame' : 'bytes after the last frame that are not a frame'}: expected 28 b5 2f fd, found ${hex(magic)}`);
    // One decoder per frame, so that no frame's content is held back into the next.
    call.decoder = newDecoder();
    frames++;
    feed(magic, start);
    const descriptorAt = reader.offset;
    const descriptor = (await readExact(1, 'frame header'))[0];
    const single = (descriptor >> 5) & 1;
    if ((descriptor & 0x08) !== 0) fail(descriptorAt, 'reserved bit 3 of the frame header descriptor is set');
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3];
    const sizeBytes = [single, 2, 4, 8][descriptor >> 6];
    const header = await readExact(1 - single + dictionaryBytes + sizeBytes, 'frame header');
    feed(Uint8Array.of(descriptor), descriptorAt);
    feed(header, descriptorAt + 1);
    const dictionary = uintLe(header, 1 - single, dictionaryBytes);
    if (dictionary !== 0) fail(descriptorAt, `the frame needs dictionary ${dictionary}; frames compressed with a dictionary are not supported`);
    let window: number;
    if (single === 1) {
      window = uintLe(header, dictionaryBytes, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
    } else {
      const exponent = header[0] >> 3;
      const base = 2 ** (10 + exponent);
      window = base + (base / 8) * (header[0] & 7);
    }
    if (window > maxWindow) fail(descriptorAt, `window of ${window} bytes over the limit of ${maxWindow} bytes (zstd --long or --ultra levels write such frames)`);
    const maxBlock = Math.min(window, MAX_BLOCK);
    const hash = (descriptor & 0x04) !== 0 ? new Xxh64() : undefined;
    checkedEverywhere &&= hash !== undefined;
    /** Hands the decoder's output so far to the hash and returns it. */
    const produced = () => {
      const pieces = out.splice(0);
      for (const piece of pieces) hash?.update(piece);
      return pieces;
    };
    for (let last = false; !last; ) {
      const at = reader.offset;
      const blockHeader = await readExact(3, 'block header');
      const v = blockHeader[0] | (blockHeader[1] << 8) | (blockHeader[2] << 16);
      last = (v & 1) === 1;
      const type = (v >> 1) & 3;
      const size = v >>> 3;
      if (type === 3) fail(at, 'reserved block type 3');
      if (size > maxBlock) fail(at, `block of ${size} bytes over Block_Maximum_Size ${maxBlock}`);
      const content = await readExact(type === 1 ? 1 : size, `block (block at byte ${at})`);
      const block = new Uint8Array(3 + content.length);
      block.set(blockHeader);
      block.set(content, 3);
      feed(block, at);
      if (++blocks < BLOCKS_PER_CALL || last) continue;
      flush();
      yield* produced();
    }
    const checksumAt = reader.offset;
    const stored = hash ? await readExact(4, 'content checksum') : undefined;
    if (stored) feed(stored, checksumAt);
    feed(new Uint8Array(0), reader.offset);
    flush(true);
    yield* produced();
    if (hash && stored) {
      const computed = hash.low32();
      if (computed !== u32le(stored, 0)) {
        fail(checksumAt, `content checksum ${hex(stored)} does not match the frame's content (XXH64 low 32 bits ${computed.toString(16).padStart(8, '0')}): the object is corrupt`);
      }
    }
  } while (!(await reader.atEnd()));
  return frames > 0 && checkedEverywhere ? ['xxh64'] : [];
}
