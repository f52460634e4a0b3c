/**
 * Customer and item aggregates at one cut-off t, from events strictly before t
 * only (point-in-time correct). Days are float days: ms / 86,400,000.
 */
import { DAY_MS } from '../lib/schema';
import { EventIndex, pastEnd } from './event-index';

/** Per known customer (dense ids [0, n)), events before the cut-off. */
export interface CustomerAggregates {
  /** Distinct orders. */
  orders: Float32Array;
  /** Days from the last order to the cut-off. */
  daysSinceLast: Float32Array;
  /** Days from the first order to the cut-off. */
  tenureDays: Float32Array;
  /** Distinct items bought. */
  distinctItems: Float32Array;
  /** Total spend (Σ quantity × unit price). */
  spend: Float32Array;
  /** Distinct orders in [t − 30 d, t). */
  orders30: Float32Array;
  /** Distinct orders in [t − 90 d, t). */
  orders90: Float32Array;
}

/** Per known item (dense ids [0, n)), events before the cut-off. */
export interface ItemAggregates {
  /** Distinct buyers in [t − 7 d, t), [t − 14 d, t), [t − 30 d, t), [t − 90 d, t) and all history. */
  buyers7: Float32Array;
  buyers14: Float32Array;
  buyers30: Float32Array;
  buyers90: Float32Array;
  buyersAll: Float32Array;
  /** Distinct orders (baskets) holding the item, same windows. */
  orders7: Float32Array;
  orders14: Float32Array;
  orders30: Float32Array;
  orders90: Float32Array;
  ordersAll: Float32Array;
  /** (orders in [t − 30 d, t) + 1) ÷ (orders in [t − 60 d, t − 30 d) + 1): add-one smoothed ratio, 1 = flat. */
  trend: Float32Array;
  /** Share of the item's buyers who bought it in ≥ 2 distinct orders (0 without buyers). */
  repeatShare: Float32Array;
  /** Days from the item's first purchase to the cut-off. */
  ageDays: Float32Array;
}

/**
 * Customer aggregates at cut-off t for customers [0, known). O(events before t).
 * @param index the event index.
 * @param cutoff t, ms UTC.
 * @param e events before t (`eventsBefore(index, t)`).
 * @param known number of known customers at t (`knownCustomers(index, e)`).
 */
export function customerAggregates(index: EventIndex, cutoff: number, e: number, known: number): CustomerAggregates {
  const { order, time, item, spend } = index.events;
  const out: CustomerAggregates = {
    orders: new Float32Array(known),
    daysSinceLast: new Float32Array(known),
    tenureDays: new Float32Array(known),
    distinctItems: new Float32Array(known),
    spend: new Float32Array(known),
    orders30: new Float32Array(known),
    orders90: new Float32Array(known),
  };
  const orderMark = new Int32Array(index.nOrders).fill(-1);
  const itemMark = new Int32Array(index.nItems).fill(-1);
  const from30 = cutoff - 30 * DAY_MS;
  const from90 = cutoff - 90 * DAY_MS;
  for (let c = 0; c < known; c++) {
    const start = index.byCustomer.offsets[c];
    const end = pastEnd(index.byCustomer, c, e);
    let total = 0;
    for (let p = start; p < end; p++) {
      const ev = index.byCustomer.events[p];
      total += spend[ev];
      if (itemMark[item[ev]] !== c) {
        itemMark[item[ev]] = c;
        out.distinctItems[c]++;
      }
      if (orderMark[order[ev]] === c) continue;
      orderMark[order[ev]] = c;
      out.orders[c]++;
      if (time[ev] >= from30) out.orders30[c]++;
      if (time[ev] >= from90) out.orders90[c]++;
    }
    out.spend[c] = total;
    out.tenureDays[c] = (cutoff - time[index.byCustomer.events[start]]) / DAY_MS;
    out.daysSinceLast[c] = (cutoff - time[index.byCustomer.events[end - 1]]) / DAY_MS;
  }
  return out;
}

/**
 * Item aggregates at cut-off t for items [0, known). Each item's past events
 * are walked newest first, so the first sighting of a buyer or an order gives
 * its latest time and thereby every window it falls in. O(events before t).
 * @param index the event index.
 * @param cutoff t, ms UTC.
 * @param e events before t (`eventsBefore(index, t)`).
 * @param known number of known items at t (`knownItems(index, e)`).
 */
export function itemAggregates(index: EventIndex, cutoff: number, e: number, known: number): ItemAggregates {
  const { order, time, customer } = index.events;
  const f = (): Float32Array => new Float32Array(known);
  const out: ItemAggregates = {
    buyers7: f(), buyers14: f(), buyers30: f(), buyers90: f(), buyersAll: f(),
    orders7: f(), orders14: f(), orders30: f(), orders90: f(), ordersAll: f(),
    trend: f(), repeatShare: f(), ageDays: f(),
  };
  const bounds = [7, 30, 60, 90, 14].map((d) => cutoff - d * DAY_MS);
  const orderMark = new Int32Array(index.nOrders).fill(-1);
  const buyerMark = new Int32Array(index.nCustomers).fill(-1);
  const buyerOrders = new Int32Array(index.nCustomers);
  for (let i = 0; i < known; i++) {
    const start = index.byItem.offsets[i];
    const end = pastEnd(index.byItem, i, e);
    let repeaters = 0;
    let orders60 = 0;
    for (let p = end - 1; p >= start; p--) {
      const ev = index.byItem.events[p];
      const c = customer[ev];
      const t = time[ev];
      if (buyerMark[c] !== i) {
        buyerMark[c] = i;
        buyerOrders[c] = 0;
        out.buyersAll[i]++;
        if (t >= bounds[0]) out.buyers7[i]++;
        if (t >= bounds[4]) out.buyers14[i]++;
        if (t >= bounds[1]) out.buyers30[i]++;
        if (t >= bounds[3]) out.buyers90[i]++;
      }
      if (orderMark[order[ev]] === i) continue;
      orderMark[order[ev]] = i;
      if (++buyerOrders[c] === 2) repeaters++;
      out.ordersAll[i]++;
      if (t >= bounds[0]) out.orders7[i]++;
      if (t >= bounds[4]) out.orders14[i]++;
      if (t >= bounds[1]) out.orders30[i]++;
      if (t >= bounds[2]) orders60++;
      if (t >= bounds[3]) out.orders90[i]++;
    }
    out.trend[i] = (out.orders30[i] + 1) / (orders60 - out.orders30[i] + 1);
    out.repeatShare[i] = out.buyersAll[i] > 0 ? repeaters / out.buyersAll[i] : 0;
    out.ageDays[i] = end > start ? (cutoff - time[index.byItem.events[start]]) / DAY_MS : 0;
  }
  return out;
}
