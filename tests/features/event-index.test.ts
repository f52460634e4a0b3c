import { buildEventIndex, customerItemsInWindow, eventsBefore, knownCustomers, pastEnd } from '../../features/event-index';
import { FeatureContractError } from '../../features/errors';
import type { PurchaseEvents } from '../../features/types';

const day = (d: string): number => Date.parse(`${d}T10:00:00Z`);
// Customers 0, 1, 2 first seen in that order; item 1 bought twice by customer 0.
const EVENTS: PurchaseEvents = {
  customer: Int32Array.from([0, 1, 0, 2, 0]),
  item: Int32Array.from([0, 1, 1, 2, 1]),
  time: Float64Array.from([day('2011-11-01'), day('2011-11-02'), day('2011-11-03'), day('2011-11-10'), day('2011-11-12')]),
  quantity: Float32Array.from([1, 1, 1, 1, 1]),
  spend: Float32Array.from([1, 1, 1, 1, 1]),
  order: Int32Array.from([0, 1, 2, 3, 4]),
  customerIds: ['12347', '12348', '12349'],
  itemIds: ['22000', '22001', '22002'],
};

describe('buildEventIndex', () => {
  const index = buildEventIndex(EVENTS);

  it('groups events by customer in time order and finds the past prefix', () => {
    expect(Array.from(index.byCustomer.offsets)).toEqual([0, 3, 4, 5]);
    expect(Array.from(index.byCustomer.events)).toEqual([0, 2, 4, 1, 3]);
    const e = eventsBefore(index, Date.parse('2011-11-09T00:00:00Z'));
    expect(e).toBe(3);
    expect(pastEnd(index.byCustomer, 0, e)).toBe(2); // events 0 and 2
    expect(knownCustomers(index, e)).toBe(2);
  });

  it('collects the distinct items per customer in a window [from, to)', () => {
    const w = customerItemsInWindow(index, day('2011-11-03'), day('2011-11-12') + 1);
    expect(Array.from(w.offsets)).toEqual([0, 1, 1, 2]);
    expect(Array.from(w.items)).toEqual([1, 2]);
  });

  it('rejects events that are not sorted by time or hold ids out of range', () => {
    const unsorted = { ...EVENTS, time: Float64Array.from([3, 2, 4, 5, 6]) };
    expect(() => buildEventIndex(unsorted)).toThrow(FeatureContractError);
    expect(() => buildEventIndex(unsorted)).toThrow('PurchaseEvents.time: expected ascending times, found 3 at event 0 then 2 at event 1');
    const badItem = { ...EVENTS, item: Int32Array.from([0, 1, 7, 2, 1]) };
    expect(() => buildEventIndex(badItem)).toThrow('PurchaseEvents.item: expected an id in [0, 3) at event 2, found 7');
  });
});
