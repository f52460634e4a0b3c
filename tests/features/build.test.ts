import { buildEventIndex } from '../../features/event-index';
import { buildFeatureSet, candidateRecall, FEATURE_NAMES } from '../../features/build';
import { purchaseEvents } from '../../features/events';
import type { FeatureSet, PurchaseEvents } from '../../features/types';
import { FeatureContractError } from '../../features/errors';
import { DAY_MS } from '../../lib/schema';
import { cleanTable, Line, RETAIL_RULES, syntheticShop, T } from './fixtures';

// A = 14001, B = 14002; as-of T = 2011-11-09T00:00Z (T − 7 d = 11-02, − 30 d = 10-10, − 90 d = 08-11, − 180 d = 05-13).
const LINES: Line[] = [
  ['14001', '22000', '2011-05-12T10:00:00Z', 2, 2.0, '500001'], // outside 180 d
  ['14001', '22000', '2011-08-11T10:00:00Z', 1, 2.0, '500002'], // inside 90 d
  ['14001', '22000', '2011-08-11T10:00:00Z', 3, 2.0, '500002'], // second line, same order
  ['14001', '22000', '2011-10-20T09:00:00Z', 1, 2.0, '500003'], // inside 30 d
  ['14001', '22000', '2011-10-20T15:00:00Z', 1, 2.0, '500004'], // same day, another order
  ['14001', '22001', '2011-10-20T15:00:00Z', 4, 1.0, '500004'],
  ['14002', '22001', '2011-11-02T10:00:00Z', 1, 1.0, '500005'],
  ['14002', '22001', '2011-11-05T10:00:00Z', 1, 1.0, '500006'],
  ['14002', '22002', '2011-11-05T10:00:00Z', 1, 1.0, '500006'],
  ['14001', '22002', '2011-11-10T10:00:00Z', 1, 1.0, '500007'], // after T: label only
];
const events = purchaseEvents(cleanTable(LINES), RETAIL_RULES);
const days = (iso: string): number => (T - Date.parse(iso)) / DAY_MS;

function row(fs: FeatureSet, ev: PurchaseEvents, customer: string, item: string): Record<string, number> {
  const c = ev.customerIds.indexOf(customer);
  const i = ev.itemIds.indexOf(item);
  const r = [...fs.customer.keys()].find((k) => fs.customer[k] === c && fs.item[k] === i);
  if (r === undefined) throw new Error(`no candidate row (${customer}, ${item})`);
  return Object.fromEntries(fs.names.map((name, k) => [name, fs.values[r * fs.names.length + k]]));
}

function pairs(fs: FeatureSet, ev: PurchaseEvents): string[] {
  return [...fs.customer.keys()].map((r) => `${ev.customerIds[fs.customer[r]]}:${ev.itemIds[fs.item[r]]}`);
}

describe('buildFeatureSet on a hand-made table', () => {
  const fs = buildFeatureSet(events, T, { popularN: 1, copurchaseM: 5, withLabels: true });

  it('generates own, popular and co-purchase candidates, rows sorted by (customer, item)', () => {
    // Popular top 1 in [10-10, T): 22001 (3 events). A's last orders hold {22000, 22001};
    // 22002 co-occurs with 22001 in order 500006 → A gets 22002. B gets 22000 through 22001.
    expect(pairs(fs, events)).toEqual(['14001:22000', '14001:22001', '14001:22002', '14002:22000', '14002:22001', '14002:22002']);
    expect(fs.names).toEqual(FEATURE_NAMES);
    expect(fs.values.length).toBe(fs.n * FEATURE_NAMES.length);
  });

  it('computes customer-item aggregates from events before T only', () => {
    const r = row(fs, events, '14001', '22000');
    expect([r.ci_orders, r.ci_days]).toEqual([4, 3]);
    expect([r.ci_orders_30d, r.ci_days_30d, r.ci_orders_90d, r.ci_days_90d, r.ci_orders_180d, r.ci_days_180d]).toEqual([2, 1, 3, 2, 3, 2]);
    expect(r.ci_days_since_last).toBeCloseTo(days('2011-10-20T15:00:00Z'), 4);
    expect(r.ci_days_since_first).toBeCloseTo(days('2011-05-12T10:00:00Z'), 4);
    expect([r.ci_quantity, r.ci_spend]).toEqual([8, 16]);
    const interval = (days('2011-05-12T10:00:00Z') - days('2011-10-20T15:00:00Z')) / 3;
    expect(r.ci_mean_interval_days).toBeCloseTo(interval, 4);
    expect(r.ci_due_ratio).toBeCloseTo(days('2011-10-20T15:00:00Z') / interval, 4);
    expect(r.src_is_own_item).toBe(1);
  });

  it('computes order-indexed shares: decayed (0.9 per later order), last five orders, orders since the last', () => {
    // A's orders before T, oldest first: 500001, 500002 (two lines of 22000), 500003, 500004.
    const norm = (orders: number): number => (1 - 0.9) / (1 - 0.9 ** orders);
    const a0 = row(fs, events, '14001', '22000'); // in all four orders
    expect([a0.ci_decayed_order_share, a0.ci_last5_order_share, a0.ci_orders_since_last]).toEqual([expect.closeTo(1, 6), 1, 0]);
    const a1 = row(fs, events, '14001', '22001'); // in the last order only
    expect(a1.ci_decayed_order_share).toBeCloseTo(norm(4), 6);
    expect([a1.ci_last5_order_share, a1.ci_orders_since_last]).toEqual([0.25, 0]);
    const a2 = row(fs, events, '14001', '22002'); // never before T: its orders since are all A's orders
    expect([a2.ci_decayed_order_share, a2.ci_last5_order_share, a2.ci_orders_since_last]).toEqual([0, 0, 4]);
    const b2 = row(fs, events, '14002', '22002'); // B: 500005 {22001}, 500006 {22001, 22002}
    expect(b2.ci_decayed_order_share).toBeCloseTo(norm(2), 6);
    expect(b2.ci_last5_order_share).toBe(0.5);
    const b1 = row(fs, events, '14002', '22001');
    expect(b1.ci_decayed_order_share).toBeCloseTo((0.9 + 1) * norm(2), 6);
    expect(row(fs, events, '14002', '22000').ci_orders_since_last).toBe(2);
  });

  it('censors recency at the tenure for items the customer never bought', () => {
    const r = row(fs, events, '14001', '22002');
    expect([r.ci_orders, r.ci_quantity, r.ci_days_since_first, r.ci_mean_interval_days, r.ci_due_ratio]).toEqual([0, 0, 0, 0, 0]);
    expect(r.ci_days_since_last).toBeCloseTo(r.c_tenure_days, 5);
    expect([r.src_is_own_item, r.src_is_popular, r.src_is_copurchase]).toEqual([0, 0, 1]);
    // cos(22001, 22002) = 1 basket together / √(3 baskets · 1 basket).
    expect(r.src_copurchase_score).toBeCloseTo(1 / Math.sqrt(3), 6);
  });

  it('computes customer aggregates', () => {
    const r = row(fs, events, '14001', '22001');
    expect([r.c_orders, r.c_distinct_items, r.c_spend, r.c_orders_30d, r.c_orders_90d]).toEqual([4, 2, 20, 2, 3]);
    expect(r.c_days_since_last).toBeCloseTo(days('2011-10-20T15:00:00Z'), 4);
    expect(r.c_tenure_days).toBeCloseTo(days('2011-05-12T10:00:00Z'), 4);
    // Typical gap: first to last order over 3 gaps; due ratio = recency in units of it.
    const gap = (days('2011-05-12T10:00:00Z') - days('2011-10-20T15:00:00Z')) / 3;
    expect(r.c_mean_gap_days).toBeCloseTo(gap, 4);
    expect(r.c_due_ratio).toBeCloseTo(days('2011-10-20T15:00:00Z') / gap, 4);
    // B: 2 orders 3 days apart, the last one on 11-05 10:00.
    const b = row(fs, events, '14002', '22001');
    expect(b.c_mean_gap_days).toBeCloseTo(3, 5);
    expect(b.c_due_ratio).toBeCloseTo(days('2011-11-05T10:00:00Z') / 3, 5);
  });

  it('computes customer-relative pair features', () => {
    const own = row(fs, events, '14001', '22001'); // 1 of A's 4 orders, the last one
    expect([own.ci_order_share, own.ci_last_order_lag_days, own.c_repeat_item_share]).toEqual([0.25, 0, 0.5]); // 22000 repeated, 22001 not
    const older = row(fs, events, '14002', '22002'); // B's last order holds 22002 too
    expect([older.ci_order_share, older.ci_last_order_lag_days, older.c_repeat_item_share]).toEqual([0.5, 0, 0.5]);
    const first = row(fs, events, '14002', '22001'); // in both of B's orders
    expect(first.ci_order_share).toBe(1);
    const never = row(fs, events, '14001', '22002'); // never bought: tenure − recency
    expect(never.ci_order_share).toBe(0);
    expect(never.ci_last_order_lag_days).toBeCloseTo(never.c_tenure_days - never.c_days_since_last, 4);
  });

  it('computes item aggregates and source features', () => {
    const r = row(fs, events, '14002', '22001');
    expect([r.i_buyers_7d, r.i_buyers_14d, r.i_buyers_30d, r.i_buyers_90d, r.i_buyers_all]).toEqual([1, 1, 2, 2, 2]);
    expect([r.i_orders_7d, r.i_orders_14d, r.i_orders_30d, r.i_orders_90d, r.i_orders_all]).toEqual([2, 2, 3, 3, 3]);
    expect(r.i_trend).toBe(4); // (3 + 1) / (0 + 1)
    expect(r.i_repeat_share).toBe(0.5); // B bought it in 2 orders, A in 1
    expect(r.i_age_days).toBeCloseTo(days('2011-10-20T15:00:00Z'), 4);
    expect([r.src_is_own_item, r.src_is_popular, r.src_popularity_rank]).toEqual([1, 1, 1]);
    // B's seeds {22001, 22002}: 22001 scores cos(22002, 22001) = 1/√3.
    expect(r.src_copurchase_score).toBeCloseTo(1 / Math.sqrt(3), 6);
  });

  it('labels purchases in [T, T + horizon) and measures candidate recall', () => {
    expect(Array.from(fs.label ?? [])).toEqual([0, 0, 1, 0, 0, 0]);
    expect(candidateRecall(fs, events)).toBe(1);
    const ownOnly = buildFeatureSet(events, T, { popularN: 0, copurchaseM: 0 });
    expect(pairs(ownOnly, events)).toEqual(['14001:22000', '14001:22001', '14002:22001', '14002:22002']);
    expect(ownOnly.label).toBeUndefined();
    expect(candidateRecall(ownOnly, events)).toBe(0);
  });

  it('refuses a cut-off without known customers', () => {
    expect(() => buildFeatureSet(events, Date.parse('2011-01-01T00:00:00Z'))).toThrow(FeatureContractError);
    expect(() => buildFeatureSet(events, Date.parse('2011-01-01T00:00:00Z'))).toThrow('no purchase event before 2011-01-01T00:00:00.000Z');
  });
});

describe('point-in-time correctness', () => {
  const lines = syntheticShop();
  const all = purchaseEvents(cleanTable(lines), RETAIL_RULES);
  const index = buildEventIndex(all);

  it.each([['2011-09-15T00:00:00Z'], ['2011-11-09T00:00:00Z']])(
    'gives identical ids and features on all events and on the lines before %s',
    (iso) => {
      const t = Date.parse(iso);
      const past = purchaseEvents(cleanTable(lines.filter((l) => Date.parse(l[2]) < t)), RETAIL_RULES);
      // Dense ids follow first appearance in time: the past vocabulary is a prefix of the full one.
      expect(past.customerIds).toEqual(all.customerIds.slice(0, past.customerIds.length));
      expect(past.itemIds).toEqual(all.itemIds.slice(0, past.itemIds.length));
      const options = { popularN: 10, copurchaseM: 10, recentOrders: 2 };
      const full = buildFeatureSet(index, t, { ...options, withLabels: true });
      const truncated = buildFeatureSet(past, t, options);
      expect(full.n).toBeGreaterThan(100);
      expect(Array.from(truncated.customer)).toEqual(Array.from(full.customer));
      expect(Array.from(truncated.item)).toEqual(Array.from(full.item));
      expect(Array.from(truncated.values)).toEqual(Array.from(full.values));
      // Only the labels see the horizon: some candidates are bought in it.
      expect((full.label as Uint8Array).reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
    },
  );
});
