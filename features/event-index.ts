/**
 * Compressed sparse row (CSR) indexes over purchase events, built once and
 * reused for every cut-off. Because events are sorted by time, "before the
 * cut-off t" is the event-id prefix [0, e) with e = first event at or after t,
 * and within every customer's, item's or order's event list (kept in event-id
 * order) it is again a prefix, found by binary search.
 */
import { DAY_MS } from '../lib/schema';
import { lowerBound, setHas, type ItemSets } from '../ranking/ranges';
import { FeatureContractError } from './errors';
import type { PurchaseEvents } from './types';

/** Events grouped by one key: events of key k are `events[offsets[k] .. offsets[k+1])`, ascending event id. */
export interface Csr {
  /** Length = keys + 1, offsets[0] = 0. */
  offsets: Int32Array;
  /** Event ids, grouped by key, ascending (= time order) within a key. */
  events: Int32Array;
}

/** The CSR indexes of one `PurchaseEvents`. */
export interface EventIndex {
  /** The indexed events (not copied). */
  events: PurchaseEvents;
  /** Number of events. */
  nEvents: number;
  /** Dense customers, = events.customerIds.length. */
  nCustomers: number;
  /** Dense items, = events.itemIds.length. */
  nItems: number;
  /** Dense orders, = max order id + 1. */
  nOrders: number;
  /** UTC day number (floor(ms / 86,400,000)) of each event. */
  day: Int32Array;
  /** Events per dense customer. */
  byCustomer: Csr;
  /** Events per dense item. */
  byItem: Csr;
  /** Events per dense order (basket). */
  byOrder: Csr;
}

/** Items bought per customer in a time window: CSR item sets keyed by dense customer id (length = customers + 1). */
export type CustomerItemSets = ItemSets;

/** Stable counting sort of event ids 0..n-1 by `key` (values in [0, keys)). */
function groupBy(key: Int32Array, keys: number): Csr {
  const offsets = new Int32Array(keys + 1);
  for (let i = 0; i < key.length; i++) offsets[key[i] + 1]++;
  for (let k = 0; k < keys; k++) offsets[k + 1] += offsets[k];
  const fill = offsets.slice(0, keys);
  const events = new Int32Array(key.length);
  for (let i = 0; i < key.length; i++) events[fill[key[i]]++] = i;
  return { offsets, events };
}

function checkIds(what: string, ids: Int32Array, bound: number, n: number): number {
  if (ids.length !== n) throw new FeatureContractError(what, `expected length ${n}, found ${ids.length}`);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = ids[i];
    if (v < 0 || v >= bound) throw new FeatureContractError(what, `expected an id in [0, ${bound}) at event ${i}, found ${v}`);
    if (v > max) max = v;
  }
  return max + 1;
}

/**
 * Validates purchase events and builds their CSR indexes by customer, item and
 * order. O(n) time and memory.
 * @param events purchase events (contract: `features/types.ts`).
 * @returns the index; it references `events`, which must not be mutated afterwards.
 * @throws FeatureContractError when columns differ in length, ids are out of
 *   range or `time` is not ascending (quoting the event index and values).
 */
export function buildEventIndex(events: PurchaseEvents): EventIndex {
  const n = events.time.length;
  for (let i = 1; i < n; i++) {
    if (!(events.time[i] >= events.time[i - 1])) {
      throw new FeatureContractError(
        'PurchaseEvents.time',
        `expected ascending times, found ${events.time[i - 1]} at event ${i - 1} then ${events.time[i]} at event ${i}`,
      );
    }
  }
  for (const [what, col] of [['quantity', events.quantity], ['spend', events.spend]] as const) {
    if (col.length !== n) throw new FeatureContractError(`PurchaseEvents.${what}`, `expected length ${n}, found ${col.length}`);
  }
  const nCustomers = events.customerIds.length;
  const nItems = events.itemIds.length;
  checkIds('PurchaseEvents.customer', events.customer, nCustomers, n);
  checkIds('PurchaseEvents.item', events.item, nItems, n);
  const nOrders = checkIds('PurchaseEvents.order', events.order, 2 ** 31 - 1, n);
  const day = new Int32Array(n);
  for (let i = 0; i < n; i++) day[i] = Math.floor(events.time[i] / DAY_MS);
  return {
    events,
    nEvents: n,
    nCustomers,
    nItems,
    nOrders,
    day,
    byCustomer: groupBy(events.customer, nCustomers),
    byItem: groupBy(events.item, nItems),
    byOrder: groupBy(events.order, nOrders),
  };
}

/**
 * Number of events strictly before `t` (ms UTC): events [0, result) are the past at cut-off t.
 * @param index the event index.
 * @param t cut-off, ms since the Unix epoch.
 */
export function eventsBefore(index: EventIndex, t: number): number {
  return lowerBound(index.events.time, t);
}

/**
 * End of key k's past events in a CSR: its events before the cut-off are
 * `csr.events[csr.offsets[k] .. result)`.
 * @param csr one of the index's CSRs.
 * @param k key (customer, item or order).
 * @param e event-id bound from {@link eventsBefore}.
 */
export function pastEnd(csr: Csr, k: number, e: number): number {
  return lowerBound(csr.events, e, csr.offsets[k], csr.offsets[k + 1]);
}

/**
 * Distinct items each customer bought in [from, to) ms UTC, as CSR over all
 * dense customers (empty for customers without events in the window).
 * The labels of a feature set and the truth of the protocol are this set
 * with from = cut-off, to = cut-off + horizon.
 * @param index the event index.
 * @param from window start, inclusive, ms UTC.
 * @param to window end, exclusive, ms UTC.
 */
export function customerItemsInWindow(index: EventIndex, from: number, to: number): CustomerItemSets {
  const lo = eventsBefore(index, from);
  const hi = eventsBefore(index, to);
  const { item } = index.events;
  const offsets = new Int32Array(index.nCustomers + 1);
  const seen = new Int32Array(index.nItems).fill(-1);
  const collected: number[] = [];
  for (let c = 0; c < index.nCustomers; c++) {
    const start = collected.length;
    const a = lowerBound(index.byCustomer.events, lo, index.byCustomer.offsets[c], index.byCustomer.offsets[c + 1]);
    const b = lowerBound(index.byCustomer.events, hi, a, index.byCustomer.offsets[c + 1]);
    for (let p = a; p < b; p++) {
      const it = item[index.byCustomer.events[p]];
      if (seen[it] !== c) {
        seen[it] = c;
        collected.push(it);
      }
    }
    const slice = collected.slice(start).sort((x, y) => x - y);
    for (let k = 0; k < slice.length; k++) collected[start + k] = slice[k];
    offsets[c + 1] = collected.length;
  }
  return { offsets, items: Int32Array.from(collected) };
}

/**
 * Labels of (customer, item) pairs at a cut-off: 1 where `customer[i]` bought
 * `item[i]` in [cutoff, cutoff + H days) ({@link customerItemsInWindow}), else 0.
 * @param customer dense customer ids, one per pair.
 * @param item dense item ids, aligned with `customer`.
 * @param cutoff t, ms UTC.
 * @returns one label per pair.
 */
export function boughtInHorizon(index: EventIndex, customer: Int32Array, item: Int32Array, cutoff: number, horizonDays: number): Uint8Array {
  const truth = customerItemsInWindow(index, cutoff, cutoff + horizonDays * DAY_MS);
  const label = new Uint8Array(customer.length);
  for (let i = 0; i < label.length; i++) if (setHas(truth, customer[i], item[i])) label[i] = 1;
  return label;
}

/**
 * True when the data reach the end of the horizon after `asOf` (`asOf` + H days,
 * ms UTC), so truth is complete: the data's end, the last event's time + 1 ms (the
 * as-of time `resolveAsOf` takes by default), is at or after it.
 */
export function canEvaluate(index: EventIndex, asOf: number, horizonDays: number): boolean {
  const { time } = index.events;
  return time.length > 0 && time[time.length - 1] + 1 >= asOf + horizonDays * DAY_MS;
}

/**
 * Number of known customers at cut-off t: customers with an event before t.
 * Dense ids follow first appearance in time order, so they are exactly the ids [0, result).
 * @param index the event index.
 * @param e event-id bound from {@link eventsBefore}.
 */
export function knownCustomers(index: EventIndex, e: number): number {
  let k = 0;
  for (let i = 0; i < e; i++) if (index.events.customer[i] >= k) k = index.events.customer[i] + 1;
  return k;
}

/**
 * Number of known items at cut-off t (items with an event before t), ids [0, result).
 * @param index the event index.
 * @param e event-id bound from {@link eventsBefore}.
 */
export function knownItems(index: EventIndex, e: number): number {
  let k = 0;
  for (let i = 0; i < e; i++) if (index.events.item[i] >= k) k = index.events.item[i] + 1;
  return k;
}
