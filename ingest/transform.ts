/**
 * The configured text transforms (`none`, `upper`, `lower`, `trim`) applied to a
 * UTF-8 value held as a byte range, with results identical to
 * `String.prototype.toUpperCase` / `toLowerCase` / `trim` on the decoded text.
 * ASCII values (the usual case) are mapped byte by byte; other values go through
 * a string, which is rare.
 */
import { TextTransform } from '../lib/config-types';

const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** ASCII whitespace as `String.prototype.trim` sees it (TAB, LF, VT, FF, CR, SPACE). */
const isAsciiSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * Whether the UTF-8 value `bytes[begin, end)` is empty or only white space as
 * `/^\s*$/u` and `String.prototype.trim` see it: ASCII space, tab and line breaks,
 * and Unicode's (U+00A0 NO-BREAK SPACE, U+FEFF, U+2000–U+200A, U+3000…). An
 * ASCII value is read byte by byte; one with other characters goes through a string.
 */
export function isBlank(bytes: Uint8Array, begin: number, end: number): boolean {
  for (let i = begin; i < end; i++) {
    const c = bytes[i];
    if (c >= 0x80) return /^\s*$/u.test(UTF8.decode(bytes.subarray(i, end)));
    if (!isAsciiSpace(c)) return false;
  }
  return true;
}

/**
 * One column's transform, holding its own output buffer: after {@link apply},
 * the value is `bytes[begin, end)`, which stays valid until the next `apply` of
 * this same object (so several columns' values can be held at once).
 */
export class FieldTransform {
  /** Bytes holding the transformed value: the input itself, or this object's scratch buffer. */
  bytes: Uint8Array = new Uint8Array(0);
  begin = 0;
  end = 0;
  private scratch = new Uint8Array(64);

  constructor(readonly kind: TextTransform) {}

  /**
   * Transforms the value `src[begin, end)` (UTF-8).
   * @returns this object, whose `bytes`, `begin`, `end` are the result (empty when
   *   the value is empty or, for `trim`, only whitespace).
   */
  apply(src: Uint8Array, begin: number, end: number): this {
    this.bytes = src;
    this.begin = begin;
    this.end = end;
    switch (this.kind) {
      case 'none':
        return this;
      case 'trim': {
        while (begin < end && isAsciiSpace(src[begin])) begin++;
        while (end > begin && isAsciiSpace(src[end - 1])) end--;
        this.begin = begin;
        this.end = end;
        // A non-ASCII first or last character may be Unicode white space (U+00A0, U+FEFF, U+2000…).
        if (begin < end && (src[begin] >= 0x80 || src[end - 1] >= 0x80)) this.viaString(src, begin, end, (s) => s.trim());
        return this;
      }
      case 'upper':
      case 'lower': {
        const upper = this.kind === 'upper';
        const out = this.room(end - begin);
        let high = 0;
        let o = 0;
        for (let i = begin; i < end; i++) {
          const c = src[i];
          high |= c;
          out[o++] = upper ? (c >= 0x61 && c <= 0x7a ? c - 32 : c) : c >= 0x41 && c <= 0x5a ? c + 32 : c;
        }
        if (high >= 0x80) return this.viaString(src, begin, end, upper ? (s) => s.toUpperCase() : (s) => s.toLowerCase());
        this.bytes = out;
        this.begin = 0;
        this.end = o;
        return this;
      }
    }
  }

  private viaString(src: Uint8Array, begin: number, end: number, fn: (s: string) => string): this {
    const encoded = Buffer.from(fn(UTF8.decode(src.subarray(begin, end))), 'utf8');
    const out = this.room(encoded.length);
    out.set(encoded);
    this.bytes = out;
    this.begin = 0;
    this.end = encoded.length;
    return this;
  }

  private room(n: number): Uint8Array {
    if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, 2 * this.scratch.length));
    return this.scratch;
  }
}
