/**
 * Bytes in the configured encoding → UTF-8 bytes, block by block, so every later
 * layer (CSV, typing, Arrow Utf8 columns) works on UTF-8 bytes without creating
 * strings.
 */

/** Text encodings a data-set configuration may name. */
export type TextEncoding = 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le';

const BOM = [0xef, 0xbb, 0xbf] as const;

/** An object's text is not in the configured encoding, as a whole (not line by line). */
export class TextEncodingError extends Error {
  /**
   * @param source the raw object, named first in the message.
   * @param problem what is wrong and where.
   */
  constructor(readonly source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'TextEncodingError';
  }
}

/**
 * Re-encodes a stream of text bytes as UTF-8 bytes.
 * - `utf-8`: bytes pass through unchanged (zero copy) apart from a leading UTF-8
 *   BOM (EF BB BF), which is dropped even when split across chunks. Invalid
 *   sequences are kept as they are; the typing layer rejects their lines
 *   (`bad_encoding`, see `typing.ts`).
 * - `latin1`: true ISO-8859-1 (byte value = code point, ISO/IEC 8859-1:1998), each
 *   byte ≥ 0x80 becoming its two-byte UTF-8 form (RFC 3629 §3: `C0|b>>6`, `80|b&0x3F`).
 *   Not windows-1252 (0x80–0x9F stay the C1 controls U+0080–U+009F).
 * - `windows-1252`: what Windows spreadsheets in Western Europe and the Americas
 *   save as "CSV": Latin-1 but for 0x80–0x9F, which hold `€`, `‚`, `„`, `…`,
 *   typographic quotes, dashes, `Š`, `Ž`, `Œ` and others (the WHATWG Encoding
 *   Standard's index-windows-1252; its five unassigned bytes stay C1 controls,
 *   as browsers read them).
 * - `utf-16le`: UTF-16, little-endian (RFC 2781), what Excel saves as "Unicode
 *   Text"; a leading byte order mark FF FE is dropped. Unlike UTF-8, an invalid
 *   sequence (an unpaired surrogate, an odd byte at the end) fails the object:
 *   its lines cannot be told apart once the code units are out of step.
 * A UTF-16 byte order mark (FF FE or FE FF) at the start of text read as a
 * single-byte encoding or UTF-8 fails the object, naming the setting to use.
 * Output chunks split characters only where the input chunks did (never, for
 * the single-byte encodings and UTF-16); the CSV layer does not mind either way.
 * @param source the raw object, named in errors.
 * @returns UTF-8 byte chunks; empty chunks are skipped.
 * @throws TextEncodingError as above.
 * @example for await (const utf8 of toUtf8(blocks, 'latin1', key)) parser.push(utf8);
 */
export async function* toUtf8(bytes: AsyncIterable<Uint8Array>, encoding: TextEncoding, source = 'the text'): AsyncGenerator<Uint8Array> {
  if (encoding === 'utf-16le') {
    yield* utf16leToUtf8(bytes, source);
    return;
  }
  bytes = refuseUtf16(bytes, encoding, source);
  if (encoding !== 'utf-8') {
    const table = encoding === 'latin1' ? LATIN1 : WINDOWS_1252;
    for await (const b of bytes) if (b.length > 0) yield singleByteToUtf8(b, table);
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

/**
 * The chunks, after checking that the first two bytes are neither a UTF-16 byte order
 * mark nor an ASCII character and a zero byte (UTF-16LE without one).
 */
async function* refuseUtf16(bytes: AsyncIterable<Uint8Array>, encoding: TextEncoding, source: string): AsyncGenerator<Uint8Array> {
  const head: number[] = [];
  for await (const b of bytes) {
    if (head.length < 2) {
      for (let i = 0; i < b.length && head.length < 2; i++) head.push(b[i]);
      if (head.length === 2) {
        const [a, z] = head;
        const found = a === 0xff && z === 0xfe ? 'the byte order mark of UTF-16 little-endian'
          : a === 0xfe && z === 0xff ? 'the byte order mark of UTF-16 big-endian'
            : a > 0 && a < 0x80 && z === 0 ? 'a character and a zero byte, as UTF-16 little-endian writes ASCII'
              : undefined;
        if (found !== undefined) {
          const hex = head.map((x) => x.toString(16).padStart(2, '0')).join(' ');
          throw new TextEncodingError(source, `starts with ${found} (${hex}), not ${encoding} text: `
            + (a === 0xfe ? 'save it as UTF-8 or UTF-16 little-endian' : 'set csv.encoding: utf-16le'));
        }
      }
    }
    yield b;
  }
}

/** UTF-16LE chunks → UTF-8 chunks (see {@link toUtf8}); a UTF-16BE byte order mark fails. */
async function* utf16leToUtf8(bytes: AsyncIterable<Uint8Array>, source: string): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-16le', { fatal: true });
  let offset = 0;
  const decode = (b?: Uint8Array): string => {
    try {
      return b === undefined ? decoder.decode() : decoder.decode(b, { stream: true });
    } catch {
      // The decoder holds back the last code unit of a chunk: the unpaired surrogate may be the 2 bytes before it.
      const where = b === undefined ? `at its end (byte ${offset}): an odd byte or an unpaired surrogate` : `within bytes ${Math.max(0, offset - 2)} to ${offset + b.length}: an unpaired surrogate`;
      throw new TextEncodingError(source, `is not UTF-16 little-endian text ${where}`);
    }
  };
  let first: number | undefined;
  for await (const b of bytes) {
    for (let i = 0; i < b.length && offset + i < 2; i++) {
      if (offset + i === 0) first = b[i];
      else if (first === 0xfe && b[i] === 0xff) throw new TextEncodingError(source, 'starts with the byte order mark of UTF-16 big-endian (fe ff), not utf-16le text: save it as UTF-8 or UTF-16 little-endian');
    }
    const text = decode(b);
    offset += b.length;
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const rest = decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

/**
 * A single-byte encoding as the UTF-8 form of each byte value: `utf8[4b, 4b + length[b])`
 * (at most 3 bytes, for code points up to U+FFFF).
 */
interface SingleByteTable {
  length: Uint8Array;
  utf8: Uint8Array;
}

/** The table of the encoding whose byte b is the code point `codePoint(b)`. */
function singleByteTable(codePoint: (b: number) => number): SingleByteTable {
  const length = new Uint8Array(256);
  const utf8 = new Uint8Array(4 * 256);
  for (let b = 0; b < 256; b++) {
    const encoded = Buffer.from(String.fromCharCode(codePoint(b)), 'utf8');
    length[b] = encoded.length;
    utf8.set(encoded, 4 * b);
  }
  return { length, utf8 };
}

/** Code points of windows-1252's bytes 0x80–0x9F (WHATWG Encoding Standard, index-windows-1252). */
const WINDOWS_1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

const LATIN1 = singleByteTable((b) => b);
const WINDOWS_1252 = singleByteTable((b) => (b >= 0x80 && b < 0xa0 ? WINDOWS_1252_HIGH[b - 0x80] : b));

/** ISO-8859-1 bytes → UTF-8 bytes (a copy only when a byte ≥ 0x80 is present). */
export function latin1ToUtf8(b: Uint8Array): Uint8Array {
  return singleByteToUtf8(b, LATIN1);
}

/** Bytes of a single-byte encoding → UTF-8 bytes (a copy only when a byte takes more than one). */
function singleByteToUtf8(b: Uint8Array, table: SingleByteTable): Uint8Array {
  const { length, utf8 } = table;
  let size = 0;
  for (let i = 0; i < b.length; i++) size += length[b[i]];
  if (size === b.length) return b;
  const out = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c < 0x80) out[o++] = c;
    else {
      const at = 4 * c;
      for (let k = 0, n = length[c]; k < n; k++) out[o++] = utf8[at + k];
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

/**
 * The first control character of the UTF-8 text `bytes[begin, end)`: a C0
 * control (U+0000–U+001F: NUL, tab, line breaks…), DEL (U+007F) or a C1 control
 * (U+0080–U+009F, what latin1's 0x80–0x9F and windows-1252's five unassigned
 * bytes read as; UTF-8 C2 80–C2 9F).
 * @returns its code point and byte offset in `bytes`, or undefined when there is none.
 */
export function firstControlCharacter(bytes: Uint8Array, begin: number, end: number): { codePoint: number; at: number } | undefined {
  for (let i = begin; i < end; i++) {
    const b = bytes[i];
    if (b < 0x20 || b === 0x7f) return { codePoint: b, at: i };
    // 0xC2 is only ever a lead byte: C2 80–C2 9F is U+0080–U+009F.
    if (b === 0xc2 && i + 1 < end && bytes[i + 1] <= 0x9f) return { codePoint: bytes[i + 1], at: i };
  }
  return undefined;
}
