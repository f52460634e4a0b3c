/**
 * The reject budget through the CLI: a configuration change that rejects every
 * line (a wrong time format) fails each object with exit 3, naming it (at once,
 * after a sample of its times), and the clean data already in the lake stays
 * published; a run whose small objects are each within their allowance but
 * together over the budget publishes none of them.
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
