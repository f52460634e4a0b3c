/**
 * Any transaction data by configuration alone: the whole pipeline (`run`) on a
 * second, differently shaped data set — semicolon-separated Latin-1, member
 * numbers, day-first dates in Europe/Paris without a time, items by name, no
 * price, quantity or order id (`tests/fixtures/loyalty/`, made by its
 * make-fixtures.sh from four months of the real data). Two training epochs of the
 * listwise network beat the repeat baseline there on the validation cut-off by a
 * margin the paired bootstrap over its 259 customers finds significant (NDCG@10
 * 0.3205 against 0.2822, 95 % lower bound +0.0186), so the challenger is
 * promoted and scores, with its model card beside it and in the report; the
 * fallbacks to a baseline or a blend are tested in tests/training/runner.test.ts.
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
    expect(record.promotion).toMatchObject({ challengerId: champion.modelId, outcome: 'promoted', championId: champion.modelId });
    expect(r.stdout).toMatch(/^decision promoted: validation NDCG@10 0\.\d{4} beats best baseline repeat 0\.\d{4}: \+0\.\d{4}, 95 % lower bound \+0\.\d{4}, p 0\.\d{3}; no champion yet \(paired bootstrap over \d+ validation customers, 1000 resamples, seed 42\)$/m);
    const card = readFileSync(join(lake, 'models', 'loyalty-club', champion.modelId, 'model-card.md'), 'utf8');
    for (const section of ['Training window and cut-offs', 'Features', 'Candidate sources', 'Validation against the baselines', 'Promotion', 'Calibration', 'Backtest']) expect(card).toContain(`\n## ${section}\n`);
    expect(card).toContain(`> ${record.promotion.decision}`);
    const report = readFileSync(join(lake, 'runs', 'loyalty-club', `${runId}.html`), 'utf8');
    expect(report).toContain('<section id="model-card"><h2>Model card</h2>');
    expect(report).toContain(`model <b>${champion.modelId}</b>`);

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
