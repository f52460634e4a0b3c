import { RankingInputError } from '../../ranking/errors';
import { itemOrder, orderByCustomerId, rankPerCustomer, topByScore, topKPerCustomer, type TopK } from '../../ranking/topk';
import { Prng } from '../../lib/prng';

/** Reference: full sort per customer by (probability desc, key asc). */
function bruteForce(customer: Int32Array, item: Int32Array, p: Float32Array, k: number, key: (i: number) => number): number[][] {
  const out: number[][] = [];
  let start = 0;
  for (let r = 1; r <= customer.length; r++) {
    if (r < customer.length && customer[r] === customer[start]) continue;
    const rows = Array.from({ length: r - start }, (_, i) => start + i).sort((a, b) => p[b] - p[a] || key(item[a]) - key(item[b]));
    rows.slice(0, k).forEach((row, i) => out.push([customer[row], item[row], i + 1, p[row]]));
    start = r;
  }
  return out;
}
const rowsOf = (t: TopK): number[][] => Array.from({ length: t.n }, (_, i) => [t.customer[i], t.item[i], t.rank[i], t.probability[i]]);

describe('topKPerCustomer', () => {
  it('matches a full sort on random data with many ties', () => {
    const rng = new Prng(3);
    const customer: number[] = [];
    const item: number[] = [];
    for (let c = 0; c < 200; c++) {
      const m = rng.int(30); // includes customers with fewer than K and with 0 candidates
      const items = new Set<number>();
      while (items.size < m) items.add(rng.int(100));
      for (const i of items) {
        customer.push(c * 3);
        item.push(i);
      }
    }
    const p = Float32Array.from(customer, () => rng.int(5) / 4); // only 5 distinct values: ties everywhere
    const c = Int32Array.from(customer);
    const it = Int32Array.from(item);
    for (const k of [1, 3, 10]) {
      const got = topKPerCustomer(c, it, p, k);
      expect(rowsOf(got)).toEqual(bruteForce(c, it, p, k, (i) => i));
      expect(Array.from(got.row).map((r) => [c[r], it[r]])).toEqual(rowsOf(got).map(([cc, ii]) => [cc, ii]));
    }
    expect(rowsOf(rankPerCustomer(c, it, p))).toEqual(bruteForce(c, it, p, Infinity, (i) => i));
  });

  it('breaks ties by external item id and keeps customers with fewer than K candidates', () => {
    const ids = ['B', 'A10', 'A9', 'C'];
    const order = itemOrder(ids); // A10 < A9 < B < C
    expect(Array.from(order)).toEqual([2, 0, 1, 3]);
    const t = topKPerCustomer(Int32Array.from([7, 7, 7, 7, 8]), Int32Array.from([0, 1, 2, 3, 0]), Float32Array.from([0.5, 0.5, 0.9, 0.5, 0.1]), 3, { tieKey: order });
    expect(rowsOf(t)).toEqual([
      [7, 2, 1, Math.fround(0.9)],
      [7, 1, 2, 0.5],
      [7, 0, 3, 0.5],
      [8, 0, 1, Math.fround(0.1)],
    ]);
  });

  it('orders equal probabilities by the raw score before the item id', () => {
    // isotonic calibration maps items 0, 1 and 3 to one probability; the raw score still ranks them
    const t = topKPerCustomer(Int32Array.from([1, 1, 1, 1]), Int32Array.from([0, 1, 2, 3]), Float32Array.from([0.2, 0.2, 0.1, 0.2]), 3, {
      score: Float32Array.from([0.31, 0.35, 0.05, 0.31]),
    });
    expect(Array.from(t.item)).toEqual([1, 0, 3]);
    expect(() => topKPerCustomer(Int32Array.from([1]), Int32Array.from([0]), Float32Array.from([0.2]), 3, { score: new Float32Array(2) })).toThrow(
      /score 2/,
    );
  });

  it('rejects customers split across the input, NaN scores and bad k', () => {
    const c = Int32Array.from([1, 2, 1]);
    const i = Int32Array.from([0, 0, 1]);
    expect(() => topKPerCustomer(c, i, new Float32Array(3), 2)).toThrow(RankingInputError);
    expect(() => topKPerCustomer(c, i, new Float32Array(3), 2)).toThrow(/customer 1 are not contiguous \(seen again at row 2\)/);
    expect(() => topKPerCustomer(Int32Array.from([1, 1]), Int32Array.from([0, 1]), Float32Array.from([0.1, NaN]), 2)).toThrow(/row 1 is NaN/);
    expect(() => topKPerCustomer(c, i, new Float32Array(3), 0)).toThrow(/k must be >= 1, found 0/);
    expect(topKPerCustomer(new Int32Array(0), new Int32Array(0), new Float32Array(0), 5).n).toBe(0);
  });

  it('orders customers by external id, keeping the ranks of each customer in order', () => {
    const ids = ['17850', '12346', '13047'];
    const t = topKPerCustomer(Int32Array.from([0, 0, 1, 2, 2]), Int32Array.from([3, 4, 5, 6, 7]), Float32Array.from([0.1, 0.9, 0.5, 0.7, 0.3]), 2);
    const o = orderByCustomerId(t, ids);
    expect(Array.from(o.customer, (c) => ids[c])).toEqual(['12346', '13047', '13047', '17850', '17850']);
    expect(Array.from(o.item)).toEqual([5, 6, 7, 4, 3]);
    expect(Array.from(o.rank)).toEqual([1, 1, 2, 1, 2]);
    expect(Array.from(o.row)).toEqual([2, 3, 4, 1, 0]);
  });
});

describe('topByScore', () => {
  it('keeps the k best ids, score descending, ties by id', () => {
    const score = Float64Array.from([0.5, 0.9, 0.5, 0.1, 0.7]);
    expect(Array.from(topByScore([0, 1, 2, 3, 4], score, 3))).toEqual([1, 4, 0]);
    expect(Array.from(topByScore([4, 3, 2, 1, 0], score, 4))).toEqual([1, 4, 0, 2]);
    expect(Array.from(topByScore([3, 1], score, 5))).toEqual([1, 3]);
    expect(topByScore([3, 1], score, 0).length).toBe(0);
  });

  it('equals a full sort cut at k, over many ties, orders and sizes', () => {
    const rng = new Prng(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(400);
      const levels = 1 + rng.int(12); // few distinct scores: many ties at the k-th
      const score = Float64Array.from({ length: n + 5 }, () => rng.int(levels) / levels - (rng.next() < 0.1 ? 0 : 0.5));
      const ids = Array.from({ length: n }, (_, i) => i + 5);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [ids[i], ids[j]] = [ids[j], ids[i]];
      }
      const k = rng.int(n + 3);
      const expected = [...ids].sort((a, b) => score[b] - score[a] || a - b).slice(0, k);
      expect(Array.from(topByScore(ids, score, k))).toEqual(expected);
    }
  });
});
