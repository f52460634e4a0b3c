import { ScoringInputError } from '../../scoring/errors';
import { exportBytes, scoresColumns, scoresTable, scoresTableFromColumns } from '../../scoring/export';
import { parseCustomerList } from '../../scoring/customer-list';
import { mergeLists, selectLists } from '../../scoring/merge';
import { orderByCustomerId, topKPerCustomer } from '../../ranking/topk';
import type { Table } from 'apache-arrow';

const customerIds = ['17850', '12346', '13047', '12583', '14688', '15100'];
const itemIds = ['85123A', '71053', '84406B', '22752', '21730'];

/** Lists of `customers` (dense), 3 items each with distinct probabilities, sorted by customer id as a shard writes them. */
function lists(customers: number[]): Table {
  const customer = Int32Array.from(customers.flatMap((c) => [c, c, c, c]));
  const item = Int32Array.from(customers.flatMap((c) => [0, 1, 2, 3].map((k) => (c + k) % itemIds.length)));
  const probability = Float32Array.from(customer, (c, r) => ((c * 7 + item[r] * 3) % 11) / 11);
  const top = orderByCustomerId(topKPerCustomer(customer, item, probability, 3), customerIds);
  return scoresTable(top, customerIds, itemIds);
}
const rowsOf = (t: Table): string[] => {
  const c = scoresColumns(t);
  return c.customer.map((id, r) => `${id}|${c.item[r]}|${c.rank[r]}|${c.probability[r]}`);
};

describe('merging shard lists', () => {
  it('orders customers by id, ranks within, and gives the single run row for row', () => {
    const single = lists([0, 1, 2, 3, 4, 5]);
    const ids = scoresColumns(single).customer;
    expect(ids).toEqual([...ids].sort());
    const merged = mergeLists([lists([0, 4]), lists([2]), lists([]), lists([5, 1, 3])]);
    expect(rowsOf(merged)).toEqual(rowsOf(single));
    expect(exportBytes(merged, 'csv')).toEqual(exportBytes(single, 'csv'));
  });

  it('refuses a customer found in two shards, naming both', () => {
    expect(() => mergeLists([lists([0, 1]), lists([1])], ['shard-0-of-2.parquet', 'shard-1-of-2.parquet'])).toThrow(
      'customer "12346" appears in both shard-0-of-2.parquet and shard-1-of-2.parquet',
    );
    expect(() => mergeLists([mergeLists([lists([1]), lists([0])]), lists([1]).slice(0, 1)])).toThrow(ScoringInputError);
  });

  it('selects the lists of chosen customers and names those without one', () => {
    const { table, customers, missing } = selectLists(lists([0, 1, 2, 3]), { customers: new Set(['13047', '99999', '17850']) });
    expect(new Set(scoresColumns(table).customer)).toEqual(new Set(['13047', '17850']));
    expect(table.numRows).toBe(6);
    expect(customers).toBe(2);
    expect(missing).toEqual(['99999']);
  });

  it('keeps the first ranks and the rows of at least a probability, a customer once even when rows between are dropped', () => {
    const all = lists([0, 1, 2, 3, 4, 5]);
    const rows = rowsOf(all);
    const top = selectLists(all, { topK: 2 });
    expect(rowsOf(top.table)).toEqual(rows.filter((r) => Number(r.split('|')[2]) <= 2));
    expect(top.customers).toBe(6);
    const likely = selectLists(all, { minProbability: 0.5, customers: new Set(['17850', '12346']) });
    expect(rowsOf(likely.table)).toEqual(rows.filter((r) => ['17850', '12346'].includes(r.split('|')[0]) && Number(r.split('|')[3]) >= 0.5));
    // A list whose middle row is dropped keeps its other rows, in rank order, under one customer.
    const gap = scoresTableFromColumns(Int32Array.of(0, 0, 0), ['17850'], Int32Array.of(0, 1, 2), ['a', 'b', 'c'], Int32Array.of(1, 2, 3), Float64Array.of(0.9, 0.1, 0.8));
    const kept = selectLists(gap, { minProbability: 0.5 });
    expect(rowsOf(kept.table)).toEqual(['17850|a|1|0.9', '17850|c|3|0.8']);
    // An export holds float32 probabilities, printed as the shortest decimal that reads back to them:
    // that decimal as the threshold keeps its row, though the float32 may lie below it.
    const f32 = scoresTableFromColumns(Int32Array.of(0, 0), ['17850'], Int32Array.of(0, 1), ['a', 'b'], Int32Array.of(1, 2), Float64Array.of(Math.fround(0.3), Math.fround(0.008878342)));
    expect(Math.fround(0.008878342)).toBeLessThan(0.008878342);
    expect(selectLists(f32, { minProbability: 0.008878342 }).table.numRows).toBe(2);
    expect(kept.customers).toBe(1);
  });

  it('parses a customer list file', () => {
    expect(parseCustomerList('customer_id\r\n17850\n\n 13047 \n17850\n', 'vip.txt')).toEqual(new Set(['17850', '13047']));
    expect(() => parseCustomerList('17850\n13047,85123A\n', 'vip.txt')).toThrow('vip.txt line 2: expected one customer id per line, found "13047,85123A"');
    expect(() => parseCustomerList('customer_id\n', 'empty.txt')).toThrow(/empty.txt: expected at least one customer id/);
  });
});
