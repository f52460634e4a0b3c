import { BoundedHeap } from '../../ranking/heap';
import { customerRows, lowerBound, setHas, sortedHas } from '../../ranking/ranges';

describe('lowerBound', () => {
  const values = Int32Array.from([1, 3, 3, 3, 7, 9]);

  it('finds the first value ≥ x, the end when none, within [from, to)', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 9, 10].map((x) => lowerBound(values, x))).toEqual([0, 0, 1, 1, 4, 4, 5, 5, 6]);
    expect(lowerBound(values, 3, 2)).toBe(2);
    expect(lowerBound(values, 9, 0, 4)).toBe(4);
    expect(lowerBound([], 1)).toBe(0);
  });
});

describe('customer ranges', () => {
  // Customers 0 (rows 0–1), 2 (rows 2–4), 5 (row 5); items ascending within each.
  const customer = Int32Array.from([0, 0, 2, 2, 2, 5]);
  const item = Int32Array.from([4, 8, 1, 2, 6, 3]);

  it('gives the rows of one customer, empty for a customer without rows', () => {
    expect(customerRows(customer, 0)).toEqual([0, 2]);
    expect(customerRows(customer, 2)).toEqual([2, 5]);
    expect(customerRows(customer, 2, 2)).toEqual([2, 5]);
    expect(customerRows(customer, 3)).toEqual([5, 5]);
    expect(customerRows(customer, 6)).toEqual([6, 6]);
  });

  it('tells whether an item is in a customer\'s rows or CSR set', () => {
    const [from, to] = customerRows(customer, 2);
    expect([1, 2, 3, 6, 8].map((x) => sortedHas(item, x, from, to))).toEqual([true, true, false, true, false]);
    const sets = { offsets: Int32Array.from([0, 2, 2, 5]), items: Int32Array.from([4, 8, 1, 2, 6]) };
    expect([setHas(sets, 0, 8), setHas(sets, 0, 1), setHas(sets, 1, 4), setHas(sets, 2, 6), setHas(sets, 2, 7)]).toEqual([true, false, false, true, false]);
  });
});

describe('BoundedHeap', () => {
  it('keeps the best ids offered and pops them worst first', () => {
    const score = [5, 1, 9, 7, 3, 8];
    const heap = new BoundedHeap(3, (a, b) => score[a] < score[b]);
    for (const id of [0, 1, 2, 3, 4, 5]) heap.offer(id);
    expect(heap.size).toBe(3);
    expect([heap.popWorst(), heap.popWorst(), heap.popWorst()]).toEqual([3, 5, 2]);
    heap.clear();
    heap.offer(1);
    expect(heap.size).toBe(1);
    const empty = new BoundedHeap(0, (a, b) => a < b);
    empty.offer(4);
    expect(empty.size).toBe(0);
  });
});
