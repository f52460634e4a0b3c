import { Lzo1xError, decompressLzo1x } from '../../ingest/lzo1x';

/** The end-of-stream marker (an M4 match of distance 0). */
const END = [0x11, 0x00, 0x00];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** A stream that is one literal run of `text` (first-byte form, 4..238 bytes), then `tail`. */
const literal = (text: string, tail = END) => Uint8Array.of(17 + text.length, ...ascii(text), ...tail);
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const error = (src: Uint8Array, dstLen: number) => {
  try {
    decompressLzo1x(src, dstLen);
  } catch (e) {
    expect(e).toBeInstanceOf(Lzo1xError);
    return (e as Error).message;
  }
  throw new Error('expected a Lzo1xError');
};

describe('decompressLzo1x', () => {
  it('decodes a literal run, an overlapping 2-byte match and a long M3 run with a zero-byte length extension', () => {
    expect(text(decompressLzo1x(literal('a,b\n'), 4))).toBe('a,b\n');
    // 'x', then a 2-byte match at distance 1 (0x00 0x00), then M3 (0x20: length in
    // the extension, 31 + 255 + 5 + 2 = 293 bytes) at distance 1.
    const run = decompressLzo1x(Uint8Array.of(18, 0x78, 0x00, 0x00, 0x20, 0x00, 0x05, 0x00, 0x00, ...END), 296);
    expect(text(run)).toBe('x'.repeat(296));
  });

  it('refuses a stream that ends before the declared size (output underrun): no stale bytes come out', () => {
    expect(error(literal('a,b\n'), 10)).toBe('output underrun (end of stream 6 bytes short of 10) at compressed byte 8 after 4 decompressed bytes');
  });

  it('refuses a stream that would write past the declared size (output overrun)', () => {
    expect(error(literal('a,b\n'), 3)).toBe('output overrun (literal run of 4 bytes) at compressed byte 1 after 0 decompressed bytes');
    expect(error(Uint8Array.of(18, 0x78, 0x00, 0x00, ...END), 2)).toBe('output overrun (match of 2 bytes) at compressed byte 4 after 1 decompressed bytes');
  });

  it('refuses a stream that reads past its end (input overrun), however it is cut', () => {
    const whole = literal('a,b\n');
    expect(error(whole.subarray(0, 3), 4)).toBe('input overrun (literal run of 4 bytes) at compressed byte 1 after 0 decompressed bytes');
    for (let n = 5; n < whole.length; n++) expect(error(whole.subarray(0, n), 4)).toMatch(/^input overrun at compressed byte \d+ after 4 decompressed bytes$/);
  });

  it('refuses a match reaching before the start of the output (lookbehind overrun)', () => {
    // M2 0x5c 0x00: 3 bytes at distance 1 + 7 = 8, after only 4 bytes.
    expect(error(literal('a,b\n', [0x5c, 0x00, ...END]), 7)).toBe('lookbehind overrun (distance 8) at compressed byte 7 after 4 decompressed bytes');
  });

  it('refuses bytes after the end marker, and an end marker of another length', () => {
    expect(error(literal('a,b\n', [...END, 0x0a]), 4)).toBe('1 bytes after the end of stream at compressed byte 8 after 4 decompressed bytes');
    expect(error(literal('a,b\n', [0x12, 0x00, 0x00]), 4)).toBe('end marker with length 2 (expected 1) at compressed byte 8 after 4 decompressed bytes');
  });

  it('refuses an empty stream', () => {
    expect(error(new Uint8Array(0), 1)).toBe('input overrun at compressed byte 0 after 0 decompressed bytes');
  });
});
