/**
 * Any transaction data by configuration alone: the whole pipeline (`run`) on a
 * second, differently shaped data set — semicolon-separated Latin-1, member
 * numbers, day-first dates in Europe/Paris without a time, items by name, no
 * price, quantity or order id (`tests/fixtures/loyalty/`, made by its
 * make-fixtures.sh from four months of the real data). One training epoch of the
 * listwise network beats the repeat baseline there on the validation cut-off
 * (NDCG@10 0.295 against 0.282), so the challenger is promoted and scores; the
 * fallback to a baseline is tested in tests/training/fallback.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogs, runCli } from '../helpers/cli';

describe('berserkr run on a second data set shaped otherwise', () => {
  let lake: string;
  beforeAll(() => (lake = join(mkdtempSync(join(tmpdir(), 'berserkr-loyalty-')), 'lake')));
  afterAll(() => rmSync(join(lake, '..'), { recursive: true, force: true }));

  test('ingests, trains, promotes the challenger over the best baseline and exports lists of member numbers', async () => {
    const r = await runCli([
      '--log-format', 'json', 'run',
      '--raw', 'tests/fixtures/loyalty/raw',
      '--lake', lake,
      '--config', 'tests/fixtures/config/loyalty.yaml',
      '--train-cutoffs', '1', '--epochs', '2',
    ]);
    expect(r.code).toBe(0);
    const runId = jsonLogs(r.stderr).find((l) => typeof l.runId === 'string')!.runId as string;
    const record = JSON.parse(readFileSync(join(lake, 'runs', 'loyalty-club', `${runId}.json`), 'utf8'));
    expect(record.rows['ingest.read']).toBe(record.rows['ingest.clean'] + record.rows['ingest.rejected']);
    expect(record.rows['ingest.read']).toBe(47_282);
    expect(record.metrics['training.baseline_fallback']).toBeUndefined();
    const champion = JSON.parse(readFileSync(join(lake, 'models', 'loyalty-club', 'champion.json'), 'utf8'));
    expect(champion.modelId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);

    const latest = JSON.parse(readFileSync(join(lake, 'exports', 'loyalty-club', 'latest.json'), 'utf8'));
    const meta = JSON.parse(readFileSync(join(lake, latest.metadata), 'utf8'));
    expect(meta).toMatchObject({ runId, modelId: champion.modelId, horizonDays: 30, k: 10, customers: 795 });
    // The data ends on 30-11-2011 (Paris): the as-of time is just after that day's events.
    expect(meta.asOf).toBe('2011-11-29T23:00:00.001Z');
    const csv = readFileSync(join(lake, 'exports', 'loyalty-club', runId, 'top-k.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('customer_id,item_id,rank,probability');
    expect(csv).toHaveLength(meta.rows + 1);
    for (const line of csv.slice(1, 50)) expect(line).toMatch(/^\d{5},("[^"]*"|[^,"]*),([1-9]|10),(0|1|0\.\d+|\d\.\d+e-\d+)$/);
    expect(csv.some((l) => /,white hanging heart t-light holder,/.test(l))).toBe(true);
  });
});
