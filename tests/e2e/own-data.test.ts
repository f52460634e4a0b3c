/**
 * A retailer's own files, configured by YAML alone: the whole pipeline (`run`)
 * on gzip and plain CSV with ISO 8601 times in several shapes (offsets, `Z`,
 * fractions, dates alone), header names in another case and a column the
 * configuration does not name. The lines are those of the loyalty fixture
 * (`tests/fixtures/loyalty/`, four months of the real data), rewritten so.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createLzoRegistry } from '../../ingest';
import { decompress } from '../../ingest/decompress';
import { Catalog } from '../../lib/catalog';
import { openStore } from '../../lib/store/open';
import { jsonLogs, runCli, ROOT } from '../helpers/cli';

const MONTHS = ['2011-08', '2011-09', '2011-10', '2011-11'];

const CONFIG = `name: own-shop
csv:
  delimiter: ","
  header: true
  header_case: insensitive
  duplicates: keep
columns:
  customer: { column: customer_no, required: true, transform: trim }
  item: { column: product, required: true, transform: lower }
  time: { column: ordered_at, required: true, format: ISO8601, timezone: Europe/Paris }
purchase:
  - { column: customer_id, op: present }
`;

/** The fixture's decompressed Latin-1 text of month `month`. */
async function loyaltyText(month: string): Promise<string> {
  const bytes = readFileSync(join(ROOT, 'tests', 'fixtures', 'loyalty', 'raw', `${month}.csv.lzo`));
  const parts: Uint8Array[] = [];
  for await (const part of decompress(month, (async function* () { yield bytes; })(), { compression: 'lzop', basis: 'the fixture' }, { codecs: createLzoRegistry() })) parts.push(part);
  return Buffer.concat(parts).toString('latin1');
}

const PARIS = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Paris', timeZoneName: 'longOffset' });

/** `DD-MM-YYYY` (a day in Paris) as ISO 8601 of that day's midnight in Paris, in one of four shapes by line: a date alone, minutes with the offset, seconds with the offset, the instant in UTC with a fraction. */
function isoTime(day: string, line: number): string {
  const [d, m, y] = day.split('-');
  // The offset in force at that midnight (read two hours before it in UTC, which is on that day or the evening before it in Paris).
  const offset = PARIS.formatToParts(Date.UTC(Number(y), Number(m) - 1, Number(d)) - 7_200_000).find((p) => p.type === 'timeZoneName')!.value.slice(3) || '+00:00';
  const date = `${y}-${m}-${d}`;
  if (line % 4 === 0) return date;
  if (line % 4 === 1) return `${date}T00:00${offset}`;
  if (line % 4 === 2) return `${date}T00:00:00${offset}`;
  return new Date(Date.parse(`${date}T00:00:00${offset}`)).toISOString();
}

const quote = (v: string): string => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

describe('berserkr run on gzip and plain CSV with ISO 8601 times and an extra column, configured by YAML alone', () => {
  let dir: string;
  let lines = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-own-'));
    mkdirSync(join(dir, 'raw'));
    for (const [k, month] of MONTHS.entries()) {
      const [, ...rows] = (await loyaltyText(month)).trimEnd().split('\n');
      // The shop's own header: other names, other case, and a column the configuration does not name.
      const out = ['Customer_No,Ordered_At,Product,Coupon_Code'];
      rows.forEach((row, i) => {
        const [member, day, item] = row.split(';');
        out.push([member, isoTime(day, i), quote(item), i % 7 === 0 ? 'XMAS10' : ''].join(','));
      });
      lines += rows.length;
      const text = `${out.join('\n')}\n`;
      // Two months gzip, two plain.
      if (k % 2 === 0) writeFileSync(join(dir, 'raw', `orders-${month}.csv.gz`), gzipSync(Buffer.from(text, 'utf8')));
      else writeFileSync(join(dir, 'raw', `orders-${month}.csv`), text);
    }
    writeFileSync(join(dir, 'own-shop.yaml'), CONFIG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ingests every line clean, keeps the extra column, trains, scores and exports', async () => {
    const lake = join(dir, 'lake');
    const r = await runCli(['--log-format', 'json', 'run', '--raw', join(dir, 'raw'), '--lake', lake, '--config', join(dir, 'own-shop.yaml'), '--train-cutoffs', '1', '--epochs', '2', '--members', '1']);
    expect(r.code).toBe(0);
    const runId = jsonLogs(r.stderr).find((l) => typeof l.runId === 'string')!.runId as string;
    const record = JSON.parse(readFileSync(join(lake, 'runs', 'own-shop', `${runId}.json`), 'utf8'));
    expect(lines).toBe(47_282);
    expect(record.rows['ingest.read']).toBe(lines);
    expect(record.rows['ingest.clean']).toBe(lines);
    expect(record.rows['ingest.rejected']).toBe(0);
    // The two plain months carry no checksum: counted, with no warning, since plain CSV cannot carry one.
    expect(record.rows['ingest.unchecked']).toBe(2);
    expect(jsonLogs(r.stderr).filter((l) => l.unchecked !== undefined)).toEqual([]);
    const clean = await new Catalog(openStore(lake), 'own-shop').clean.load();
    const extra = clean.getChild('extra_columns')!;
    expect(clean.numRows).toBe(lines);
    expect(JSON.parse(extra.get(0) as string)).toEqual({ Coupon_Code: 'XMAS10' });
    expect(JSON.parse(extra.get(1) as string)).toEqual({ Coupon_Code: null }); // an empty field is null
    const latest = JSON.parse(readFileSync(join(lake, 'exports', 'own-shop', 'latest.json'), 'utf8'));
    const meta = JSON.parse(readFileSync(join(lake, latest.metadata), 'utf8'));
    // The same lines as the loyalty fixture's, so the same customers and the same as-of time (30-11-2011 in Paris, every shape read alike).
    expect(meta).toMatchObject({ runId, horizonDays: 30, k: 10, customers: 795, asOf: '2011-11-29T23:00:00.001Z' });
    const csv = readFileSync(join(lake, 'exports', 'own-shop', runId, 'top-k.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv).toHaveLength(meta.rows + 1);
    expect(csv.some((l) => /,white hanging heart t-light holder,/.test(l))).toBe(true);
  });
});
