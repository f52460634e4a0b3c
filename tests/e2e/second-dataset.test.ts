/**
 * Any transaction data by configuration alone: the whole pipeline (`run`) on a
 * second, differently shaped data set — semicolon-separated Latin-1, member
 * numbers, day-first dates in Europe/Paris without a time, items by name, no
 * price, quantity or order id (`tests/fixtures/loyalty/`, made by its
 * make-fixtures.sh from four months of the real data). One short training epoch
 * loses to the repeat baseline there, so the run also shows the champion/challenger
 * fallback: scoring uses the baseline and the export's metadata says so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogs, runCli } from '../helpers/cli';

describe('berserkr run on a second data set shaped otherwise', () => {
  let lake: string;
  beforeAll(() => (lake = join(mkdtempSync(join(tmpdir(), 'berserkr-loyalty-')), 'lake')));
  afterAll(() => rmSync(join(lake, '..'), { recursive: true, force: true }));

  test('ingests, trains, falls back to the best baseline and exports lists of member numbers', async () => {
    const r = await runCli([
      '--log-format', 'json', 'run',
      '--raw', 'tests/fixtures/loyalty/raw',
      '--lake', lake,
      '--config', 'tests/fixtures/config/loyalty.yaml',
      '--train-cutoffs', '1', '--max-epochs', '1',
    ]);
    expect(r.code).toBe(0);
    const runId = jsonLogs(r.stderr).find((l) => typeof l.runId === 'string')!.runId as string;
    const record = JSON.parse(readFileSync(join(lake, 'runs', `${runId}.json`), 'utf8'));
    expect(record.rows['ingest.read']).toBe(record.rows['ingest.clean'] + record.rows['ingest.rejected']);
    expect(record.rows['ingest.read']).toBe(47_282);
    expect(record.metrics['training.baseline_fallback']).toBe(1);

    const latest = JSON.parse(readFileSync(join(lake, 'exports', 'latest.json'), 'utf8'));
    const meta = JSON.parse(readFileSync(join(lake, latest.metadata), 'utf8'));
    expect(meta).toMatchObject({ runId, modelId: 'baseline:repeat', horizonDays: 30, k: 10, customers: 795 });
    // The data ends on 30-11-2011 (Paris): the as-of time is just after that day's events.
    expect(meta.asOf).toBe('2011-11-29T23:00:00.001Z');
    const csv = readFileSync(join(lake, 'exports', runId, 'top-k.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('customer_id,item_id,rank,probability');
    expect(csv).toHaveLength(meta.rows + 1);
    for (const line of csv.slice(1, 50)) expect(line).toMatch(/^\d{5},("[^"]*"|[^,"]*),([1-9]|10),(0|1|0\.\d+|\d\.\d+e-\d+)$/);
    expect(csv.some((l) => /,white hanging heart t-light holder,/.test(l))).toBe(true);
  });
});
