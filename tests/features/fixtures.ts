/**
 * Small realistic clean-transaction tables for feature tests: Online Retail-like
 * ids, invoices and dates around the protocol's as-of time.
 */
import { Int32, Float64, TimestampMillisecond, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { PurchaseRule } from '../../lib/config-types';

/** One clean line: customer (null = missing), item, ISO UTC time, quantity, unit price, invoice. */
export type Line = [string | null, string, string, number, number, string];

/** The purchase rules of protocol.md `online-retail-30d`, as configuration. */
export const RETAIL_RULES: PurchaseRule[] = [
  { column: 'customer_id', op: 'present' },
  { column: 'quantity', op: 'gt', value: 0 },
  { column: 'unit_price', op: 'gt', value: 0 },
  { column: 'order_id', op: 'not_starts_with', value: 'C' },
  { column: 'item_id', op: 'matches', value: '^[0-9]{5}' },
];

/** Builds a clean table with the canonical columns of lib/schema.ts. */
export function cleanTable(lines: Line[]): Table {
  return new Table({
    customer_id: vectorFromArray(lines.map((l) => l[0]), new Utf8()),
    item_id: vectorFromArray(lines.map((l) => l[1]), new Utf8()),
    event_time: vectorFromArray(lines.map((l) => new Date(l[2])), new TimestampMillisecond()),
    quantity: vectorFromArray(lines.map((l) => l[3]), new Int32()),
    unit_price: vectorFromArray(lines.map((l) => l[4]), new Float64()),
    order_id: vectorFromArray(lines.map((l) => l[5]), new Utf8()),
    source_object: vectorFromArray(lines.map(() => '2011-11.csv.lzo'), new Utf8()),
    source_line: vectorFromArray(lines.map((_, i) => i + 2), new Int32()),
  });
}

/** Protocol as-of time. */
export const T = Date.parse('2011-11-09T00:00:00Z');

/**
 * A seeded synthetic shop: 40 customers, 60 items (10 "staples" bought often),
 * invoices of 1-8 lines spread over 2011-06-01 … 2011-12-09, so events fall
 * before, inside and after the 30-day horizon of T, in random time order.
 * Deterministic (LCG seed 7).
 */
export function syntheticShop(): Line[] {
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const start = Date.parse('2011-06-01T08:00:00Z');
  const end = Date.parse('2011-12-09T18:00:00Z');
  const lines: Line[] = [];
  let invoice = 550_000;
  for (let k = 0; k < 400; k++) {
    const customer = String(12_346 + Math.floor(rand() * rand() * 40));
    const time = new Date(start + Math.floor((rand() * (end - start)) / 60_000) * 60_000).toISOString();
    const size = 1 + Math.floor(rand() * 8);
    const id = String(invoice++);
    for (let j = 0; j < size; j++) {
      const item = rand() < 0.5 ? 22_000 + Math.floor(rand() * 10) : 22_010 + Math.floor(rand() * 50);
      lines.push([customer, String(item), time, 1 + Math.floor(rand() * 12), 0.85 + Math.floor(rand() * 400) / 100, id]);
    }
  }
  return lines;
}
