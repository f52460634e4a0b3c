/**
 * The LZO1X decompressor in TypeScript, bounds-checked on every read and write:
 * a block decodes to exactly the bytes its stream produces, or fails.
 *
 * Format: the LZO1X stream as decoded by `lzo1x_decompress_safe` (LZO 2.10
 * `src/lzo1x_d.ch`; FFmpeg `libavutil/lzo.c` decodes the same), one byte of
 * opcode then its operands, lengths beyond the opcode's bits as runs of zero
 * bytes (255 each) ended by a non-zero byte:
 * ```
 * first byte > 17           literal run of (byte - 17) bytes at the start of the stream
 * 0000LLLL                  literal run: L + 3 bytes (L = 0: 18 + zero-run extension)
 * 0000DDSS HHHHHHHH         after a literal run of >= 4: 3-byte match, distance 2049 + D + 4H
 *                           otherwise: 2-byte match, distance 1 + D + 4H
 * 01LDDDSS HHHHHHHH         M2: L + 3 bytes, distance 1 + D + 8H   (1LLDDDSS likewise, L 2 bits)
 * 001LLLLL DDDDDDSS DDDDDDDD  M3: L + 2 bytes (L = 0: 33 + extension), distance 1 + D (14 bits)
 * 0001HLLL DDDDDDSS DDDDDDDD  M4: L + 2 bytes (L = 0: 9 + extension), distance 16384 + 16384H + D;
 *                           H = 0 and D = 0 ends the stream (the end marker 11 00 00)
 * ```
 * `SS` of a match is the number of literal bytes (0–3) that follow it before the
 * next opcode; with `SS = 0` the next opcode starts a literal run or a match.
 */
import { BlockCodec, CodecRegistry, LZOP_METHOD } from './codec';

/** A compressed LZO1X block that is not a valid stream for its declared size. */
export class Lzo1xError extends Error {
  /**
   * @param problem what is wrong, e.g. `input overrun`.
   * @param inputOffset offset in the compressed block where decoding stopped.
   * @param produced decompressed bytes produced until then.
   */
  constructor(readonly problem: string, readonly inputOffset: number, readonly produced: number) {
    super(`${problem} at compressed byte ${inputOffset} after ${produced} decompressed bytes`);
    this.name = 'Lzo1xError';
  }
}

/** Distance bias of the 3-byte match that follows a long literal run (`M2_MAX_OFFSET + 1`). */
const M2_MAX_OFFSET = 0x0800;
/** Distance bias of an M4 match. */
const M4_BIAS = 0x4000;

/**
 * Decompresses one LZO1X block (methods LZO1X-1, LZO1X-1(15), LZO1X-999 all
 * write this format) into exactly `dstLen` bytes.
 * @param src the compressed block; read only within its bounds.
 * @param dstLen the decompressed size the container announces, bytes.
 * @returns a fresh array of `dstLen` bytes.
 * @throws Lzo1xError when the stream reads past `src` (input overrun), would
 *   write past `dstLen` (output overrun), copies from before the start of the
 *   output (lookbehind overrun), ends before `dstLen` bytes (output underrun),
 *   ends with an end marker of a wrong length, or has bytes after its end marker.
 */
export function decompressLzo1x(src: Uint8Array, dstLen: number): Uint8Array {
  const out = new Uint8Array(dstLen);
  const inEnd = src.length;
  let ip = 0;
  let op = 0;
  const fail = (problem: string): never => {
    throw new Lzo1xError(problem, ip, op);
  };
  const byte = (): number => (ip < inEnd ? src[ip++] : fail('input overrun'));
  /** A length continued by zero bytes: each adds 255, the first non-zero one ends it. */
  const extended = (base: number): number => {
    let n = base;
    while (ip < inEnd && src[ip] === 0) {
      n += 255;
      ip++;
    }
    return n + byte();
  };
  const literals = (n: number): void => {
    if (n > inEnd - ip) fail(`input overrun (literal run of ${n} bytes)`);
    if (n > dstLen - op) fail(`output overrun (literal run of ${n} bytes)`);
    if (n > 16) {
      out.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    } else {
      for (const end = op + n; op < end;) out[op++] = src[ip++];
    }
  };
  const match = (distance: number, n: number): void => {
    if (distance > op) fail(`lookbehind overrun (distance ${distance})`);
    if (n > dstLen - op) fail(`output overrun (match of ${n} bytes)`);
    let from = op - distance; // byte by byte when short or overlapping (a run)
    if (n > 16 && distance >= n) {
      out.copyWithin(op, from, from + n);
      op += n;
    } else {
      for (const end = op + n; op < end;) out[op++] = out[from++];
    }
  };

  // state: literal bytes (0–3) copied after the last match; 4 after a long literal run.
  let state = 0;
  if (inEnd > 0 && src[0] > 17) {
    const n = byte() - 17;
    literals(n);
    state = n < 4 ? n : 4;
  }
  for (;;) {
    const t = byte();
    let trailing: number;
    if (t >= 64) {
      const distance = 1 + ((t >> 2) & 7) + (byte() << 3);
      match(distance, (t >> 5) + 1);
      trailing = t & 3;
    } else if (t >= 32) {
      const n = (t & 31) === 0 ? extended(31) : t & 31;
      const lo = byte();
      match(1 + (lo >> 2) + (byte() << 6), n + 2);
      trailing = lo & 3;
    } else if (t >= 16) {
      const n = (t & 7) === 0 ? extended(7) : t & 7;
      const lo = byte();
      const distance = ((t & 8) << 11) + (lo >> 2) + (byte() << 6);
      if (distance === 0) {
        if (n !== 1) fail(`end marker with length ${n} (expected 1)`);
        if (op < dstLen) fail(`output underrun (end of stream ${dstLen - op} bytes short of ${dstLen})`);
        if (ip < inEnd) fail(`${inEnd - ip} bytes after the end of stream`);
        return out;
      }
      match(distance + M4_BIAS, n + 2);
      trailing = lo & 3;
    } else if (state === 0) {
      literals((t === 0 ? extended(15) : t) + 3);
      state = 4;
      continue;
    } else if (state === 4) {
      match(1 + M2_MAX_OFFSET + (t >> 2) + (byte() << 2), 3);
      trailing = t & 3;
    } else {
      match(1 + (t >> 2) + (byte() << 2), 2);
      trailing = t & 3;
    }
    literals(trailing);
    state = trailing;
  }
}

/** {@link decompressLzo1x} as the lzop block codec. */
export const lzo1x: BlockCodec = { name: 'lzo1x', decompress: decompressLzo1x };

/**
 * A registry with the LZO1X codec for lzop methods 1, 2 and 3
 * (LZO1X-1, LZO1X-1(15), LZO1X-999).
 */
export function createLzoRegistry(): CodecRegistry {
  return new CodecRegistry().register([LZOP_METHOD.lzo1x1, LZOP_METHOD.lzo1x1_15, LZOP_METHOD.lzo1x999], lzo1x);
}
