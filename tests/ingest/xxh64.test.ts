/** `ingest/xxh64.ts` against the xxHash check values and a BigInt implementation of the specification. */
import { randomBytes } from 'crypto';
import { Xxh64 } from '../../ingest/xxh64';
import { xxh64Reference } from './helpers';

describe('Xxh64', () => {
  it('gives the check values of the xxHash reference implementation (seed 0)', () => {
    expect(new Xxh64().hex()).toBe('ef46db3751d8e999');
    expect(new Xxh64().update(Buffer.from('abc')).hex()).toBe('44bc2cf5ad770999');
    expect(new Xxh64().update(Buffer.from('abc')).low32()).toBe(0xad770999);
  });

  it('agrees with the specification at every length class, whole and in pieces of any size', () => {
    for (const length of [1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 100, 1000, 4099]) {
      const bytes = randomBytes(length);
      const expected = xxh64Reference(bytes).toString(16).padStart(16, '0');
      expect(new Xxh64().update(bytes).hex()).toBe(expected);
      for (const piece of [1, 5, 31, 33]) {
        const h = new Xxh64();
        for (let at = 0; at < length; at += piece) h.update(bytes, at, Math.min(length, at + piece));
        expect(h.hex()).toBe(expected);
      }
    }
  });

  it('reads the hash without ending it: more bytes may follow', () => {
    const bytes = randomBytes(70);
    const h = new Xxh64().update(bytes, 0, 40);
    expect(h.hex()).toBe(xxh64Reference(bytes.subarray(0, 40)).toString(16).padStart(16, '0'));
    expect(h.update(bytes, 40).hex()).toBe(xxh64Reference(bytes).toString(16).padStart(16, '0'));
  });
});
