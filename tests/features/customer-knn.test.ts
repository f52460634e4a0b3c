import { buildFeatureSet, FEATURE_NAMES } from '../../features/build';
import { buildEventIndex, eventsBefore, knownCustomers, knownItems } from '../../features/event-index';
import { generateCandidates, prepareCandidates, SOURCE } from '../../features/candidates';
import { CustomerKnnScratch, customerVectors, type CustomerVectors } from '../../features/customer-knn';
import type { PurchaseEvents } from '../../features/types';

const day = (d: string): number => Date.parse(`${d}T10:00:00Z`);
const T = Date.parse('2011-11-09T00:00:00Z');
// Items x=0, y=1, z=2, w=3. Customers A=0 {x,y}, B=1 {x,y}, C=2 {x,z}, D=3 {w},
// one order each; E=4 buys x, then y in a later order; A buys w after T.
const EVENTS: PurchaseEvents = {
  customer: Int32Array.from([0, 0, 1, 1, 2, 2, 3, 4, 4, 0]),
  item: Int32Array.from([0, 1, 0, 1, 0, 2, 3, 0, 1, 3]),
  time: Float64Array.from(['2011-10-01', '2011-10-01', '2011-10-02', '2011-10-02', '2011-10-03', '2011-10-03', '2011-10-04', '2011-10-05', '2011-10-06', '2011-11-20'].map(day)),
  quantity: new Float32Array(10).fill(1),
  spend: new Float32Array(10).fill(1),
  order: Int32Array.from([0, 0, 1, 1, 2, 2, 3, 4, 5, 6]),
  customerIds: ['A', 'B', 'C', 'D', 'E'],
  itemIds: ['10001', '10002', '10003', '10004'],
};
const index = buildEventIndex(EVENTS);
const e = eventsBefore(index, T);
const vectors = customerVectors(index, T, e, knownCustomers(index, e), knownItems(index, e));
const r = Math.SQRT1_2;

describe('customerVectors', () => {
  it('holds each customer\'s order-decayed item weights, L2-normalised, and the postings of each item', () => {
    expect(Array.from(vectors.offsets)).toEqual([0, 2, 4, 6, 7, 9]);
    expect(Array.from(vectors.items)).toEqual([0, 1, 0, 1, 0, 2, 3, 0, 1]);
    const norm = Math.hypot(0.9, 1); // E: x in the order before its last, y in its last
    const expected = [r, r, r, r, r, r, 1, 0.9 / norm, 1 / norm];
    vectors.weight.forEach((w, p) => expect(w).toBeCloseTo(expected[p], 6));
    expect(Array.from(vectors.postingOffsets)).toEqual([0, 4, 7, 8, 9]);
    expect(Array.from(vectors.postingCustomers)).toEqual([0, 1, 2, 4, 0, 1, 4, 2, 3]);
  });
});

describe('customerVectors with capped postings', () => {
  it('keeps each item\'s buyers of highest weight, ties by dense id', () => {
    const capped = customerVectors(index, T, e, knownCustomers(index, e), knownItems(index, e), 1);
    expect(Array.from(capped.postingOffsets)).toEqual([0, 1, 2, 3, 4]);
    // x: A, B, C tie at 1/√2 above E's 0.9/‖E‖, A has the lowest id; y: E's 1/‖E‖ beats 1/√2
    expect(Array.from(capped.postingCustomers)).toEqual([0, 4, 2, 3]);
  });
});

describe('CustomerKnnScratch', () => {
  it('scores items by the similarity-weighted mean of the K nearest customers\' vectors', () => {
    const s = new CustomerKnnScratch(index.nCustomers, index.nItems);
    s.load(vectors, 2); // C = (x, z)/√2: sim(A) = sim(B) = 1/2, sim(E) = 0.9/(√2·‖E‖); D shares nothing
    const simE = 0.9 / Math.hypot(0.9, 1) / Math.SQRT2;
    const total = 0.5 + 0.5 + simE;
    const eY = 1 / Math.hypot(0.9, 1);
    const eX = 0.9 / Math.hypot(0.9, 1);
    expect(s.scores[0]).toBeCloseTo((0.5 * r + 0.5 * r + simE * eX) / total, 6);
    expect(s.scores[1]).toBeCloseTo((0.5 * r + 0.5 * r + simE * eY) / total, 6);
    expect(s.scores[2]).toBe(0); // only C itself bought z
    expect(s.scores[3]).toBe(0); // w: D is no neighbour, A's purchase is after T
  });

  it('searches with the customer\'s query items of highest weight only', () => {
    const s = new CustomerKnnScratch(index.nCustomers, index.nItems);
    s.load(vectors, 4);
    expect(s.scores[2]).toBeGreaterThan(0); // C, a neighbour through x, bought z
    s.load(vectors, 4, 300, 1); // E searches with y only: neighbours A and B
    expect([0, 1, 2, 3].map((it) => s.scores[it])).toEqual([expect.closeTo(r, 6), expect.closeTo(r, 6), 0, 0]);
  });

  it('keeps the K most similar customers, ties by dense id, and forgets the previous customer', () => {
    const s = new CustomerKnnScratch(index.nCustomers, index.nItems);
    s.load(vectors, 3, 1);
    expect([0, 1, 2, 3].map((it) => s.scores[it])).toEqual([0, 0, 0, 0]); // D shares no item with anyone
    s.load(vectors, 2, 1); // A and B tie at 1/2 with C: A (id 0) wins
    expect(s.scores[0]).toBeCloseTo(r, 6);
    expect(s.scores[1]).toBeCloseTo(r, 6);
    s.load(vectors, 0, 1); // A's nearest is B (similarity 1)
    expect([0, 1, 2, 3].map((it) => s.scores[it])).toEqual([expect.closeTo(r, 6), expect.closeTo(r, 6), 0, 0]);
  });

  it('skips the items whose weight underflowed to 0, so none is listed twice', () => {
    // Customer 0 buys item 0; customers 1–3 buy items 0 and 1, item 1 with a weight that underflowed to 0.
    const zero: CustomerVectors = {
      offsets: Int32Array.from([0, 1, 3, 5, 7]),
      items: Int32Array.from([0, 0, 1, 0, 1, 0, 1]),
      weight: Float32Array.from([1, 1, 0, 1, 0, 1, 0]),
      postingOffsets: Int32Array.from([0, 4, 7]),
      postingCustomers: Int32Array.from([0, 1, 2, 3, 1, 2, 3]),
      postingWeight: Float32Array.from([1, 1, 1, 1, 0, 0, 0]),
    };
    const s = new CustomerKnnScratch(4, 2);
    s.load(zero, 0);
    expect(Array.from(s.scoredItems)).toEqual([0]);
    expect([s.scores[0], s.scores[1]]).toEqual([1, 0]);
  });

  it('scores only the items asked for, each as without the restriction', () => {
    const all = new CustomerKnnScratch(index.nCustomers, index.nItems);
    const some = new CustomerKnnScratch(index.nCustomers, index.nItems);
    all.load(vectors, 4); // E: neighbours A, B (x, y) and C (x, z)
    some.load(vectors, 4, undefined, undefined, Uint8Array.from([0, 1, 0, 1]));
    expect(Array.from(all.scoredItems).sort()).toEqual([0, 1, 2]);
    expect(Array.from(some.scoredItems)).toEqual([1]);
    expect([0, 1, 2, 3].map((it) => some.scores[it])).toEqual([0, all.scores[1], 0, 0]);
    some.load(vectors, 2, undefined, undefined, Uint8Array.from([1, 0, 0, 0])); // the previous customer's scores are forgotten
    all.load(vectors, 2);
    expect([0, 1, 2, 3].map((it) => some.scores[it])).toEqual([all.scores[0], 0, 0, 0]);
  });
});

describe('customer-KNN candidates and ci_customer_knn_score', () => {
  it('is the neighbour score of each candidate row', () => {
    const fs = buildFeatureSet(index, T, { popularN: 4, popularityWindowDays: 60, copurchaseM: 0 });
    const col = FEATURE_NAMES.indexOf('ci_customer_knn_score');
    const s = new CustomerKnnScratch(index.nCustomers, index.nItems);
    for (let row = 0; row < fs.n; row++) {
      s.load(vectors, fs.customer[row]);
      expect(fs.values[row * FEATURE_NAMES.length + col]).toBeCloseTo(s.scores[fs.item[row]], 6);
    }
    expect(fs.n).toBe(5 * 4);
  });

  it('adds the M\' best-scored items of no other source, and nothing for a customer without neighbours', () => {
    const pool = prepareCandidates(index, T, { popularN: 0, copurchaseM: 0, knnM: 1 });
    const cand = generateCandidates(index, pool, Int32Array.from([2, 3]));
    expect(Array.from(cand.offsets)).toEqual([0, 3, 4]);
    expect(Array.from(cand.items)).toEqual([0, 1, 2, 3]); // C: x, y (from A, B, E), z; D: w
    expect(Array.from(cand.source)).toEqual([SOURCE.own, SOURCE.knn, SOURCE.own, SOURCE.own]);
    expect(cand.knn[1]).toBeGreaterThan(0);
    expect(cand.knn[3]).toBe(0);
  });
});
