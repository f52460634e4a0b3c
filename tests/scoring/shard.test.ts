import { ScoringInputError } from '../../scoring/errors';
import { fnv1a32, parseShard, shardCustomers, shardOf } from '../../scoring/shard';

describe('shards', () => {
  it('hashes with 32-bit FNV-1a over UTF-8 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // 'é' is hashed as its UTF-8 bytes C3 A9, not as the UTF-16 code unit E9
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193);
    expect(fnv1a32('é')).toBe(h >>> 0);
  });

  it('parses i/N and rejects anything else, quoting it', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['4/4', '1/0', '-1/3', 'a/b', '1']) expect(() => parseShard(bad)).toThrow(ScoringInputError);
    expect(() => parseShard('4/4')).toThrow('shard "4/4": expected "i/N" with integers 0 <= i < N');
    expect(() => shardOf('17850', 0)).toThrow(/positive integer, found 0/);
  });

  it('N shards partition the known customers, each in ascending id order', () => {
    const ids = Array.from({ length: 500 }, (_, c) => String(18287 - c * 7));
    const known = 450; // the last 50 dense customers appear after the as-of time
    const all = shardCustomers(ids, known, { index: 0, count: 1 });
    expect(all.length).toBe(known);
    expect(Array.from(all, (c) => ids[c])).toEqual(ids.slice(0, known).sort());
    const seen = new Int32Array(ids.length);
    for (let i = 0; i < 4; i++) {
      const mine = shardCustomers(ids, known, { index: i, count: 4 });
      expect(mine.length).toBeGreaterThan(80); // a hash, not a range: every shard gets a fair share
      const mineIds = Array.from(mine, (c) => ids[c]);
      expect(mineIds).toEqual([...mineIds].sort());
      for (const c of mine) {
        expect(shardOf(ids[c], 4)).toBe(i);
        seen[c]++;
      }
    }
    expect(Array.from(seen.subarray(0, known)).every((s) => s === 1)).toBe(true);
    expect(Array.from(seen.subarray(known)).every((s) => s === 0)).toBe(true);
  });
});
