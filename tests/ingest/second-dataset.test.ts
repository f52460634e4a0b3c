/**
 * A differently shaped data set through the whole pipeline by configuration
 * alone (tests/fixtures/config/loyalty.yaml): semicolon-separated latin1 text, a
 * member number, day-first dates in Europe/Paris, items named by text, no price,
 * no quantity, no order id. Raw lzop object → ingestAll → clean Parquet →
 * purchaseEvents → buildFeatureSet.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { createLzoRegistry, ingestAll } from '../../ingest';
import { Catalog } from '../../lib/catalog';
import { buildFeatureSet, FEATURE_NAMES } from '../../features/build';
import { purchaseEvents } from '../../features/events';
import { loadConfig } from '../../lib/config';
import { FIXTURES, fixture } from './helpers';
import { MemoryStore } from '../helpers/memory-store';

const config = loadConfig(readFileSync(join(FIXTURES, 'config', 'loyalty.yaml'), 'utf8'), 'loyalty.yaml');

describe('the loyalty data set through ingest and features', () => {
  it('ingests, selects purchase events and builds a labelled feature set', async () => {
    const raw = new MemoryStore(7);
    const lake = new MemoryStore();
    await raw.put('visits/2015.csv.lzo', fixture('config', 'loyalty.csv.lzo'));
    // The fixture's 7 lines show one reject of each kind (3 of 7): past the default reject budget.
    const result = await ingestAll(raw, lake, config, { codecs: createLzoRegistry(), attemptId: () => 'a1', maxRejectRatio: 1 });
    expect(result.failed).toEqual([]);
    expect(result.ledger.objects['visits/2015.csv.lzo'].counts).toEqual({
      read: 7, clean: 4, rejected: 3, duplicates: 1, byReason: { bad_time: 1, missing_required: 1, field_count: 1 },
      firstReject: { line: 5, reason: 'bad_time: Visit Date="31-02-2015" does not match DD-MM-YYYY' },
    });
    expect([...lake.objects.keys()].sort()).toEqual([
      'clean/loyalty-club/visits/2015.csv.lzo/a1/part-00000.parquet',
      'ledger/loyalty-club.json',
      'rejects/loyalty-club/visits/2015.csv.lzo/a1/part-00000.parquet',
    ]);

    const clean = await new Catalog(lake, 'loyalty-club').clean.load();
    expect(clean.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'customer_id:Utf8', 'item_id:Utf8', 'event_time:Timestamp<MILLISECOND, UTC>', 'quantity:Int32', 'unit_price:Float64',
      'order_id:Utf8', 'store:Utf8', 'extra_columns:Utf8', 'source_object:Utf8', 'source_line:Int32',
    ]);

    const events = purchaseEvents(clean, config.purchase);
    expect(events.counts.kept).toBe(4);
    expect(events.customerIds).toEqual(['1001', '1002']);
    expect(events.itemIds).toEqual(['whole milk', 'crème fraîche; 20cl']);
    // Paris wall-clock midnight → UTC (CET in January, CEST in June).
    expect(Array.from(events.time)).toEqual([Date.UTC(2015, 0, 2, 23), Date.UTC(2015, 0, 2, 23), Date.UTC(2015, 5, 9, 22), Date.UTC(2015, 5, 27, 22)]);
    // No quantity or price: one unit, no spend; no order id: one basket per customer-day.
    expect(Array.from(events.quantity)).toEqual([1, 1, 1, 1]);
    expect(Array.from(events.spend)).toEqual([0, 0, 0, 0]);
    expect(events.order[0]).toBe(events.order[1]);
    expect(new Set(events.order).size).toBe(3);

    // As of 2015-06-01 only member 1001 is known; they buy whole milk again on 10 June (label 1).
    const fs = buildFeatureSet(events, Date.UTC(2015, 5, 1), { withLabels: true });
    expect(fs.n).toBe(1);
    expect([events.customerIds[fs.customer[0]], events.itemIds[fs.item[0]]]).toEqual(['1001', 'whole milk']);
    expect(Array.from(fs.label!)).toEqual([1]);
    const value = (name: string) => fs.values[FEATURE_NAMES.indexOf(name)];
    expect(value('ci_orders')).toBe(1); // two identical lines, one basket
    expect(value('ci_quantity')).toBe(2);
    expect(value('ci_spend')).toBe(0);
  });
});
