/**
 * `berserkr backtest` on the real Online Retail data: two rolling origins, each
 * trained only on data before it (shortened: 1 training cut-off, 1 epoch), with
 * the baselines beside the model and candidate coverage per as-of time, saved
 * as the data set's latest backtest and no model.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliResult, RETAIL_CONFIG, ROOT, runCli } from '../helpers/cli';

const DATA = join(ROOT, 'data', 'online-retail');
const RUN_TIMEOUT_MS = 15 * 60_000;

describe('berserkr backtest on the real data', () => {
  let dir: string;
  let result: CliResult;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-backtest-'));
    const lake = join(dir, 'lake');
    const ingest = await runCli(['--log-format', 'json', 'ingest', '--raw', DATA, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(ingest.code).toBe(0);
    result = await runCli([
      '--log-format', 'json', 'backtest', '--lake', lake, '--config', RETAIL_CONFIG,
      '--as-of', '2011-11-09T00:00:00Z', '--as-of', '2011-10-10',
      '--train-cutoffs', '1', '--epochs', '1', '--train-groups', '1024', '--members', '1', '--seed', '7',
    ]);
  }, RUN_TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('prints model and baselines per as-of time, oldest first, with the reference baselines at 2011-11-09', () => {
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('online-retail 30-day horizon backtest');
    const rows = lines.slice(2, 8).map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      '2011-10-10 model', '2011-10-10 popularity', '2011-10-10 repeat',
      '2011-11-09 model', '2011-11-09 popularity', '2011-11-09 repeat',
    ]);
    // popularity at the protocol's as-of: the reference row of protocol.md.
    expect(rows[4].slice(2, 7).map(Number)).toEqual([0.0583, 0.1263, 0.1435, 0.6467, 0.0668]);
    expect(Number(rows[5][4])).toBeCloseTo(0.319, 3);
    expect(rows[5].slice(7)).toEqual(['-', '-', '-', '1387']); // a baseline has no ECE, ECE@10 or log loss
    for (const model of [rows[0], rows[3]]) {
      expect(Number(model[4])).toBeGreaterThan(0.2); // NDCG@10, far above chance even after one epoch
      expect(Number(model[7])).toBeLessThan(0.05); // ECE: calibrated on the validation cut-off
      expect(Number(model[8])).toBeGreaterThan(0); // ECE@10, over the pairs of the top-10 lists
      expect(Number(model[8])).toBeLessThan(1);
    }
    expect(lines[8]).toMatch(/^2011-10-10 candidate recall 0\.\d{4}, \d+\.\d candidates per customer$/);
    expect(lines[9]).toMatch(/^2011-11-09 candidate recall 0\.5\d{3}, \d+\.\d candidates per customer$/);
  });

  test('saves no model and promotes nothing, only the backtest a later model card quotes', () => {
    expect(readdirSync(join(dir, 'lake', 'models', 'online-retail'))).toEqual(['backtest.json']);
    const record = JSON.parse(readFileSync(join(dir, 'lake', 'models', 'online-retail', 'backtest.json'), 'utf8')) as { rows: { asOf: string; systems: { system: string }[] }[] };
    expect(record.rows.map((r) => [r.asOf, r.systems.map((x) => x.system)])).toEqual([
      ['2011-10-10T00:00:00.000Z', ['model', 'popularity', 'repeat']],
      ['2011-11-09T00:00:00.000Z', ['model', 'popularity', 'repeat']],
    ]);
  });
});
