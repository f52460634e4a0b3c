import { Table, Utf8, vectorFromArray, TimestampMillisecond } from 'apache-arrow';
import { purchaseEvents } from '../../features/events';
import { evaluatePurchaseRules } from '../../features/rules';
import type { PurchaseRule } from '../../lib/config-types';
import { FeatureColumnError, PurchaseRuleError } from '../../features/errors';
import { cleanTable, Line, RETAIL_RULES } from './fixtures';

// Lines in input order (not time order), with the protocol's quirks.
const LINES: Line[] = [
  ['17850', '85123A', '2011-11-01T08:26:00Z', 6, 2.55, '536365'], // purchase
  ['13047', '22752', '2011-10-30T09:00:00Z', 2, 7.65, '536367'], // purchase, earliest
  [null, '22633', '2011-10-31T10:00:00Z', 6, 1.85, '536368'], // no customer
  ['17850', '84406B', '2011-11-01T08:26:00Z', 8, 2.75, '536365'], // same invoice and time as line 1
  ['17850', '85123A', '2011-11-02T12:00:00Z', -1, 2.55, 'C536379'], // cancellation, negative quantity
  ['13047', 'POST', '2011-10-30T09:00:00Z', 1, 18.0, '536367'], // postage: not a product code
  ['12583', '22745', '2011-11-01T08:26:00Z', 3, 0, '536370'], // zero price
  ['12583', '21754', '2011-11-01T08:26:00Z', 4, 5.95, '536370'], // purchase, ties with 17850 on time
  ['13047', '22752', '2011-11-03T09:00:00Z', 1, 7.65, '536380'], // repeat purchase
];

describe('evaluatePurchaseRules', () => {
  it('counts failures per rule and attributes each dropped line to its first failing rule', () => {
    const { pass, counts } = evaluatePurchaseRules(cleanTable(LINES), RETAIL_RULES);
    expect(Array.from(pass)).toEqual([1, 1, 0, 1, 0, 0, 0, 1, 1]);
    expect(counts.read).toBe(9);
    expect(counts.kept).toBe(5);
    // present: line 3; quantity > 0: line 5; price > 0: line 7;
    // not C: line 5 (already dropped); five digits: POST (line 6).
    expect(counts.rules.map((r) => [r.failed, r.droppedHere])).toEqual([[1, 1], [1, 1], [1, 1], [1, 0], [1, 1]]);
  });

  it('evaluates every operator, a null value satisfying none', () => {
    const t = cleanTable(LINES);
    const pass = (rule: PurchaseRule): number[] => Array.from(evaluatePurchaseRules(t, [rule]).pass);
    expect(pass({ column: 'quantity', op: 'ge', value: 6 })).toEqual([1, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(pass({ column: 'quantity', op: 'lt', value: 2 })).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 1]);
    expect(pass({ column: 'unit_price', op: 'le', value: 0 })).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(pass({ column: 'order_id', op: 'starts_with', value: 'C' })).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(pass({ column: 'item_id', op: 'not_matches', value: '^[0-9]{5}' })).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(pass({ column: 'customer_id', op: 'not_starts_with', value: '1' })).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(pass({ column: 'event_time', op: 'present' })).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('rejects rules it cannot evaluate, naming the rule', () => {
    const t = cleanTable(LINES);
    expect(() => evaluatePurchaseRules(t, [{ column: 'country', op: 'present' }])).toThrow(PurchaseRuleError);
    expect(() => evaluatePurchaseRules(t, [{ column: 'country', op: 'present' }])).toThrow(/rule #0 .*"country" is not in the clean table/);
    expect(() => evaluatePurchaseRules(t, [{ column: 'item_id', op: 'gt', value: 3 }])).toThrow(/"gt" needs a numeric column/);
    expect(() => evaluatePurchaseRules(t, [RETAIL_RULES[0], { column: 'item_id', op: 'matches', value: '([' }])).toThrow(
      /rule #1 .*invalid regular expression/,
    );
  });
});

describe('purchaseEvents', () => {
  const ev = purchaseEvents(cleanTable(LINES), RETAIL_RULES);

  it('sorts events by time, ties by customer id then item id, and assigns ids by first appearance', () => {
    expect(Array.from(ev.time).map((t) => new Date(t).toISOString())).toEqual([
      '2011-10-30T09:00:00.000Z',
      '2011-11-01T08:26:00.000Z',
      '2011-11-01T08:26:00.000Z',
      '2011-11-01T08:26:00.000Z',
      '2011-11-03T09:00:00.000Z',
    ]);
    // 12583 < 17850 as strings, and within 17850: 84406B < 85123A.
    expect(ev.customerIds).toEqual(['13047', '12583', '17850']);
    expect(ev.itemIds).toEqual(['22752', '21754', '84406B', '85123A']);
    expect(Array.from(ev.customer)).toEqual([0, 1, 2, 2, 0]);
    expect(Array.from(ev.item)).toEqual([0, 1, 2, 3, 0]);
    expect(Array.from(ev.order)).toEqual([0, 1, 2, 2, 3]);
    expect(Array.from(ev.quantity)).toEqual([2, 4, 8, 6, 1]);
    expect(ev.spend[2]).toBeCloseTo(8 * 2.75, 5);
  });

  it('reports the line counts for the run record', () => {
    expect(ev.counts.kept).toBe(5);
    expect(ev.counts.missingKey).toBe(0);
  });

  it('gives one basket per customer and UTC day when the table has no order id, and quantity 1 without quantities', () => {
    const t = new Table({
      customer_id: vectorFromArray(['a', 'a', 'a', 'b'], new Utf8()),
      item_id: vectorFromArray(['i1', 'i2', 'i1', 'i1'], new Utf8()),
      event_time: vectorFromArray(
        ['2011-01-01T09:00:00Z', '2011-01-01T17:00:00Z', '2011-01-02T09:00:00Z', '2011-01-01T10:00:00Z'].map((s) => new Date(s)),
        new TimestampMillisecond(),
      ),
    });
    const e = purchaseEvents(t, []);
    // time order: a 01-01 09h, b 01-01 10h, a 01-01 17h, a 01-02 09h
    expect(Array.from(e.order)).toEqual([0, 1, 0, 2]);
    expect(Array.from(e.quantity)).toEqual([1, 1, 1, 1]);
    expect(Array.from(e.spend)).toEqual([0, 0, 0, 0]);
  });

  it('counts lines without a key that no rule dropped', () => {
    const e = purchaseEvents(cleanTable(LINES.slice(0, 3)), []);
    expect(e.counts.missingKey).toBe(1);
    expect(e.time.length).toBe(2);
  });

  it('names a missing canonical column', () => {
    const t = new Table({ customer_id: vectorFromArray(['a'], new Utf8()) });
    expect(() => purchaseEvents(t, [])).toThrow(FeatureColumnError);
    expect(() => purchaseEvents(t, [])).toThrow('column "item_id": expected a utf8 column, found absent');
  });
});
