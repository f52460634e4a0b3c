/**
 * Checksums of the lzop container and of gzip members: Adler-32 (RFC 1950 §8.2) and CRC-32
 * (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320, as zlib's `crc32`).
 * Both are incremental: pass the previous value to continue over a further range.
 */
import * as zlib from 'node:zlib';

/** Initial value of an Adler-32 sum (lzop `ADLER32_INIT_VALUE`). */
export const ADLER32_INIT = 1;
/** Initial value of a CRC-32 (lzop `CRC32_INIT_VALUE`). */
export const CRC32_INIT = 0;

const ADLER_BASE = 65521;
/** Largest n with 255·n·(n+1)/2 + (n+1)·(BASE−1) < 2^32 (zlib `NMAX`): bytes summed before a modulo. */
const ADLER_NMAX = 5552;

/**
 * Adler-32 of `bytes[start, end)` continuing from `adler` (RFC 1950 §8.2).
 * @returns the unsigned 32-bit sum.
 */
export function adler32(bytes: Uint8Array, adler: number = ADLER32_INIT, start = 0, end = bytes.length): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + ADLER_NMAX);
    // Four bytes per step (zlib's DO4 unrolling): fewer loop checks, same sums.
    for (const stop4 = stop - 3; i < stop4; i += 4) {
      a += bytes[i];
      b += a;
      a += bytes[i + 1];
      b += a;
      a += bytes[i + 2];
      b += a;
      a += bytes[i + 3];
      b += a;
    }
    for (; i < stop; i++) {
      a += bytes[i];
      b += a;
    }
    a %= ADLER_BASE;
    b %= ADLER_BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** Slice-by-4 tables: T[k·256 + n] is the CRC of byte n followed by k zero bytes. */
const CRC_TABLES: Uint32Array = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 4; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** `node:zlib`'s own CRC-32 (Node 20.15 and 22.2 on), the function {@link crc32Portable} computes, when this Node has it. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * CRC-32 of `bytes[start, end)` continuing from `crc` (zlib `crc32` semantics):
 * `node:zlib`'s where this Node has it, else {@link crc32Portable}.
 * @returns the unsigned 32-bit CRC.
 */
export function crc32(bytes: Uint8Array, crc: number = CRC32_INIT, start = 0, end = bytes.length): number {
  return nativeCrc32 === undefined ? crc32Portable(bytes, crc, start, end) : nativeCrc32(bytes.subarray(start, end), crc) >>> 0;
}

/**
 * {@link crc32} in JavaScript, slice-by-4 after Kadatch & Jenkins / Intel's
 * slicing-by-8 paper: for a Node without `zlib.crc32`.
 * @returns the unsigned 32-bit CRC.
 */
export function crc32Portable(bytes: Uint8Array, crc: number = CRC32_INIT, start = 0, end = bytes.length): number {
  const t = CRC_TABLES;
  let c = ~crc;
  let i = start;
  for (const stop = end - 3; i < stop; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
