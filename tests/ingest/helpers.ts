/** Test helpers shared by the ingest tests: chunked sources and fixture paths. */
import { readFileSync } from 'fs';
import { join } from 'path';

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const DATA = join(__dirname, '..', '..', 'data', 'online-retail');

export function fixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, ...parts)));
}

/** Feeds `bytes` as chunks of `size` bytes (the last may be shorter), each a fresh copy. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

/** Collects an async iterable of byte chunks into one array. */
export async function concatBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * A hand-made LZO1X stream (format in `ingest/lzo1x.ts`): `prefix` as one literal
 * run (1..238 bytes), its last byte `repeat` more times (an M3 match at distance 1,
 * `repeat` >= 3), then `tail` (0..3 literal bytes) and the end marker. Compresses
 * about 255:1, as a decompression bomb does.
 */
export function lzo1xRun(prefix: Uint8Array, repeat: number, tail = new Uint8Array(0)): Uint8Array {
  const n = repeat - 2;
  const zeros = n <= 31 ? 0 : Math.floor((n - 32) / 255);
  const length = n <= 31 ? Uint8Array.of(0x20 | n) : Buffer.concat([Uint8Array.of(0x20), new Uint8Array(zeros), Uint8Array.of(n - 31 - 255 * zeros)]);
  return Buffer.concat([Uint8Array.of(17 + prefix.length), prefix, length, Uint8Array.of(tail.length, 0x00), tail, Uint8Array.of(0x11, 0x00, 0x00)]);
}

/** An lzop object of one member without checksums (the header of `sample.nocheck.lzo`) holding `blocks` compressed as given. */
export function lzopFile(blocks: { dstLen: number; data: Uint8Array }[]): Uint8Array {
  const head = fixture('lzop', 'sample.nocheck.lzo');
  const parts: Uint8Array[] = [head.subarray(0, 34 + head[33] + 4)];
  const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  for (const b of blocks) parts.push(u32(b.dstLen), u32(b.data.length), b.data);
  parts.push(u32(0));
  return Buffer.concat(parts);
}

/**
 * `sample.nocheck.lzo` (written by `lzop -F`: no checksums) with byte 539 of its
 * block's compressed data zeroed: `lzop -t` reports "Compressed data violation";
 * the LZO1X stream then ends 70 bytes before the 3,276 its block header declares.
 */
export function corruptWithoutChecksums(): { bytes: Uint8Array; blockAt: number } {
  const bytes = fixture('lzop', 'sample.nocheck.lzo');
  const blockAt = 34 + bytes[33] + 4; // magic + header up to the name, the name, the header checksum
  bytes[blockAt + 8 + 539] = 0;
  return { bytes, blockAt };
}

/** An lzop object without checksums holding `text` in one stored (uncompressed) block. */
export function storedLzop(text: string): Uint8Array {
  const data = Buffer.from(text, 'utf8');
  return lzopFile([{ dstLen: data.length, data }]);
}

/**
 * An Online Retail CSV (header of `sample.csv`) of `good` distinct clean lines,
 * then `bad` distinct lines whose InvoiceDate is not a time (rejected as `bad_time`),
 * as a stored lzop object; lines are numbered from `from`, so that objects of other
 * `from` hold other lines.
 */
export function retailLzop(good: number, bad: number, from = 0): Uint8Array {
  const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n';
  const line = (i: number, time: string) => `5${String(i).padStart(5, '0')},ITEM${i},THING ${i},1,${time},1.25,17850,United Kingdom\n`;
  const lines = Array.from({ length: good + bad }, (_, i) => line(from + i, i < good ? '12/1/2010 8:26' : `not a time ${from + i}`));
  return storedLzop(header + lines.join(''));
}

/**
 * XXH64 with seed 0 in BigInt arithmetic, written straight from the xxHash
 * specification (`doc/xxhash_spec.md`) as a slow second implementation that
 * `ingest/xxh64.ts` is checked against.
 */
export function xxh64Reference(b: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const [P1, P2, P3, P4, P5] = [0x9e3779b185ebca87n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0x85ebca77c2b2ae63n, 0x27d4eb2f165667c5n];
  const rotl = (x: bigint, r: number) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M;
  const round = (acc: bigint, lane: bigint) => (rotl((acc + lane * P2) & M, 31) * P1) & M;
  const word = (i: number, bytes: number) => {
    let v = 0n;
    for (let k = bytes - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]);
    return v;
  };
  const n = b.length;
  let i = 0;
  let acc: bigint;
  if (n >= 32) {
    const v = [(P1 + P2) & M, P2, 0n, (M + 1n - P1) & M];
    for (; i + 32 <= n; i += 32) for (let k = 0; k < 4; k++) v[k] = round(v[k], word(i + 8 * k, 8));
    acc = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M;
    for (const x of v) acc = ((acc ^ round(0n, x)) * P1 + P4) & M;
  } else {
    acc = P5;
  }
  acc = (acc + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) acc = (rotl(acc ^ round(0n, word(i, 8)), 27) * P1 + P4) & M;
  if (i + 4 <= n) {
    acc = (rotl(acc ^ ((word(i, 4) * P1) & M), 23) * P2 + P3) & M;
    i += 4;
  }
  for (; i < n; i++) acc = (rotl(acc ^ ((BigInt(b[i]) * P5) & M), 11) * P1) & M;
  acc ^= acc >> 33n;
  acc = (acc * P2) & M;
  acc ^= acc >> 29n;
  acc = (acc * P3) & M;
  return acc ^ (acc >> 32n);
}

/**
 * A Zstandard frame (RFC 8878 §3.1.1) of raw and RLE blocks, made by hand so tests
 * need no compressor: no content size, a window of 2^`windowLog` bytes (10..41),
 * optionally a dictionary id and a content checksum (the low 32 bits of the
 * content's {@link xxh64Reference}, or the given wrong value).
 */
export function zstdFrame(
  blocks: ({ raw: Uint8Array } | { rle: number; size: number })[],
  options: { windowLog?: number; checksum?: boolean | number; dictionaryId?: number } = {},
): Uint8Array {
  const dictionary = options.dictionaryId ?? 0;
  const checksum = options.checksum ?? false;
  const descriptor = (checksum !== false ? 0x04 : 0) | (dictionary === 0 ? 0 : 1);
  const parts: Uint8Array[] = [Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, descriptor, ((options.windowLog ?? 20) - 10) << 3)];
  if (dictionary !== 0) parts.push(Uint8Array.of(dictionary));
  blocks.forEach((b, i) => {
    const last = i === blocks.length - 1 ? 1 : 0;
    const [type, size, content] = 'raw' in b ? [0, b.raw.length, b.raw] : [1, b.size, Uint8Array.of(b.rle)];
    const header = (size << 3) | (type << 1) | last;
    parts.push(Uint8Array.of(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff), content);
  });
  if (checksum !== false) {
    const content = Buffer.concat(blocks.map((b) => ('raw' in b ? b.raw : Buffer.alloc(b.size, b.rle))));
    const stored = Buffer.alloc(4);
    stored.writeUInt32LE(checksum === true ? Number(xxh64Reference(content) & 0xffffffffn) : checksum);
    parts.push(stored);
  }
  return Buffer.concat(parts);
}

/** Four lines of Online Retail CSV (a header and three lines) compressed by `zstd -19`: compressed blocks, Huffman-coded literals, a content size and a checksum. */
export const ZSTD_SAMPLE = {
  text: 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n'
    + '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom\n'
    + '536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom\n'
    + '536365,84406B,CREAM CUPID HEARTS COAT HANGER,8,12/1/2010 8:26,2.75,17850,United Kingdom\n',
  zstd: Buffer.from(
    'KLUv/WRSAHUGAELNKxkweQNEAxqz1BRoqDzIiEJSlniXhwMDAlUCyvKb3hl7LgdNWfdcK+vteSchEGRhDuG4Nr2vXN0qb20dmCgUk4fjSVI3FAm8KMVjLBifGM1yiYIwhmIwik9+01CFSXdL0VQF++4ta+lG1xRdWbp6T5L3+TAKvDxOjuTAQJv2c+XPQ1Mqmryr6/MiSKZZJ8/uxf5B33ayn9+q/cnJjpIpqIrQiyF/SpB37vklgiRnzykKAFCLkznpWStSBgtwZ0/470XWXxC6bbgmLFN6id4iSA==',
    'base64',
  ),
};

/**
 * The first 600 bytes of `data/online-retail/2011-01.csv.lzo`, decompressed, as
 * `zstd -19` (v1.5.4) writes them: one compressed block whose Huffman weights
 * are FSE-compressed. With byte 14 XOR 0xd0 the weights' table spends no bits,
 * and fzstd 0.1.1 decodes the block forever (found by fuzzing the readers).
 */
export const ZSTD_FSE_WEIGHTS_SAMPLE = Buffer.from('KLUv/WRYAa0HAJJOLxggewMg6ZaogVaNetEEbQWtPyVoLSAgQBhVhzfL0RoqgpiNGHnhPBfI1hwMu6BNH1kH+x8ropiP4cewMbZdGudouHG0RzYR5GI/pmgedjpqec4JfXaRRMsJi+Ogh0F/wQP9OSdZY63zFghBf9bPXY0yUReGJyvC8KMs+FqqTnoDGfb+gXM+FMCrsmjbmW8idTw7u7bMj2GpYmyJdj+yYPMvW7Io2GaP9pJNSzVcx+ZHsTNm2NntuzWGZXfRKBUgkGIm8yg64gOhIog0Lov388PXlgFBxkQc6jztMMQTDIAEfa7cfyQPxJXlUAtHca4Jy54eIg4Urw==', 'base64');
