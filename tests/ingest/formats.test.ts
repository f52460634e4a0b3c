/**
 * A retailer's own files by configuration alone, end to end into a file lake:
 * plain, gzip and zstd CSV objects in one raw folder, ISO 8601 times with
 * offsets and fractions, epoch times, a header in another case with an extra
 * column, and the objects ingest does not take listed with their reasons.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { Table } from 'apache-arrow';
import { CompressionMismatchError, createLzoRegistry, ingestAll } from '../../ingest';
import { Catalog, selectRawObjects } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { parquetToTable } from '../../lib/parquet';
import { FileStore } from '../../lib/store/file';
import { zstdFrame } from './helpers';

const YAML = `
name: shop
raw:
  pattern: "orders/**/*.csv*"
csv:
  delimiter: ","
  duplicates: keep
  header_case: insensitive
columns:
  order: { column: order_id }
  customer: { column: customer }
  item: { column: sku }
  time: { column: ordered_at, format: ISO8601, timezone: Europe/Paris }
  quantity: { column: qty }
`;

const HEADER = 'Order_ID,Customer,SKU,Ordered_At,Qty,Channel';
const rows = (t: Table) => t.toArray().map((r) => r.toJSON());

describe('plain, gzip and zstd CSV objects with ISO 8601 times and an extra column, by configuration alone', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-formats-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests each into the lake, types the times as instants and carries the extra column', async () => {
    const config = loadConfig(YAML, 'shop.yaml');
    const rawDir = join(dir, 'raw');
    mkdirSync(join(rawDir, 'orders', '2024'), { recursive: true });
    const plain = `${HEADER}\n1,c1,A,2024-01-02T10:00:00+01:00,2,web\n2,c2,B,2024-01-02T10:00:00.123Z,1,store\n`;
    const gzip = `${HEADER}\n3,c1,B,2024-07-01,1,web\n4,c3,A,2024-07-01 12:30:00.5-04:00,3,\n5,c3,A,not a time,1,web\n`;
    const zstd = `${HEADER}\n6,c2,C,2024-02-29T23:59:59.999+00:00,1,app\n`;
    writeFileSync(join(rawDir, 'orders', '2024', '01.csv'), plain);
    writeFileSync(join(rawDir, 'orders', '2024', '07.CSV.GZ'), gzipSync(gzip));
    writeFileSync(join(rawDir, 'orders', '2024', '02.csv.zst'), zstdFrame([{ raw: Buffer.from(zstd) }]));
    writeFileSync(join(rawDir, 'orders', '2024', '03.csv.gz'), plain); // mislabelled: plain text
    writeFileSync(join(rawDir, 'orders', 'README.md'), 'exports of the shop');
    writeFileSync(join(rawDir, 'orders', '2023.csv.bz2'), 'BZh91AY&SY');
    writeFileSync(join(rawDir, 'returns.csv'), plain);

    const raw = new FileStore(rawDir);
    const lake = new FileStore(join(dir, 'lake'));
    expect(selectRawObjects(await raw.list(''), config).skipped).toEqual([
      { key: 'orders/2023.csv.bz2', reason: 'unsupported compression bzip2 (extension .bz2); csv.compression reads lzop (.lzo), gzip (.gz), zstd (.zst) or none' },
      { key: 'orders/README.md', reason: 'does not match raw.pattern "orders/**/*.csv*" (case-insensitive)' },
      { key: 'returns.csv', reason: 'does not match raw.pattern "orders/**/*.csv*" (case-insensitive)' },
    ]);
    const result = await ingestAll(raw, lake, config, { codecs: createLzoRegistry(), attemptId: () => 'a1', maxRejectRatio: 0.5 });
    expect(result.failed.map((f) => [f.key, f.error])).toEqual([
      ['orders/2024/03.csv.gz', new CompressionMismatchError('orders/2024/03.csv.gz', 'gzip', 'the extension .gz', 'text', Buffer.from(plain.slice(0, 9)))],
    ]);
    expect(result.failed[0].error.message).toBe('orders/2024/03.csv.gz: the extension .gz says gzip, but the bytes look like plain text (starting "Order_ID,")');
    expect(result.ingested.map((i) => [i.key, i.entry.counts.read, i.entry.counts.clean, i.entry.counts.byReason])).toEqual([
      ['orders/2024/01.csv', 2, 2, {}],
      ['orders/2024/02.csv.zst', 1, 1, {}],
      ['orders/2024/07.CSV.GZ', 3, 2, { bad_time: 1 }],
    ]);

    const clean = await new Catalog(lake, 'shop').clean.load();
    expect(rows(clean).map(({ order_id, customer_id, item_id, event_time, quantity, extra_columns, source_object, source_line }) =>
      [order_id, customer_id, item_id, new Date(event_time as number).toISOString(), quantity, extra_columns, source_object, source_line])).toEqual([
      ['1', 'c1', 'A', '2024-01-02T09:00:00.000Z', 2, '{"Channel":"web"}', 'orders/2024/01.csv', 2],
      ['2', 'c2', 'B', '2024-01-02T10:00:00.123Z', 1, '{"Channel":"store"}', 'orders/2024/01.csv', 3],
      ['6', 'c2', 'C', '2024-02-29T23:59:59.999Z', 1, '{"Channel":"app"}', 'orders/2024/02.csv.zst', 2],
      // A date alone is midnight in Europe/Paris (CEST in July).
      ['3', 'c1', 'B', '2024-06-30T22:00:00.000Z', 1, '{"Channel":"web"}', 'orders/2024/07.CSV.GZ', 2],
      ['4', 'c3', 'A', '2024-07-01T16:30:00.500Z', 3, '{"Channel":null}', 'orders/2024/07.CSV.GZ', 3],
    ]);
    const rejects = parquetToTable(await lake.get(result.ledger.objects['orders/2024/07.CSV.GZ'].rejects[0]));
    expect(rows(rejects)).toEqual([{ source_object: 'orders/2024/07.CSV.GZ', source_line: 4, reason: 'bad_time: ordered_at="not a time" does not match ISO8601', raw: '5,c3,A,not a time,1,web' }]);
  });

  it('ingests UTF-16LE text (Excel\'s "Unicode Text", tab-separated) by configuration, and fails it read as UTF-8, naming the setting', async () => {
    const utf16 = loadConfig(YAML.replace('delimiter: ","', 'delimiter: "\\t"\n  encoding: utf-16le'), 'shop-16.yaml');
    const rawDir = join(dir, 'raw-utf16');
    mkdirSync(join(rawDir, 'orders'), { recursive: true });
    const text = `${HEADER}\n1,c1,Crème brûlée 😀,2024-01-02T10:00:00Z,2,web\n`.replace(/,/g, '\t');
    writeFileSync(join(rawDir, 'orders', 'a.csv'), Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]));
    writeFileSync(join(rawDir, 'orders', 'b.csv.gz'), gzipSync(Buffer.from(text, 'utf16le')));
    const lake = new FileStore(join(dir, 'lake-utf16'));
    const result = await ingestAll(new FileStore(rawDir), lake, utf16, { codecs: createLzoRegistry() });
    expect(result.failed).toEqual([]);
    const clean = rows(await new Catalog(lake, 'shop').clean.load());
    expect(clean.map((r) => [r.item_id, r.quantity, r.extra_columns, r.source_object])).toEqual([
      ['Crème brûlée 😀', 2, '{"Channel":"web"}', 'orders/a.csv'],
      ['Crème brûlée 😀', 2, '{"Channel":"web"}', 'orders/b.csv.gz'],
    ]);
    const asUtf8 = await ingestAll(new FileStore(rawDir), new FileStore(join(dir, 'lake-utf16-as-8')), loadConfig(YAML.replace('delimiter: ","', 'delimiter: "\\t"'), 'shop-8.yaml'), { codecs: createLzoRegistry() });
    expect(asUtf8.failed.map((f) => f.error.message)).toEqual([
      'orders/a.csv: starts with the byte order mark of UTF-16 little-endian (ff fe), not utf-8 text: set csv.encoding: utf-16le',
      'orders/b.csv.gz: starts with a character and a zero byte, as UTF-16 little-endian writes ASCII (4f 00), not utf-8 text: set csv.encoding: utf-16le',
    ]);
  });

  it('reads epoch seconds and milliseconds, and fails an object whose times are mostly of another format at once', async () => {
    const epochS = loadConfig(YAML.replace('format: ISO8601', 'format: epoch_s').replace('timezone: Europe/Paris', 'timezone: UTC'), 'shop-s.yaml');
    const epochMs = { ...epochS, columns: { ...epochS.columns, time: { ...epochS.columns.time, format: 'epoch_ms' } } };
    const rawDir = join(dir, 'raw-epoch');
    mkdirSync(join(rawDir, 'orders'), { recursive: true });
    writeFileSync(join(rawDir, 'orders', 'a.csv.gz'), gzipSync(`${HEADER}\n1,c1,A,1704189600,2,web\n2,c1,B,1704189600.25,1,web\n`));
    const raw = new FileStore(rawDir);

    const seconds = await ingestAll(raw, new FileStore(join(dir, 'lake-s')), epochS, { codecs: createLzoRegistry() });
    expect(seconds.failed).toEqual([]);
    expect(rows(await new Catalog(new FileStore(join(dir, 'lake-s')), 'shop').clean.load()).map((r) => r.event_time)).toEqual([Date.UTC(2024, 0, 2, 10), Date.UTC(2024, 0, 2, 10, 0, 0, 250)]);

    writeFileSync(join(rawDir, 'orders', 'a.csv.gz'), gzipSync(`${HEADER}\n1,c1,A,1704189600123,2,web\n`));
    const millis = await ingestAll(raw, new FileStore(join(dir, 'lake-ms')), epochMs, { codecs: createLzoRegistry() });
    expect(rows(await new Catalog(new FileStore(join(dir, 'lake-ms')), 'shop').clean.load()).map((r) => r.event_time)).toEqual([Date.UTC(2024, 0, 2, 10, 0, 0, 123)]);
    expect(millis.failed).toEqual([]);

    // 1,200 lines of epoch times read as ISO 8601: the object fails once 1,000 times are read, naming the first lines.
    const epochs = Array.from({ length: 1200 }, (_, i) => `${i},c1,A,${1704189600123 + i},1,web\n`).join('');
    writeFileSync(join(rawDir, 'orders', 'a.csv.gz'), gzipSync(`${HEADER}\n${epochs}`));
    const wrong = await ingestAll(raw, new FileStore(join(dir, 'lake-wrong')), loadConfig(YAML, 'shop.yaml'), { codecs: createLzoRegistry() });
    expect(wrong.failed.map((f) => f.error.message)).toEqual([
      'orders/a.csv.gz: 1000 of the first 1000 times of column ordered_at do not match the time format "ISO8601", e.g. line 2: "1704189600123", '
        + 'line 3: "1704189600124", line 4: "1704189600125"; check columns.time.format (the object fails at once, its earlier output, if any, stays published; '
        + '--max-reject-ratio 1 takes such lines as rejects)',
    ]);
  });
});
