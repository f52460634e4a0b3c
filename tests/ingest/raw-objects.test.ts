/** lib/catalog/raw-objects.ts: which raw objects ingest takes (`raw.pattern`, `csv.compression`), and why it skips the others. */
import { readFileSync } from 'fs';
import { gzipSync } from 'zlib';
import { join } from 'path';
import { createLzoRegistry, ingestAll } from '../../ingest';
import { RawSelection, selectRawObjects, skipReason } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { MemoryStore } from '../helpers/memory-store';
import { fixture } from './helpers';

const DEFAULTS: RawSelection = { raw: { pattern: '**/*.csv*' }, csv: { compression: 'auto' } };

describe('raw objects', () => {
  test.each(['2011-01.csv.lzo', 'UPPER.CSV.LZO', 'landing/x.Csv.Gz', 'a/b/orders.csv', 'orders.csv.zst', 'x.lzo/y.csv.lzo', 'orders.csv.bak'])(
    'the default pattern takes %s',
    (key) => expect(skipReason(DEFAULTS)(key)).toBeUndefined(),
  );

  test.each(['other.lzo', 'notes.txt', 'README', 'SHA256SUMS', 'x.csv.lzo/readme.md', '.hidden.csv', 'tmp/.part.csv'])('the default pattern skips %s', (key) => {
    expect(skipReason(DEFAULTS)(key)).toBe('does not match raw.pattern "**/*.csv*" (case-insensitive)');
  });

  it('auto skips the extension of a compression it does not read; a named compression reads every object', () => {
    expect(skipReason(DEFAULTS)('orders.csv.bz2')).toBe('unsupported compression bzip2 (extension .bz2); csv.compression reads lzop (.lzo), gzip (.gz), zstd (.zst) or none');
    expect(skipReason(DEFAULTS)('exports/orders.CSV.ZIP')).toMatch(/^unsupported compression zip \(extension \.ZIP\)/);
    expect(skipReason({ ...DEFAULTS, csv: { compression: 'gzip' } })('orders.csv.bz2')).toBeUndefined();
  });

  it('takes another pattern, case-insensitively', () => {
    const why = skipReason({ ...DEFAULTS, raw: { pattern: 'exports/*.tsv.gz' } });
    expect(why('exports/2024-01.TSV.GZ')).toBeUndefined();
    expect(why('exports/old/2023-12.tsv.gz')).toBe('does not match raw.pattern "exports/*.tsv.gz" (case-insensitive)');
    expect(why('2024-01.csv.gz')).toBeDefined();
  });

  it('splits a listing into taken and skipped objects, each in listing order', () => {
    const listing = ['a.csv', 'b.csv.lzo', 'c.txt', 'D.LZO', 'e.csv.xz'].map((key) => ({ key, etag: key }));
    const { taken, skipped } = selectRawObjects(listing, DEFAULTS);
    expect(taken).toEqual([listing[0], listing[1]]);
    expect(skipped.map((s) => [s.key, s.reason.split(' (')[0]])).toEqual([['c.txt', 'does not match raw.pattern "**/*.csv*"'], ['D.LZO', 'does not match raw.pattern "**/*.csv*"'], ['e.csv.xz', 'unsupported compression xz']]);
  });

  it('ingestAll takes the bundled configuration\'s .csv.lzo objects whatever their case, plain and gzip CSV too, and nothing else', async () => {
    const config = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');
    const raw = new MemoryStore();
    const lzop = fixture('lzop', 'sample.1.lzo');
    for (const key of ['UPPER.CSV.LZO', 'lower.csv.lzo', 'other.lzo']) await raw.put(key, lzop);
    await raw.put('plain.csv', fixture('lzop', 'sample.csv'));
    await raw.put('month.csv.gz', gzipSync(fixture('lzop', 'sample.csv')));
    await raw.put('month.csv.bz2', 'BZh9');
    await raw.put('notes.txt', 'not data');
    const result = await ingestAll(raw, new MemoryStore(), config, { codecs: createLzoRegistry() });
    expect(result.ingested.map((i) => [i.key, i.entry.counts.clean])).toEqual([['UPPER.CSV.LZO', 39], ['lower.csv.lzo', 39], ['month.csv.gz', 39], ['plain.csv', 39]]);
    expect(result.failed).toEqual([]);
  });
});
