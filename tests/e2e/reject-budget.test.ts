/**
 * The reject budget through the CLI: a configuration change that rejects every
 * line (a wrong time format) fails each object with exit 3, naming it (at once,
 * after a sample of its times), and the clean data already in the lake stays
 * published; a quote left open that swallows the rest of an object into one
 * reject counts as every line it swallowed; a run whose small objects are each
 * within their allowance but together over the budget publishes none of them.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogs, RETAIL_CONFIG, ROOT, runCli } from '../helpers/cli';
import { retailLzop } from '../ingest/helpers';

describe('berserkr ingest --max-reject-ratio', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-budget-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ingest and run offer the flag, and refuse a value outside [0, 1] with exit 2, quoting it', async () => {
    for (const command of ['ingest', 'run']) {
      const help = (await runCli([command, '--help'])).stdout;
      expect(help).toMatch(/--max-reject-ratio <share>[\s\S]*\(default:\s+0\.05\)/);
      expect(help.replace(/\s+/g, ' ')).toContain('budgeted as if it had at least 200 lines (10 lines at 0.05)');
      expect(help.replace(/\s+/g, ' ')).toContain('The same share bounds the run');
    }
    const r = await runCli(['ingest', '--max-reject-ratio', '5%']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"5%"');
  });

  test('a wrong time format fails every object at once, quoting its lines (exit 3), and keeps the clean data published', async () => {
    const raw = join(dir, 'raw');
    const lake = join(dir, 'lake');
    mkdirSync(raw);
    copyFileSync(join(ROOT, 'data', 'online-retail', '2011-02.csv.lzo'), join(raw, '2011-02.csv.lzo'));
    expect((await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG])).code).toBe(0);
    const ledgerPath = join(lake, 'ledger', 'online-retail.json');
    const ledger = readFileSync(ledgerPath, 'utf8');
    const wrongTime = join(dir, 'wrong-time.yaml');
    writeFileSync(wrongTime, readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8').replace('format: M/D/YYYY H:mm', 'format: YYYY-MM-DD HH:mm'));

    const r = await runCli(['--log-format', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', wrongTime]);
    expect(r.code).toBe(3);
    const errors = jsonLogs(r.stderr).filter((l) => l.level === 'error');
    expect(errors.map((e) => e.object)).toEqual(['2011-02.csv.lzo']);
    expect(JSON.stringify(errors[0].err)).toMatch(/2011-02\.csv\.lzo: 1000 of the first 1000 times of column InvoiceDate do not match the time format \\"YYYY-MM-DD HH:mm\\", e\.g\. line 2: \\"2\/1\/2011 8:23\\"/);
    expect(readFileSync(ledgerPath, 'utf8')).toBe(ledger);

    const forced = await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', wrongTime, '--max-reject-ratio', '1']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(ledgerPath, 'utf8')).objects['2011-02.csv.lzo'].counts.clean).toBe(0);
  });

  test('a quote left open weighs by the lines it swallowed: validate and ingest fail the object (exit 3), naming the line it opened on, and keep its clean data published', async () => {
    const raw = join(dir, 'raw-quote');
    const lake = join(dir, 'lake-quote');
    mkdirSync(raw);
    const config = join(dir, 'myshop.yaml');
    writeFileSync(config, [
      'name: myshop',
      'csv: { delimiter: ",", duplicates: keep }',
      'columns:',
      '  order: { column: Bestellung }',
      '  customer: { column: Kunde }',
      '  item: { column: Artikel }',
      '  time: { column: Zeitpunkt, format: ISO8601, timezone: Europe/Berlin }',
      '  quantity: { column: Menge }',
      '  price: { column: Preis }',
      '  keep: [Kanal]',
      'purchase: [ { column: quantity, op: gt, value: 0 } ]',
    ].join('\n') + '\n');
    const line = (i: number, channel = 'web') => `O${i},K${String(i % 1000).padStart(4, '0')},SKU${String(i % 100).padStart(3, '0')},2024-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,1,2.50,${channel}`;
    const csv = (channel: (i: number) => string) => ['Bestellung,Kunde,Artikel,Zeitpunkt,Menge,Preis,Kanal', ...Array.from({ length: 15_000 }, (_, i) => line(i, channel(i)))].join('\n') + '\n';
    // A valid record of two lines first: clean, 15,001 lines in 15,000 rows.
    writeFileSync(join(raw, 'a.csv'), csv((i) => (i === 1 ? '"web\nshop"' : 'web')));
    const ingested = await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', config]);
    expect([ingested.code, ingested.stdout.split('\n')[0]]).toEqual([0, 'ingest: 1 new or changed, 0 unchanged, 0 failed; lines read 15001, clean 15001, rejected 0']);
    const ledgerPath = join(lake, 'ledger', 'myshop.json');
    const ledger = readFileSync(ledgerPath, 'utf8');

    // Then the open quote of line 7 swallows the 14,995 lines after it into one reject.
    writeFileSync(join(raw, 'a.csv'), csv((i) => (i === 5 ? '"web' : 'web')));
    const message = 'a.csv: 14995 of 15000 lines rejected (99.97 %: unterminated_quote 14995), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 750; '
      + 'the longest rejected record spans 14995 lines from line 7 (unterminated_quote: a quoted field is not closed before the end of the object); '
      + 'its earlier output, if any, stays published';
    const validated = await runCli(['validate', '--output', 'json', '--raw', raw, '--config', config]);
    expect(validated.code).toBe(3);
    const report = JSON.parse(validated.stdout);
    expect(report.objects.map((o: { counts: unknown; pass: boolean; problem: unknown }) => [o.counts, o.pass, o.problem])).toEqual([[
      { read: 15000, clean: 5, rejected: 14995, duplicates: 0, byReason: { unterminated_quote: 14995 }, firstReject: { line: 7, reason: 'unterminated_quote: a quoted field is not closed before the end of the object' }, longestReject: { line: 7, lines: 14995, reason: 'unterminated_quote: a quoted field is not closed before the end of the object' } },
      false,
      { error: 'RejectBudgetError', message },
    ]]);
    const failed = await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', config]);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toBe(`ingest: 0 new or changed, 0 unchanged, 1 failed; lines read 0, clean 0, rejected 0\nfailed: ${message}\n`);
    expect(readFileSync(ledgerPath, 'utf8')).toBe(ledger);
  });

  test('a run over its reject budget exits 3 with the figures in the log and the run record, and publishes none of its objects', async () => {
    const raw = join(dir, 'raw-small');
    const lake = join(dir, 'lake-small');
    mkdirSync(raw);
    writeFileSync(join(raw, 'm1.csv.lzo'), retailLzop(12, 0));
    expect((await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG])).code).toBe(0);
    const ledgerPath = join(lake, 'ledger', 'online-retail.json');
    const ledger = readFileSync(ledgerPath, 'utf8');
    // Each object rejects 10 of its 12 lines, within its own allowance; together 30 of 36.
    for (const key of ['m1.csv.lzo', 'm2.csv.lzo', 'm3.csv.lzo']) writeFileSync(join(raw, key), retailLzop(2, 10));

    const r = await runCli(['--log-format', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(r.code).toBe(3);
    const message = '3 objects of this run: 30 of 36 lines rejected (83.33 %: bad_time 30), over the run\'s reject budget of 5 % (--max-reject-ratio 0.05), '
      + 'which allows 10; none of them is published and their earlier output, if any, stays published';
    const logs = jsonLogs(r.stderr);
    expect(logs.find((l) => l.msg === message)).toMatchObject({ level: 'error', rejectBudget: { objects: 3, read: 36, rejected: 30, maxRejectRatio: 0.05, allowed: 10 } });
    expect(logs.filter((l) => l.level === 'error' && l.object !== undefined).map((l) => l.object)).toEqual(['m1.csv.lzo', 'm2.csv.lzo', 'm3.csv.lzo']);
    expect(readFileSync(ledgerPath, 'utf8')).toBe(ledger);
    const runId = logs.find((l) => typeof l.runId === 'string' && l.status !== undefined)!.runId as string;
    const record = JSON.parse(readFileSync(join(lake, 'runs', 'online-retail', `${runId}.json`), 'utf8'));
    expect(record.status).toBe('partial');
    expect(record.errors).toEqual([
      { step: 'ingest', name: 'RunRejectBudgetError', message },
      ...['m1.csv.lzo', 'm2.csv.lzo', 'm3.csv.lzo'].map((key) => ({ step: 'ingest', name: 'RunRejectBudgetError', message: `${key}: not published: ${message}` })),
    ]);
  });
});
