/**
 * Customer-item aggregates: what one customer did with each item before the
 * cut-off. Accumulated per customer into item-indexed scratch arrays that are
 * reset through a touched list, so a customer costs O(its past events).
 */
import { DAY_MS } from '../lib/schema';
import { EventIndex, pastEnd } from './event-index';

/** Feature names written by {@link writeCustomerItemFeatures}, in order. */
export const CUSTOMER_ITEM_FEATURES = [
  'ci_orders', // distinct orders with the item, all history
  'ci_days', // distinct UTC days with the item, all history
  'ci_orders_30d',
  'ci_days_30d',
  'ci_orders_90d',
  'ci_days_90d',
  'ci_orders_180d',
  'ci_days_180d',
  'ci_days_since_last', // censored at the customer's tenure when never bought
  'ci_days_since_first', // 0 when never bought
  'ci_quantity', // units bought
  'ci_spend', // Σ quantity × unit price
  'ci_mean_interval_days', // (last − first) / (orders − 1); 0 below 2 orders
  'ci_due_ratio', // days since last ÷ max(mean interval, 1 day); 0 below 2 orders
  'ci_decayed_order_share', // Σ over the customer's orders holding the item of ORDER_DECAY^(orders after it), ÷ the same sum over all its orders
  'ci_last5_order_share', // share of the customer's last min(5, orders) orders holding the item
  'ci_orders_since_last', // the customer's orders after its last order with the item; its order count when never bought
] as const;

/**
 * Per-order decay of `ci_decayed_order_share`: the personal item-frequency
 * vector of TIFU-KNN (Hu et al., "Modeling Personalized Item Frequency
 * Information for Next-basket Recommendation", SIGIR 2020), whose within-group
 * basket decay is 0.9, with one basket per group.
 */
const ORDER_DECAY = 0.9;
/** Orders counted by `ci_last5_order_share`. */
const LAST_ORDERS = 5;

const WINDOWS = [30, 90, 180];

/** Item-indexed scratch arrays for one customer at a time. */
export class CustomerItemScratch {
  readonly orders: Float32Array;
  readonly days: Float32Array;
  /** [window][item] distinct orders / days in the last 30, 90, 180 days. */
  readonly windowOrders: Float32Array[];
  readonly windowDays: Float32Array[];
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly quantity: Float32Array;
  readonly spend: Float32Array;
  readonly lastOrder: Int32Array;
  readonly lastDay: Int32Array;
  /** The customer's 0-based order index (in time order) of the item's last order. */
  readonly lastOrderIndex: Int32Array;
  /** Σ ORDER_DECAY^(lastOrderIndex − k) over the customer's orders k holding the item. */
  readonly decayed: Float32Array;
  /** Orders of the item among the customer's last LAST_ORDERS orders. */
  readonly recentOrders: Float32Array;
  /** Distinct orders of the current customer before the cut-off. */
  customerOrders = 0;
  /** Items of the current customer, in order of first purchase. */
  touched: number[] = [];

  /** @param nItems number of dense items of the index. */
  constructor(nItems: number) {
    this.orders = new Float32Array(nItems);
    this.days = new Float32Array(nItems);
    this.windowOrders = WINDOWS.map(() => new Float32Array(nItems));
    this.windowDays = WINDOWS.map(() => new Float32Array(nItems));
    this.first = new Float64Array(nItems);
    this.last = new Float64Array(nItems);
    this.quantity = new Float32Array(nItems);
    this.spend = new Float32Array(nItems);
    this.lastOrder = new Int32Array(nItems).fill(-1);
    this.lastDay = new Int32Array(nItems).fill(-1);
    this.lastOrderIndex = new Int32Array(nItems);
    this.decayed = new Float32Array(nItems);
    this.recentOrders = new Float32Array(nItems);
  }

  /**
   * Σ over the current customer's orders holding `item` of
   * ORDER_DECAY^(the customer's orders after that one): the item's TIFU-KNN
   * personal weight before normalisation; 0 when never bought.
   */
  decayedWeight(item: number): number {
    return this.orders[item] === 0 ? 0 : this.decayed[item] * ORDER_DECAY ** (this.customerOrders - 1 - this.lastOrderIndex[item]);
  }

  /** True when the current customer bought `item` before the cut-off. */
  has(item: number): boolean {
    return this.orders[item] > 0;
  }

  private reset(): void {
    for (const it of this.touched) {
      this.orders[it] = 0;
      this.days[it] = 0;
      for (let w = 0; w < WINDOWS.length; w++) {
        this.windowOrders[w][it] = 0;
        this.windowDays[w][it] = 0;
      }
      this.quantity[it] = 0;
      this.spend[it] = 0;
      this.lastOrder[it] = -1;
      this.lastDay[it] = -1;
      this.decayed[it] = 0;
      this.recentOrders[it] = 0;
    }
    this.touched = [];
    this.customerOrders = 0;
  }

  /**
   * Loads customer c's events before the cut-off, replacing the previous customer.
   * A distinct order is a change of order id along the item's time-ordered
   * events, which is exact unless two orders of one customer interleave at the
   * same millisecond.
   * @param index the event index.
   * @param c dense customer id.
   * @param e events before the cut-off.
   * @param cutoff t, ms UTC.
   */
  load(index: EventIndex, c: number, e: number, cutoff: number): void {
    this.reset();
    const { item, order, time, quantity, spend } = index.events;
    const from = WINDOWS.map((d) => cutoff - d * DAY_MS);
    const start = index.byCustomer.offsets[c];
    const end = pastEnd(index.byCustomer, c, e);
    const orderOf = new Map<number, number>();
    for (let p = start; p < end; p++) {
      const o = order[index.byCustomer.events[p]];
      if (!orderOf.has(o)) orderOf.set(o, orderOf.size);
    }
    const nOrders = orderOf.size;
    this.customerOrders = nOrders;
    for (let p = start; p < end; p++) {
      const ev = index.byCustomer.events[p];
      const it = item[ev];
      const t = time[ev];
      if (this.lastOrder[it] < 0) {
        this.touched.push(it);
        this.first[it] = t;
      }
      this.last[it] = t;
      this.quantity[it] += quantity[ev];
      this.spend[it] += spend[ev];
      if (this.lastOrder[it] !== order[ev]) {
        const k = orderOf.get(order[ev])!;
        this.decayed[it] = this.orders[it] === 0 ? 1 : this.decayed[it] * ORDER_DECAY ** (k - this.lastOrderIndex[it]) + 1;
        this.lastOrderIndex[it] = k;
        if (k >= nOrders - LAST_ORDERS) this.recentOrders[it]++;
        this.lastOrder[it] = order[ev];
        this.orders[it]++;
        for (let w = 0; w < WINDOWS.length; w++) if (t >= from[w]) this.windowOrders[w][it]++;
      }
      const d = index.day[ev];
      if (this.lastDay[it] !== d) {
        this.lastDay[it] = d;
        this.days[it]++;
        for (let w = 0; w < WINDOWS.length; w++) if (t >= from[w]) this.windowDays[w][it]++;
      }
    }
  }
}

/**
 * Writes the {@link CUSTOMER_ITEM_FEATURES} of (loaded customer, item) into
 * `out[at .. at + CUSTOMER_ITEM_FEATURES.length)`.
 * @param s scratch loaded with the customer ({@link CustomerItemScratch.load}).
 * @param item dense item id.
 * @param cutoff t, ms UTC.
 * @param tenureDays the customer's days since first order, the censored recency of never-bought items.
 * @param out row-major feature matrix.
 * @param at offset of the first value.
 */
export function writeCustomerItemFeatures(
  s: CustomerItemScratch,
  item: number,
  cutoff: number,
  tenureDays: number,
  out: Float32Array,
  at: number,
): void {
  if (!s.has(item)) {
    out.fill(0, at, at + CUSTOMER_ITEM_FEATURES.length);
    out[at + 8] = tenureDays;
    out[at + 16] = s.customerOrders;
    return;
  }
  const orders = s.orders[item];
  out[at] = orders;
  out[at + 1] = s.days[item];
  for (let w = 0; w < WINDOWS.length; w++) {
    out[at + 2 + 2 * w] = s.windowOrders[w][item];
    out[at + 3 + 2 * w] = s.windowDays[w][item];
  }
  const sinceLast = (cutoff - s.last[item]) / DAY_MS;
  out[at + 8] = sinceLast;
  out[at + 9] = (cutoff - s.first[item]) / DAY_MS;
  out[at + 10] = s.quantity[item];
  out[at + 11] = s.spend[item];
  const interval = orders >= 2 ? (s.last[item] - s.first[item]) / DAY_MS / (orders - 1) : 0;
  out[at + 12] = interval;
  out[at + 13] = orders >= 2 ? sinceLast / Math.max(interval, 1) : 0;
  const after = s.customerOrders - 1 - s.lastOrderIndex[item];
  out[at + 14] = (s.decayedWeight(item) * (1 - ORDER_DECAY)) / (1 - ORDER_DECAY ** s.customerOrders);
  out[at + 15] = s.recentOrders[item] / Math.min(LAST_ORDERS, s.customerOrders);
  out[at + 16] = after;
}
