/**
 * The walking skeleton on the real Online Retail data: `berserkr run` at the
 * protocol's as-of time into a local lake, then the same run with raw objects and
 * lake in an S3-compatible server on loopback, which must give the same export.
 * Training is shortened (2 cut-offs, 2 epochs) to keep the suite fast; the
 * default run is `make demo`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/open';
import { CliResult, jsonLogs, RETAIL_CONFIG, RETAIL_RAW, ROOT, runCli } from '../helpers/cli';
import { S3Server, startS3Server } from '../helpers/s3server';

const AS_OF = '2011-11-09T00:00:00Z';
const FAST = ['--train-cutoffs', '2', '--epochs', '2', '--train-groups', '2048', '--seed', '7'];
const DATA = join(ROOT, 'data', 'online-retail');
/** Known customers at the as-of time (a purchase event before it). */
const KNOWN_CUSTOMERS = 4063;
/** A whole run takes one to three minutes on two cores; allow for a loaded machine. */
const RUN_TIMEOUT_MS = 15 * 60_000;

/**
 * Metrics rows printed by `run` on stdout, [recall, precision, ndcg, hitRate, map]
 * by system; the model's row (named by its model id) comes first, as `model`.
 */
function metricsTable(stdout: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  const lines = stdout.split('\n');
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith('system')) + 1)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 9) break;
    rows.set(rows.size === 0 ? 'model' : cells[0], cells.slice(1, 6).map(Number));
  }
  return rows;
}

describe('berserkr run on the real data', () => {
  let dir: string;
  let local: CliResult;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-e2e-'));
    local = await runCli(['--log-format', 'json', 'run', '--as-of', AS_OF, '--raw', RETAIL_RAW, '--lake', join(dir, 'lake'), '--config', RETAIL_CONFIG, ...FAST]);
  }, RUN_TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exits 0 and writes a run record that accounts for every input line', () => {
    expect(local.code).toBe(0);
    const runId = jsonLogs(local.stderr).find((l) => typeof l.runId === 'string')!.runId as string;
    const record = JSON.parse(readFileSync(join(dir, 'lake', 'runs', 'online-retail', `${runId}.json`), 'utf8'));
    expect(record.status).toBe('ok');
    // Stable names for the metrics, the model apart; instants in ISO 8601; stderr nothing but JSON log lines.
    expect(record.modelId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$|^baseline:|^blend:/);
    expect(record.promotion).toMatchObject({ championId: record.modelId, decision: expect.stringMatching(/^(promoted|not promoted): /) });
    expect(Object.keys(record.metrics)).toEqual(expect.arrayContaining(['model.ndcg@10', 'model.ece', 'baseline.repeat.ndcg@10', 'validation.challenger.ndcg@10']));
    expect(Object.keys(record.metrics).filter((k) => k.includes(record.modelId))).toEqual([]);
    expect(record.params.asOf).toBe('2011-11-09T00:00:00.000Z');
    expect(local.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
    expect(record.rows['ingest.read']).toBe(541_909);
    expect(record.rows['ingest.clean'] + record.rows['ingest.rejected']).toBe(541_909);
    // The 13 raw objects, then the 13 clean parts the events were read from, then what scoring read of the model.
    const keys: string[] = record.inputs.map((i: { key: string }) => i.key);
    expect(keys.slice(0, 13).every((k) => /^\d{4}-\d{2}\.csv\.lzo$/.test(k))).toBe(true);
    expect(keys.slice(13, 26).map((k) => k.replace(/\/[^/]+\/part-\d{5}\.parquet$/, ''))).toEqual(keys.slice(0, 13).map((k) => `clean/online-retail/${k}`));
    expect(keys.length).toBeGreaterThan(26);
    expect(keys.slice(26).every((k) => k.startsWith('models/online-retail/'))).toBe(true);
    expect(record.steps.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['ingest', 'events', 'features.training', 'train', 'features', 'score', 'publish', 'evaluate']),
    );
  });

  test('exports a top-10 list for every known customer with calibrated probabilities', () => {
    const csv = readFileSync(join(dir, 'lake', 'exports', 'online-retail', 'latest', 'top-k.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('customer_id,item_id,rank,probability');
    const rows = csv.slice(1).map((l) => l.split(','));
    const probabilities = rows.map((r) => Number(r[3]));
    expect(Math.min(...probabilities)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...probabilities)).toBeLessThanOrEqual(1);
    const ranks = new Map<string, string>();
    for (const [c, , rank] of rows) ranks.set(c, `${ranks.get(c) ?? ''}${rank},`);
    expect(ranks.size).toBe(KNOWN_CUSTOMERS);
    expect(new Set(ranks.values())).toEqual(new Set(['1,2,3,4,5,6,7,8,9,10,']));
    const meta = JSON.parse(readFileSync(join(dir, 'lake', 'exports', 'online-retail', 'latest', '_metadata.json'), 'utf8'));
    expect(meta).toMatchObject({ asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: KNOWN_CUSTOMERS * 10 });
  });

  test('beats the repeat baseline on the protocol, with the baselines at their reference figures', () => {
    const table = metricsTable(local.stdout);
    expect(local.stdout).toContain('online-retail 30-day horizon, as-of 2011-11-09T00:00:00.000Z, 1387 evaluated customers');
    expect(table.get('popularity')).toEqual([0.0583, 0.1263, 0.1435, 0.6467, 0.0668]);
    const [, , repeatNdcg] = table.get('repeat')!;
    expect(repeatNdcg).toBeCloseTo(0.319, 3);
    const [, , ndcg] = table.get('model')!;
    expect(ndcg).toBeGreaterThan(repeatNdcg);
  });

  describe('through an S3-compatible server', () => {
    let server: S3Server;
    beforeAll(async () => {
      server = await startS3Server(['raw', 'lake']);
      const raw = openStore('s3://raw/online-retail', server.env);
      for (const f of readdirSync(DATA).filter((n) => n.endsWith('.lzo'))) await raw.put(f, readFileSync(join(DATA, f)));
    });
    afterAll(() => server.stop());

    test('gives the same export as the local run', async () => {
      const r = await runCli(['run', '--as-of', AS_OF, '--raw', 's3://raw/online-retail', '--lake', 's3://lake/berserkr', '--config', RETAIL_CONFIG, ...FAST], server.env);
      expect(r.stderr).not.toMatch(/ERROR/);
      expect(r.code).toBe(0);
      const lake = openStore('s3://lake/berserkr', server.env);
      const remote = Buffer.from(await lake.get('exports/online-retail/latest/top-k.csv')).toString('utf8');
      expect(remote).toBe(readFileSync(join(dir, 'lake', 'exports', 'online-retail', 'latest', 'top-k.csv'), 'utf8'));
      expect(metricsTable(r.stdout)).toEqual(metricsTable(local.stdout));
    }, RUN_TIMEOUT_MS);
  });
});
