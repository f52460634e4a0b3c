/**
 * `listComposition` counts the places of the lists by repeat and new items and
 * the customers' past items by the days since their last purchase, against the
 * truth, for evaluated customers only.
 */
import { buildEventIndex } from '../../features/event-index';
import type { PurchaseEvents } from '../../features/types';
import { listComposition } from '../../evaluation/list-composition';
import { buildTruth } from '../../evaluation/truth';
import { DAY_MS } from '../../lib/schema';

const T = Date.UTC(2011, 10, 9);

/** [customer, item, days from T] per event, in time order; dense ids in order of first appearance. */
const EVENTS: [number, number, number][] = [
  [0, 0, -320],
  [0, 1, -100],
  [1, 1, -50],
  [0, 2, -10],
  [2, 3, -5],
  [0, 0, 1], // 320 days after its last purchase
  [0, 2, 2],
  [0, 3, 3], // new to customer 0
  [2, 1, 4], // new to customer 2
];

function events(): PurchaseEvents {
  const n = EVENTS.length;
  return {
    customer: Int32Array.from(EVENTS, ([c]) => c),
    item: Int32Array.from(EVENTS, ([, i]) => i),
    time: Float64Array.from(EVENTS, ([, , d]) => T + d * DAY_MS),
    quantity: new Float32Array(n).fill(1),
    spend: new Float32Array(n).fill(1),
    order: Int32Array.from(EVENTS, (_, e) => e),
    customerIds: ['c0', 'c1', 'c2'],
    itemIds: ['i0', 'i1', 'i2', 'i3'],
  };
}

describe('listComposition', () => {
  const index = buildEventIndex(events());
  const truth = buildTruth(index, T, 30);
  // Rows out of order: customer 0 lists items 2, 3, 1; customer 1 (not evaluated) item 0; customer 2 item 3.
  const rows: [number, number, number][] = [[2, 3, 1], [0, 1, 3], [1, 0, 1], [0, 2, 1], [0, 3, 2]];
  const lists = {
    customer: Int32Array.from(rows, ([c]) => c),
    item: Int32Array.from(rows, ([, i]) => i),
    rank: Int32Array.from(rows, ([, , r]) => r),
  };

  it('counts repeat and new places of the evaluated customers with their hits', () => {
    const out = listComposition(index, lists, truth);
    expect(out.customers).toBe(2);
    expect([out.repeatPlaces, out.repeatHits, out.newPlaces, out.newHits]).toEqual([3, 1, 1, 1]);
  });

  it('counts the past items by days since their last purchase: bought, listed and both', () => {
    const out = listComposition(index, lists, truth);
    expect(out.byRecency.map((b) => [b.fromDays, b.toDays])).toEqual([[0, 30], [30, 90], [90, 180], [180, 300], [300, Infinity]]);
    expect(out.byRecency.map((b) => b.counts)).toEqual([
      { pairs: 2, bought: 1, listed: 2, listedBought: 1 }, // c0's item 2 (10 days), c2's item 3 (5 days)
      { pairs: 0, bought: 0, listed: 0, listedBought: 0 },
      { pairs: 1, bought: 0, listed: 1, listedBought: 0 }, // c0's item 1 (100 days)
      { pairs: 0, bought: 0, listed: 0, listedBought: 0 },
      { pairs: 1, bought: 1, listed: 0, listedBought: 0 }, // c0's item 0 (320 days), bought again but not listed
    ]);
  });

  it('counts the past items of an evaluated customer without a list as unlisted', () => {
    const out = listComposition(index, { customer: new Int32Array(0), item: new Int32Array(0), rank: new Int32Array(0) }, truth);
    expect([out.repeatPlaces, out.newPlaces]).toEqual([0, 0]);
    expect(out.byRecency.reduce((s, b) => s + b.counts.pairs, 0)).toBe(4);
    expect(out.byRecency.reduce((s, b) => s + b.counts.listed, 0)).toBe(0);
  });
});
