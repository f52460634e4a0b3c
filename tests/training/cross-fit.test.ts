import { customerFold, foldRows, unseenAsOov } from '../../training/cross-fit';
import { makeFeatureSet, makeWorld } from './synthetic';

describe('cross-fit folds by customer', () => {
  const fs = makeFeatureSet(makeWorld(5, 120, 50), 9, 0, 6);
  const d = fs.names.length;

  it('splits customers about in half, not by id order', () => {
    const ones = Array.from({ length: 1000 }, (_, c) => customerFold(c)).reduce((s: number, f) => s + f, 0);
    expect(ones).toBeGreaterThan(450);
    expect(ones).toBeLessThan(550);
    const lowHalf = Array.from({ length: 500 }, (_, c) => customerFold(c)).reduce((s: number, f) => s + f, 0);
    expect(lowHalf).toBeGreaterThan(200);
    expect(lowHalf).toBeLessThan(300);
  });

  it('partitions the rows: each fold keeps its customers whole, in order, with features and labels', () => {
    const [a, b] = [foldRows(fs, 0), foldRows(fs, 1)];
    expect(a.fs.n + b.fs.n).toBe(fs.n);
    expect([...a.rows, ...b.rows].sort((x, y) => x - y)).toEqual(Array.from({ length: fs.n }, (_, r) => r));
    for (const { fs: part, rows } of [a, b]) {
      expect(Array.from(rows).every((r, k) => k === 0 || r > rows[k - 1])).toBe(true);
      rows.forEach((r, k) => {
        expect(part.customer[k]).toBe(fs.customer[r]);
        expect(part.item[k]).toBe(fs.item[r]);
        expect(part.label![k]).toBe(fs.label![r]);
        expect(Array.from(part.values.subarray(k * d, (k + 1) * d))).toEqual(Array.from(fs.values.subarray(r * d, (r + 1) * d)));
      });
    }
    const customersOf = (part: typeof a.fs): Set<number> => new Set(part.customer);
    const shared = [...customersOf(a.fs)].filter((c) => customersOf(b.fs).has(c));
    expect(shared).toEqual([]);
    expect(new Set(a.fs.customer.map(customerFold))).toEqual(new Set([0]));
  });

  it('maps ids no training row holds to −1 (the OOV index) and keeps the others', () => {
    const [held, rest] = [foldRows(fs, 0).fs, foldRows(fs, 1).fs];
    const out = unseenAsOov(held, [rest], { customers: 120, items: 50 });
    expect(Array.from(out.customer).every((c) => c === -1)).toBe(true); // the folds share no customer
    const restItems = new Set(rest.item);
    out.item.forEach((i, k) => expect(i).toBe(restItems.has(held.item[k]) ? held.item[k] : -1));
    expect(out.values).toBe(held.values);
    const self = unseenAsOov(held, [held], { customers: 120, items: 50 });
    expect(Array.from(self.customer)).toEqual(Array.from(held.customer));
  });
});
