/** lib/catalog/raw-objects.ts: which raw objects ingest takes (`.lzo`, any case), and why it skips the others. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { createLzoRegistry, ingestAll } from '../../ingest';
import { selectRawObjects, skipReason } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { MemoryStore } from '../helpers/memory-store';
import { fixture } from './helpers';

describe('raw objects', () => {
  test.each(['2011-01.csv.lzo', 'other.lzo', 'UPPER.CSV.LZO', 'landing/x.Lzo', 'x.lzo/y.lzo'])('takes %s', (key) => {
    expect(skipReason(key)).toBeUndefined();
  });

  test.each([
    ['2011-01.csv', 'extension .csv'],
    ['notes.txt', 'extension .txt'],
    ['README', 'no extension'],
    ['.lzo', 'no extension'],
    ['x.lzo/readme.md', 'extension .md'],
    ['2011-01.csv.lzo.bak', 'extension .bak'],
  ])('skips %s: not an lzop object (%s)', (key, why) => {
    expect(skipReason(key)).toBe(`not an lzop object (${why}); raw objects are taken by the extension .lzo, any case`);
  });

  it('splits a listing into taken and skipped objects, each in listing order', () => {
    const listing = ['a.csv', 'b.csv.lzo', 'c.txt', 'D.LZO'].map((key) => ({ key, etag: key }));
    const { taken, skipped } = selectRawObjects(listing);
    expect(taken).toEqual([listing[1], listing[3]]);
    expect(skipped.map((s) => s.key)).toEqual(['a.csv', 'c.txt']);
  });

  it('ingestAll takes every .lzo object whatever its case, and nothing else', async () => {
    const config = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');
    const raw = new MemoryStore();
    const lzop = fixture('lzop', 'sample.1.lzo');
    for (const key of ['UPPER.CSV.LZO', 'other.lzo', 'lower.csv.lzo']) await raw.put(key, lzop);
    await raw.put('plain.csv', 'InvoiceNo,StockCode\n');
    await raw.put('notes.txt', 'not data');
    const result = await ingestAll(raw, new MemoryStore(), config, { codecs: createLzoRegistry() });
    expect(result.ingested.map((i) => i.key)).toEqual(['UPPER.CSV.LZO', 'lower.csv.lzo', 'other.lzo']);
    expect(result.failed).toEqual([]);
  });
});
