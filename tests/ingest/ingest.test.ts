import { createReadStream, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { Table } from 'apache-arrow';
import { IngestCounts, ingestObject } from '../../ingest/ingest';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { loadConfig } from '../../lib/config';
import { DATA } from './helpers';

const codecs = createLzoRegistry();
const config = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'config/online-retail.yaml');

async function ingestFile(name: string, batchLines?: number, cfg = config): Promise<{ clean: Table[]; rejects: Table[]; counts: IngestCounts }> {
  const it = ingestObject(name, createReadStream(join(DATA, name)), cfg, { codecs, batchLines });
  const clean: Table[] = [];
  const rejects: Table[] = [];
  for (let r = await it.next(); ; r = await it.next()) {
    if (r.done) return { clean, rejects, counts: r.value };
    clean.push(r.value.clean);
    rejects.push(r.value.rejects);
  }
}

describe('ingestObject on the bundled Online Retail data', () => {
  const files = readdirSync(DATA).filter((f) => f.endsWith('.csv.lzo')).sort();
  const results = new Map<string, Awaited<ReturnType<typeof ingestFile>>>();

  beforeAll(async () => {
    for (const f of files) results.set(f, await ingestFile(f));
  });

  it('ingests all 13 files with read = clean + rejected = 541,909 lines', () => {
    expect(files).toHaveLength(13);
    let read = 0;
    for (const [, r] of results) {
      expect(r.counts.read).toBe(r.counts.clean + r.counts.rejected);
      const rows = (ts: Table[]) => ts.reduce((s, t) => s + t.numRows, 0);
      expect(rows(r.clean)).toBe(r.counts.clean);
      expect(rows(r.rejects)).toBe(r.counts.rejected);
      read += r.counts.read;
    }
    expect(read).toBe(541_909);
  });

  it('types the first line of 2010-12 exactly (spot check)', () => {
    const first = results.get('2010-12.csv.lzo')!.clean[0];
    const row = first.get(0)!.toJSON();
    expect(row).toEqual({
      customer_id: '17850',
      item_id: '85123A',
      event_time: Date.UTC(2010, 11, 1, 8, 26),
      quantity: 6,
      unit_price: 2.55,
      order_id: '536365',
      description: 'WHITE HANGING HEART T-LIGHT HOLDER',
      country: 'United Kingdom',
      extra_columns: null,
      source_object: '2010-12.csv.lzo',
      source_line: 2,
    });
    expect(String(first.schema.fields.map((f) => `${f.name}:${f.type}`))).toBe(
      'customer_id:Utf8,item_id:Utf8,event_time:Timestamp<MILLISECOND, UTC>,quantity:Int32,unit_price:Float64,order_id:Utf8,description:Utf8,country:Utf8,extra_columns:Utf8,source_object:Utf8,source_line:Int32',
    );
  });

  it('keeps lines without a customer (null customer_id), returns and non-product codes', () => {
    const clean = new Table(results.get('2010-12.csv.lzo')!.clean.flatMap((t) => t.batches));
    const customers = clean.getChild('customer_id')!;
    expect(customers.nullCount).toBeGreaterThan(0);
    const quantity = clean.getChild('quantity')!.toArray() as Int32Array;
    expect(quantity.some((q) => q < 0)).toBe(true);
    const items = clean.getChild('item_id')!.toArray() as string[];
    expect(items).toContain('POST');
    expect(items.every((i) => i === i.toUpperCase())).toBe(true);
  });

  it('keeps exact duplicate lines (config/online-retail.yaml) and counts them; no line of the real data is malformed', () => {
    let duplicates = 0;
    for (const [, r] of results) {
      duplicates += r.counts.duplicates;
      expect(r.counts.rejected).toBe(0);
      expect(r.counts.byReason).toEqual({});
    }
    expect(duplicates).toBe(5268);
  });

  it('with duplicates: reject, sends later copies to rejects naming the first copy', async () => {
    const reject = { ...config, csv: { ...config.csv, duplicates: 'reject' as const } };
    const r = await ingestFile('2010-12.csv.lzo', undefined, reject);
    expect(r.counts.rejected).toBe(r.counts.duplicates);
    expect(r.counts.byReason).toEqual({ duplicate: r.counts.duplicates });
    expect(r.counts.clean).toBe(results.get('2010-12.csv.lzo')!.counts.clean - r.counts.duplicates);
    const dec = r.rejects[0];
    const reason = dec.getChild('reason')!.get(0) as string;
    const line = dec.getChild('source_line')!.get(0) as number;
    expect(reason).toMatch(/^duplicate: same text as line \d+$/);
    expect(Number(reason.match(/\d+$/)![0])).toBeLessThan(line);
    expect(dec.getChild('raw')!.get(0)).toMatch(/^\d{6},/);
  });

  it('streams in batches of exactly batchLines lines (the last fewer)', async () => {
    const r = await ingestFile('2011-12.csv.lzo', 5000);
    const sizes = r.clean.map((t, i) => t.numRows + r.rejects[i].numRows);
    expect(sizes).toEqual([5000, 5000, 5000, 5000, 5000, 525]);
    expect(r.counts.read).toBe(25_525);
  });
});
