import { purchaseEvents } from '../../features/events';
import { buildEventIndex } from '../../features/event-index';
import { popularityBaseline, repeatBaseline } from '../../evaluation/baselines';
import type { RankedLists } from '../../ranking/lists';
import { rankingMetrics } from '../../ranking/metrics';
import { buildTruth, truthOf } from '../../evaluation/truth';
import { cleanTable, Line, RETAIL_RULES, T } from '../features/fixtures';

// Customers A = 14001, B = 14002, C = 14003, D = 14004; as-of T = 2011-11-09T00:00Z.
const LINES: Line[] = [
  ['14001', '22000', '2011-08-01T10:00:00Z', 1, 2.1, '540001'], // before the 30-day window
  ['14001', '22000', '2011-08-15T10:00:00Z', 1, 2.1, '540002'],
  ['14001', '22000', '2011-09-01T10:00:00Z', 1, 2.1, '540003'],
  ['14002', '22001', '2011-10-20T10:00:00Z', 2, 1.25, '540010'], // window starts 2011-10-10
  ['14003', '22001', '2011-10-25T10:00:00Z', 2, 1.25, '540011'],
  ['14003', '22002', '2011-10-25T10:00:00Z', 2, 3.75, '540011'],
  ['14001', '22002', '2011-11-01T10:00:00Z', 1, 3.75, '540012'],
  ['14001', '22003', '2011-11-02T10:00:00Z', 1, 0.85, '540013'],
  ['14002', '22003', '2011-11-03T10:00:00Z', 1, 0.85, '540014'],
  ['14003', '22003', '2011-11-08T23:59:00Z', 1, 0.85, '540015'],
  ['14001', '22003', '2011-11-09T00:00:00Z', 1, 0.85, '540020'], // at T: truth, not history
  ['14001', '22001', '2011-11-20T10:00:00Z', 1, 1.25, '540021'],
  ['14003', '22002', '2011-12-08T23:59:00Z', 1, 3.75, '540022'], // T + 29.99 days: truth
  ['14003', '22000', '2011-12-09T00:00:00Z', 1, 2.1, '540023'], // T + 30 days: outside the horizon
  ['14004', '22001', '2011-11-10T10:00:00Z', 1, 1.25, '540024'], // D is not known at T
];

const events = purchaseEvents(cleanTable(LINES), RETAIL_RULES);
const index = buildEventIndex(events);
const truth = buildTruth(index, T, 30);
const cid = (c: string): number => events.customerIds.indexOf(c);

function listOf(lists: RankedLists, customer: string): string[] {
  const rows = [...lists.customer.keys()].filter((r) => lists.customer[r] === cid(customer)).sort((a, b) => lists.rank[a] - lists.rank[b]);
  return rows.map((r) => events.itemIds[lists.item[r]]);
}

describe('buildTruth', () => {
  it('evaluates known customers with purchases in [T, T + 30 d)', () => {
    expect(truth.knownCustomers).toBe(3);
    expect(Array.from(truth.customers)).toEqual([cid('14001'), cid('14003')]);
    const of = (k: number): string[] => Array.from(truth.items.subarray(truth.offsets[k], truth.offsets[k + 1])).map((i) => events.itemIds[i]).sort();
    expect(of(0)).toEqual(['22001', '22003']);
    expect(of(1)).toEqual(['22002']);
  });
});

describe('popularityBaseline', () => {
  it('ranks items by purchase events in the last 30 days, ties by item id, same list for every known customer', () => {
    // In [2011-10-10, T): 22003 × 3 events, 22001 × 2, 22002 × 2 (tie: 22001 first); 22000 is older.
    const lists = popularityBaseline(index, T, { k: 10 });
    for (const c of ['14001', '14002', '14003']) expect(listOf(lists, c)).toEqual(['22003', '22001', '22002']);
    expect(listOf(lists, '14004')).toEqual([]);
    expect(popularityBaseline(index, T, { k: 2 }).item.length).toBe(6);
  });
});

describe('repeatBaseline', () => {
  it("ranks a customer's own past items by count, then recency, then item id", () => {
    const lists = repeatBaseline(index, T);
    expect(listOf(lists, '14001')).toEqual(['22000', '22003', '22002']);
    expect(listOf(lists, '14002')).toEqual(['22003', '22001']);
    // 22001 and 22002 share count 1 and time 10-25; 22003 is more recent.
    expect(listOf(lists, '14003')).toEqual(['22003', '22001', '22002']);
  });

  it('scores by the protocol metrics as worked by hand', () => {
    // A: [22000, 22003, 22002] vs {22001, 22003}: hit at rank 2 → recall 1/2, AP (1/2)/2 = 1/4,
    //    NDCG (1/log2 3) / (1 + 1/log2 3).
    // C: [22003, 22001, 22002] vs {22002}: hit at rank 3 → recall 1, AP 1/3, NDCG 1/log2 4 = 1/2.
    const m = rankingMetrics(repeatBaseline(index, T), truth);
    const g = 1 / Math.log2(3);
    expect(m.recall).toBeCloseTo(0.75, 12);
    expect(m.precision).toBeCloseTo(0.1, 12);
    expect(m.hitRate).toBe(1);
    expect(m.map).toBeCloseTo((0.25 + 1 / 3) / 2, 12);
    expect(m.ndcg).toBeCloseTo((g / (1 + g) + 0.5) / 2, 12);
  });
});

describe('truthOf', () => {
  it('keeps the truth of the given evaluated customers only, items intact', () => {
    const first = truth.customers[0];
    const only = truthOf(truth, [first, first, 99_999]);
    expect(Array.from(only.customers)).toEqual([first]);
    expect(Array.from(only.items)).toEqual(Array.from(truth.items.subarray(truth.offsets[0], truth.offsets[1])));
    expect(Array.from(only.offsets)).toEqual([0, truth.offsets[1] - truth.offsets[0]]);
    expect(truthOf(truth, truth.customers)).toEqual(truth);
    expect(truthOf(truth, []).customers).toHaveLength(0);
  });
});
