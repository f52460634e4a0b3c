/**
 * The reject budget through the CLI: a configuration change that rejects every
 * line (a wrong time format) fails each object with exit 3, naming it, and the
 * clean data already in the lake stays published.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogs, ROOT, runCli } from '../helpers/cli';

describe('berserkr ingest --max-reject-ratio', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-budget-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ingest and run offer the flag, and refuse a value outside [0, 1] with exit 2, quoting it', async () => {
    for (const command of ['ingest', 'run']) expect((await runCli([command, '--help'])).stdout).toMatch(/--max-reject-ratio <share>[\s\S]*\(default:\s+0\.05\)/);
    const r = await runCli(['ingest', '--max-reject-ratio', '5%']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"5%"');
  });

  test('a wrong time format fails every object over the budget (exit 3) and keeps the clean data published', async () => {
    const raw = join(dir, 'raw');
    const lake = join(dir, 'lake');
    mkdirSync(raw);
    copyFileSync(join(ROOT, 'data', 'online-retail', '2011-02.csv.lzo'), join(raw, '2011-02.csv.lzo'));
    expect((await runCli(['ingest', '--raw', raw, '--lake', lake])).code).toBe(0);
    const ledgerPath = join(lake, 'ledger', 'online-retail.json');
    const ledger = readFileSync(ledgerPath, 'utf8');
    const wrongTime = join(dir, 'wrong-time.yaml');
    writeFileSync(wrongTime, readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8').replace('format: M/D/YYYY H:mm', 'format: YYYY-MM-DD HH:mm'));

    const r = await runCli(['--log-format', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', wrongTime]);
    expect(r.code).toBe(3);
    const errors = jsonLogs(r.stderr).filter((l) => l.level === 'error');
    expect(errors.map((e) => e.object)).toEqual(['2011-02.csv.lzo']);
    expect(JSON.stringify(errors[0].err)).toMatch(/2011-02\.csv\.lzo: 27707 of 27707 lines rejected \(100 %: bad_time 27707\), over the reject budget of 5 %/);
    expect(readFileSync(ledgerPath, 'utf8')).toBe(ledger);

    const forced = await runCli(['ingest', '--raw', raw, '--lake', lake, '--config', wrongTime, '--max-reject-ratio', '1']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(ledgerPath, 'utf8')).objects['2011-02.csv.lzo'].counts.clean).toBe(0);
  });
});
