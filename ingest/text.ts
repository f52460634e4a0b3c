/**
 * Bytes in the configured encoding → UTF-8 bytes, block by block, so every later
 * layer (CSV, typing, Arrow Utf8 columns) works on UTF-8 bytes without creating
 * strings.
 */

/** Text encodings a data-set configuration may name. */
export type TextEncoding = 'utf-8' | 'latin1';

const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Re-encodes a stream of text bytes as UTF-8 bytes.
 * - `utf-8`: bytes pass through unchanged (zero copy) apart from a leading UTF-8
 *   BOM (EF BB BF), which is dropped even when split across chunks. Invalid
 *   sequences are kept as they are; the typing layer rejects their lines
 *   (`bad_encoding`, see `typing.ts`).
 * - `latin1`: true ISO-8859-1 (byte value = code point, ISO/IEC 8859-1:1998), each
 *   byte ≥ 0x80 becoming its two-byte UTF-8 form (RFC 3629 §3: `C0|b>>6`, `80|b&0x3F`).
 *   Not windows-1252 (0x80–0x9F stay the C1 controls U+0080–U+009F).
 * Output chunks split characters only where the input chunks did (never, for
 * Latin-1, whose characters are one byte); the CSV layer does not mind either way.
 * @returns UTF-8 byte chunks; empty chunks are skipped.
 * @example for await (const utf8 of toUtf8(blocks, 'latin1')) parser.push(utf8);
 */
export async function* toUtf8(bytes: AsyncIterable<Uint8Array>, encoding: TextEncoding): AsyncGenerator<Uint8Array> {
  if (encoding === 'latin1') {
    for await (const b of bytes) if (b.length > 0) yield latin1ToUtf8(b);
    return;
  }
  // Up to 3 leading bytes are held until it is known whether they are a BOM.
  let head: number[] | undefined = [];
  for await (const b of bytes) {
    if (head === undefined) {
      if (b.length > 0) yield b;
      continue;
    }
    let i = 0;
    while (i < b.length && head.length < 3 && b[i] === BOM[head.length]) head.push(b[i++]);
    if (head.length < 3 && i === b.length) continue; // still a possible BOM
    const kept = head.length === 3 ? [] : head; // a whole BOM is dropped
    head = undefined;
    const rest = b.subarray(i);
    if (kept.length > 0) yield Uint8Array.from([...kept, ...rest]);
    else if (rest.length > 0) yield rest;
  }
  if (head !== undefined && head.length > 0) yield Uint8Array.from(head);
}

/** ISO-8859-1 bytes → UTF-8 bytes (a copy only when a byte ≥ 0x80 is present). */
export function latin1ToUtf8(b: Uint8Array): Uint8Array {
  let high = 0;
  for (let i = 0; i < b.length; i++) high += b[i] >> 7;
  if (high === 0) return b;
  const out = new Uint8Array(b.length + high);
  let o = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c < 0x80) out[o++] = c;
    else {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

/**
 * Offset (from `begin`) of the first byte of `bytes[begin, end)` that does not
 * start or continue a well-formed UTF-8 sequence (RFC 3629 §4 table: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or −1 when the range is valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array, begin: number, end: number): number {
  let i = begin;
  while (i < end) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i - begin;
    if (i + n >= end) return i - begin; // truncated sequence
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i - begin;
    for (let k = 2; k <= n; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i - begin;
    i += n + 1;
  }
  return -1;
}
