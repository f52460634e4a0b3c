import { ScoringInputError } from '../../scoring/errors';
import { fnv1a32, parseShard, selectShard, shardOf } from '../../scoring/shard';
import { topKPerCustomer } from '../../scoring/topk';
import { makeFeatureSet, makeWorld } from '../training/synthetic';

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

  it('N shards partition the customers and together give the single-run top-K', () => {
    const world = makeWorld(8, 400, 60);
    const fs = makeFeatureSet(world, 31, 0, 12);
    const customerIds = Array.from({ length: 400 }, (_, c) => String(12346 + c * 13));
    const score = (set: typeof fs): Float32Array => Float32Array.from({ length: set.n }, (_, r) => set.values[r * set.names.length + 5] % 1);
    const single = topKPerCustomer(fs.customer, fs.item, score(fs), 5);
    const N = 4;
    const seen = new Int32Array(400);
    const merged: string[] = [];
    for (let i = 0; i < N; i++) {
      const part = selectShard(fs, customerIds, { index: i, count: N });
      for (let r = 0; r < part.n; r++) expect(shardOf(customerIds[part.customer[r]], N)).toBe(i);
      new Set(part.customer).forEach((c) => seen[c]++);
      const t = topKPerCustomer(part.customer, part.item, score(part), 5);
      for (let k = 0; k < t.n; k++) merged.push(`${t.customer[k]}|${t.item[k]}|${t.rank[k]}|${t.probability[k]}`);
      expect(part.n).toBeGreaterThan(0);
    }
    expect(Array.from(seen).every((s) => s === 1)).toBe(true);
    const whole = Array.from({ length: single.n }, (_, k) => `${single.customer[k]}|${single.item[k]}|${single.rank[k]}|${single.probability[k]}`);
    expect(merged.sort()).toEqual(whole.sort());
    expect(selectShard(fs, customerIds, { index: 0, count: 1 })).toBe(fs);
  });
});
