/**
 * `validateObject` and `summarizeValidation`: what ingest would make of the first
 * lines of a raw object, read through the ingest layers, nothing written.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { summarizeValidation, validateObject, ObjectValidation } from '../../ingest/validate';
import { loadConfig } from '../../lib/config';
import { chunked, fixture, retailLzop } from './helpers';

const codecs = createLzoRegistry();
const retail = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'config/online-retail.yaml');
const shop = loadConfig(
  `
name: shop
csv: { duplicates: keep, header_case: insensitive }
columns:
  customer: { column: customer }
  item: { column: sku }
  time: { column: ordered_at, format: ISO8601, timezone: UTC }
  quantity: { column: qty }
`,
  'shop.yaml',
);
const SHOP_HEADER = 'Customer,SKU,Ordered_At,Qty,Channel\n';

const text = (s: string) => Buffer.from(s, 'utf8');
const validate = (key: string, bytes: Uint8Array, config = shop, sampleLines?: number, maxRejectRatio?: number) =>
  validateObject(key, chunked(bytes, 7), config, { codecs, sampleLines, maxRejectRatio });

describe('validateObject', () => {
  it('passes a good plain CSV: format, header with its extra column, counts and time range', async () => {
    const csv = `${SHOP_HEADER}c1,A,2024-01-02T10:00:00+01:00,2,web\nc2,B,2024-01-02T10:00:00.123Z,1,store\nc1,B,2024-01-01,1,\n`;
    const v = await validate('2024/01.csv', text(csv));
    expect(v).toEqual<ObjectValidation>({
      key: '2024/01.csv',
      compression: 'none',
      basis: 'no compression extension (.csv)',
      detected: 'text',
      header: 'ok',
      columns: ['Customer', 'SKU', 'Ordered_At', 'Qty', 'Channel'],
      extraColumns: ['Channel'],
      counts: { read: 3, clean: 3, rejected: 0, duplicates: 0, byReason: {} },
      whole: true,
      examples: [],
      timeRange: { min: '2024-01-01T00:00:00.000Z', max: '2024-01-02T10:00:00.123Z' },
      problem: null,
      pass: true,
    });
  });

  it('fails an object whose header does not match, naming the missing column and the header found', async () => {
    const v = await validate('orders.csv', text('customer,item,ordered_at,qty\nc1,A,2024-01-02,1\n'));
    expect(v.pass).toBe(false);
    expect(v.header).toBe('mismatch');
    expect(v.columns).toEqual(['customer', 'item', 'ordered_at', 'qty']);
    expect(v.counts).toBeNull();
    expect(v.problem).toEqual({ error: 'HeaderMismatchError', message: expect.stringMatching(/^orders\.csv: line 1: header does not match the configuration: missing columns "sku"/) });
  });

  it('fails a small object whose times are mostly unreadable on the reject budget, with the first reject of each reason', async () => {
    // 30 lines: 10 good, 19 with day-first dates, 1 with a bad quantity; the budget allows 10 (MIN_BUDGET_LINES).
    const lines = [
      ...Array.from({ length: 10 }, (_, i) => `c${i},A,2024-01-${String(i + 1).padStart(2, '0')},1,web`),
      ...Array.from({ length: 19 }, (_, i) => `c${i},B,${String(i + 1).padStart(2, '0')}/01/2024,1,web`),
      'c9,D,2024-01-04,x,web',
    ];
    const csv = text(SHOP_HEADER + lines.join('\n') + '\n');
    const v = await validate('bad-times.csv', csv);
    expect(v.pass).toBe(false);
    expect(v.header).toBe('ok');
    expect(v.counts).toEqual({ read: 30, clean: 10, rejected: 20, duplicates: 0, byReason: { bad_time: 19, bad_number: 1 }, firstReject: { line: 12, reason: 'bad_time: ordered_at="01/01/2024" does not match ISO8601' } });
    expect(v.examples).toEqual([
      { line: 12, reason: 'bad_time: ordered_at="01/01/2024" does not match ISO8601', raw: 'c0,B,01/01/2024,1,web' },
      { line: 31, reason: 'bad_number: qty="x" (expected an int32 integer)', raw: 'c9,D,2024-01-04,x,web' },
    ]);
    expect(v.timeRange).toEqual({ min: '2024-01-01T00:00:00.000Z', max: '2024-01-10T00:00:00.000Z' });
    expect(v.problem?.error).toBe('RejectBudgetError');
    expect(v.problem?.message).toMatch(/^bad-times\.csv: 20 of 30 lines rejected \(66\.67 %: bad_time 19, bad_number 1\), over the reject budget of 5 %/);
    // The same object within a budget of 1 passes.
    expect((await validate('bad-times.csv', csv, shop, undefined, 1)).pass).toBe(true);
  });

  it('fails at once, as ingest does, when most of the first 1,000 times do not parse (UnreadableTimesError)', async () => {
    const v = await validateObject('2011-01.csv.lzo', chunked(retailLzop(100, 1500), 4096), retail, { codecs });
    expect(v.pass).toBe(false);
    expect(v.counts).toBeNull();
    expect(v.problem?.error).toBe('UnreadableTimesError');
    expect(v.problem?.message).toContain('2011-01.csv.lzo: 900 of the first 1000 times of column InvoiceDate do not match the time format "M/D/YYYY H:mm", e.g. line 102: "not a time 100"');
  });

  it('reads gzip, checking the bytes against the extension', async () => {
    const csv = `${SHOP_HEADER}c1,A,2024-07-01T12:30:00.5-04:00,3,\n`;
    const v = await validate('07.CSV.GZ', gzipSync(csv));
    expect([v.compression, v.basis, v.detected, v.pass]).toEqual(['gzip', 'the extension .GZ', 'gzip', true]);
    expect(v.timeRange).toEqual({ min: '2024-07-01T16:30:00.500Z', max: '2024-07-01T16:30:00.500Z' });

    const mislabelled = await validate('03.csv.gz', text(csv));
    expect([mislabelled.detected, mislabelled.header, mislabelled.pass]).toEqual(['text', 'unread', false]);
    expect(mislabelled.problem).toEqual({ error: 'CompressionMismatchError', message: expect.stringMatching(/^03\.csv\.gz: the extension \.gz says gzip, but the bytes look like plain text/) });
  });

  it('reads lzop: the bundled sample object whole', async () => {
    const v = await validateObject('sample.csv.lzo', chunked(fixture('lzop', 'sample.1.lzo'), 5), retail, { codecs });
    expect([v.compression, v.detected, v.header, v.whole, v.pass]).toEqual(['lzop', 'lzop', 'ok', true, true]);
    expect(v.counts).toEqual({ read: 39, clean: 39, rejected: 0, duplicates: 0, byReason: {} });
    expect(v.timeRange).toEqual({ min: '2010-12-01T08:26:00.000Z', max: expect.stringMatching(/^2010-12-01T/) });
  });

  it('reads the first sampleLines data lines only, and stops reading the object there', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `c${i},A${i % 97},2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z,1,web\n`);
    const compressed = gzipSync(SHOP_HEADER + lines.join(''));
    let pulled = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(compressed, 16_384)) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const v = await validateObject('big.csv.gz', counting(), shop, { codecs, sampleLines: 1000 });
    expect(v.counts).toEqual({ read: 1000, clean: 1000, rejected: 0, duplicates: 0, byReason: {} });
    expect(v.whole).toBe(false);
    expect(v.pass).toBe(true);
    expect(pulled).toBeLessThan(compressed.length / 4);
  });

  it('counts lines, not records: a stray quote that swallows the next line is one reject of two lines, and a sample ends with the record that reaches it', async () => {
    const lines = Array.from({ length: 296 }, (_, i) => `c${i},A,2024-01-02,1,web`);
    lines[100] = 'c100,A,2024-01-02,1,"web';
    lines[101] = 'c101,"A",2024-01-02,1,web';
    const csv = text(SHOP_HEADER + lines.join('\n') + '\n');
    const v = await validate('stray.csv', csv);
    const longestReject = { line: 102, lines: 2, reason: 'field_count: expected 5 fields, found 8' };
    const firstReject = { line: 102, reason: 'field_count: expected 5 fields, found 8' };
    expect(v.counts).toEqual({ read: 296, clean: 294, rejected: 2, duplicates: 0, byReason: { field_count: 2 }, firstReject, longestReject });
    expect([v.whole, v.pass]).toEqual([true, true]);
    expect(v.examples).toEqual([{ line: 102, reason: 'field_count: expected 5 fields, found 8', raw: 'c100,A,2024-01-02,1,"web\nc101,"A",2024-01-02,1,web' }]);
    // A sample of 101 lines takes the record of lines 102 and 103 whole.
    const sample = await validate('stray.csv', csv, shop, 101);
    expect(sample.counts).toEqual({ read: 102, clean: 100, rejected: 2, duplicates: 0, byReason: { field_count: 2 }, firstReject, longestReject });
    expect(sample.whole).toBe(false);
  });

  it('a stray quote that swallows the rest: the whole object is read and counted, and its example keeps the first 500 characters', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `c${i},A,2024-01-02,1,web`);
    lines[6] = 'c6,A,2024-01-02,1,"web';
    const csv = text(SHOP_HEADER + lines.join('\n') + '\n');
    const v = await validate('swallowed.csv', csv, shop, 1000);
    expect(v.counts).toMatchObject({ read: 3000, clean: 6, rejected: 2994, byReason: { unterminated_quote: 2994 } });
    expect(v.whole).toBe(true);
    expect(v.pass).toBe(false);
    const record = lines.slice(6).join('\n') + '\n';
    expect(v.examples).toEqual([{ line: 8, reason: expect.stringMatching(/^unterminated_quote/), raw: record.slice(0, 500), omittedChars: record.length - 500 }]);
  });

  it('a sample that ends with the object is whole; one that ends a batch of records before it is not', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `c${i},A,2024-01-02,1,web\n`).join('');
    expect((await validate('exact.csv', text(SHOP_HEADER + lines), shop, 50)).whole).toBe(true);
    const more = await validate('more.csv', text(SHOP_HEADER + lines + lines), shop, 50);
    expect([more.counts?.read, more.whole]).toEqual([50, false]);
  });

  it('refuses a sample of no lines', async () => {
    await expect(validate('x.csv', text(SHOP_HEADER), shop, 0)).rejects.toThrow('sampleLines must be a whole number of lines, 1 or more, got 0');
  });
});

describe('summarizeValidation', () => {
  const object = (key: string, read: number, rejected: number, pass = true): ObjectValidation => ({
    key,
    compression: 'none',
    basis: 'no compression extension (.csv)',
    detected: 'text',
    header: 'ok',
    columns: [],
    extraColumns: [],
    counts: { read, clean: read - rejected, rejected, duplicates: 0, byReason: rejected > 0 ? { bad_time: rejected } : {} },
    whole: true,
    examples: [],
    timeRange: null,
    problem: null,
    pass,
  });

  it('passes when every object passes and the run budget holds', () => {
    const s = summarizeValidation([object('a.csv', 1000, 10), object('b.csv', 1000, 0)], [{ key: 'README.md', reason: 'does not match' }], 10_000, 0.05);
    expect([s.pass, s.runBudget, s.skipped.length]).toEqual([true, null, 1]);
  });

  it('fails when one object fails', () => {
    expect(summarizeValidation([object('a.csv', 1000, 0), object('b.csv', 1000, 900, false)], [], 10_000, 0.05).pass).toBe(false);
  });

  it('fails when the objects that pass alone go over the run budget together, as ingest would refuse them', () => {
    // 19 small objects of 10 lines with one bad line each: each within its own allowance, 10 % together.
    const objects = Array.from({ length: 19 }, (_, i) => object(`${String(i).padStart(2, '0')}.csv`, 10, 1));
    const s = summarizeValidation(objects, [], 10_000, 0.05);
    expect(s.pass).toBe(false);
    expect(s.runBudget).toMatch(/^19 objects of this run: 19 of 190 lines rejected/);
  });

  it('refuses a budget outside [0, 1]', () => {
    expect(() => summarizeValidation([object('a.csv', 10, 0)], [], 10_000, 1.5)).toThrow('maxRejectRatio must be a number in [0, 1], got 1.5');
  });

  it('fails when no object is taken', () => {
    expect(summarizeValidation([], [{ key: 'orders.txt', reason: 'does not match raw.pattern' }], 10_000, 0.05).pass).toBe(false);
  });
});
