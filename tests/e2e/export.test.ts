/**
 * Exports on the real data: CSV, Parquet and JSON Lines of one scoring run hold
 * the same rows (the Parquet file read by an independent reader, DuckDB), the
 * sidecar's checksums match the files, `exports/online-retail/latest.json` moves only when a
 * run is complete, and not back to an earlier as-of time, a committed run is never scored into again (a retry with its
 * own options ends at once), and `berserkr export` re-exports chosen lists, or their first items or likelier ones,
 * without rescoring.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ExportMetadata } from '../../lib/catalog';
import { configHash, loadConfig } from '../../lib/config';
import { jsonLogs, RETAIL_CONFIG, runCli } from '../helpers/cli';
import { KNOWN_CUSTOMERS, lakeWithModel, ok, readJson, scoreArgs } from './scoring-lake';

const RUN = '20111109T000000Z-0000e1';
const LATER = '20111109T000000Z-0000e2';
const TIMEOUT_MS = 10 * 60_000;

/** CSV rows of an export (ids of the Online Retail data hold no quotes or commas). */
function csvRows(text: string): string[][] {
  const lines = text.split('\r\n');
  expect(lines[0]).toBe('customer_id,item_id,rank,probability');
  expect(lines[lines.length - 1]).toBe('');
  return lines.slice(1, -1).map((l) => l.split(','));
}

describe('top-K exports', () => {
  let dir: string;
  let lake: string;
  let meta: ExportMetadata;
  let csv: string[][];
  let modelId: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-export-'));
    lake = join(dir, 'lake');
    modelId = await lakeWithModel(lake);
    expect(ok(await runCli(scoreArgs(lake, modelId, '--run-id', RUN, '--format', 'csv,parquet,jsonl')))).toEqual([0, '']);
    meta = readJson<ExportMetadata>(lake, `exports/online-retail/${RUN}/_metadata.json`);
    csv = csvRows(readFileSync(join(lake, `exports/online-retail/${RUN}/top-k.csv`), 'utf8'));
    // A later run whose second shard never comes: it must not be published.
    expect(ok(await runCli(scoreArgs(lake, modelId, '--run-id', LATER, '--shard', '0/2')))).toEqual([0, '']);
  }, TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the sidecar describes the export and its checksums match the files', () => {
    expect(meta).toMatchObject({ runId: RUN, asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: KNOWN_CUSTOMERS * 10, customers: KNOWN_CUSTOMERS, shards: 1 });
    expect(meta.files.map((f) => f.name)).toEqual(['top-k.csv', 'top-k.parquet', 'top-k.jsonl']);
    for (const f of meta.files) {
      const bytes = readFileSync(join(lake, 'exports', 'online-retail', RUN, f.name));
      expect([f.name, f.bytes, f.sha256]).toEqual([f.name, bytes.length, createHash('sha256').update(bytes).digest('hex')]);
    }
    expect(csv).toHaveLength(meta.rows);
  });

  test('DuckDB reads the Parquet export and finds the CSV rows, in order', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const db = await instance.connect();
    try {
      const path = join(lake, 'exports', 'online-retail', RUN, 'top-k.parquet').replace(/'/g, "''");
      const schema = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowsJS().map((r) => `${r[0]}:${r[1]}`);
      expect(schema).toEqual(['customer_id:VARCHAR', 'item_id:VARCHAR', 'rank:INTEGER', 'probability:DOUBLE']);
      const rows = (await db.runAndReadAll(`SELECT customer_id, item_id, rank, probability FROM read_parquet('${path}')`)).getRowsJS();
      expect(rows).toHaveLength(csv.length);
      // A CSV probability reads back to the float32 the Parquet export holds widened to a double.
      const mismatches = rows.filter((r, i) => {
        const [c, it, rank, p] = csv[i];
        return r[0] !== c || r[1] !== it || r[2] !== Number(rank) || r[3] !== Math.fround(Number(p));
      });
      expect(mismatches).toEqual([]);
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  });

  test('JSON Lines hold the same rows', () => {
    const lines = readFileSync(join(lake, 'exports', 'online-retail', RUN, 'top-k.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(csv.map(([c, it, rank, p]) => ({ customer_id: c, item_id: it, rank: Number(rank), probability: Number(p) })));
  });

  test('exports/online-retail/latest.json switches only to complete runs; the latest export stays readable', () => {
    expect(existsSync(join(lake, `exports/online-retail/${LATER}/shards/shard-0-of-2._SUCCESS.json`))).toBe(true);
    expect(existsSync(join(lake, `exports/online-retail/${LATER}/_metadata.json`))).toBe(false);
    expect(readJson(lake, 'exports/online-retail/latest.json')).toEqual({ runId: RUN, metadata: `exports/online-retail/${RUN}/_metadata.json` });
    expect(readJson(lake, 'exports/online-retail/latest/_metadata.json')).toEqual(meta);
    // The copies under latest/: every file its sidecar lists, the same bytes as the run's.
    for (const f of meta.files) {
      const copy = readFileSync(join(lake, 'exports/online-retail/latest', f.name));
      expect([f.name, copy.equals(readFileSync(join(lake, `exports/online-retail/${RUN}`, f.name)))]).toEqual([f.name, true]);
    }
  });

  test('score refuses a run id committed with other options and a run id in the future, writing nothing; a retry with the run\'s own options exits 0, writing nothing', async () => {
    const before = readFileSync(join(lake, `exports/online-retail/${RUN}/top-k.csv`));
    const sidecar = readFileSync(join(lake, `exports/online-retail/${RUN}/_metadata.json`));
    const again = await runCli(scoreArgs(lake, modelId, '--run-id', RUN));
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining(`run ${RUN} is committed already`)]);
    expect(again.stderr).toContain('was scored with --format csv,parquet,jsonl, this attempt with csv,parquet;');
    expect(readFileSync(join(lake, `exports/online-retail/${RUN}/top-k.csv`)).equals(before)).toBe(true);
    const retry = await runCli(['--output', 'json', ...scoreArgs(lake, modelId, '--run-id', RUN, '--format', 'csv,parquet,jsonl')]);
    expect(ok(retry)).toEqual([0, '']);
    expect(JSON.parse(retry.stdout)).toMatchObject({ exitCode: 0, scoringRun: RUN, shard: null, alreadyCommitted: true, evaluation: null });
    expect(readFileSync(join(lake, `exports/online-retail/${RUN}/top-k.csv`)).equals(before)).toBe(true);
    expect(readFileSync(join(lake, `exports/online-retail/${RUN}/_metadata.json`)).equals(sidecar)).toBe(true);
    const FUTURE = '20991231T000000Z-0000e3';
    const future = await runCli(scoreArgs(lake, modelId, '--run-id', FUTURE));
    expect([future.code, future.stderr]).toEqual([2, expect.stringContaining(`run id ${FUTURE} starts at 2099-12-31T00:00:00.000Z, after now`)]);
    expect(existsSync(join(lake, `exports/online-retail/${FUTURE}`))).toBe(false);
  }, TIMEOUT_MS);

  test('one configuration hash in the ledger, the run records and the model manifest', () => {
    const ledger = readJson<{ objects: Record<string, { configHash: string }> }>(lake, 'ledger/online-retail.json');
    const hashes = new Set(Object.values(ledger.objects).map((o) => o.configHash));
    for (const id of readdirSync(join(lake, 'runs', 'online-retail')).filter((f) => f.endsWith('.json'))) hashes.add(readJson(lake, `runs/online-retail/${id}`).config.sha256);
    hashes.add(readJson(lake, `models/online-retail/${meta.modelId}/manifest.json`).configHash);
    expect([...hashes]).toEqual([configHash(loadConfig(readFileSync(RETAIL_CONFIG, 'utf8'), RETAIL_CONFIG))]);
  });

  test('evaluate --output json prints one JSON summary with the stable metric names; its run record has them with the model id', async () => {
    const r = await runCli(['--log-format', 'json', '--output', 'json', 'evaluate', '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(ok(r)).toEqual([0, '']);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ command: 'evaluate', status: 'ok', exitCode: 0, export: RUN, dataset: 'online-retail', modelId: meta.modelId, asOf: meta.asOf, horizonDays: 30, k: 10 });
    expect(Object.keys(summary.metrics)).toEqual(expect.arrayContaining(['model.ndcg@10', 'model.ece', 'baseline.repeat.ndcg@10', 'baseline.popularity.recall@10']));
    const record = readJson(lake, `runs/online-retail/${summary.runId}.json`);
    expect(record).toMatchObject({ status: 'ok', modelId: meta.modelId, metrics: summary.metrics });
    expect(record.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const text = await runCli(['evaluate', '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(text.stdout.split('\n')[0]).toBe(`online-retail 30-day horizon, as-of ${meta.asOf}, ${summary.customers} evaluated customers`);
  }, TIMEOUT_MS);

  test('score records its as-of time in ISO 8601', () => {
    const scoring = readdirSync(join(lake, 'runs', 'online-retail')).map((f) => readJson(lake, `runs/online-retail/${f}`)).filter((x) => x.command === 'score');
    expect(scoring.map((x) => x.params.asOf)).toEqual(scoring.map(() => '2011-11-09T00:00:00.000Z'));
  });

  test('berserkr export without --customers re-exports every list of the latest export', async () => {
    const r = await runCli(['--output', 'json', 'export', '--lake', lake, '--config', RETAIL_CONFIG, '--format', 'csv']);
    expect(ok(r)).toEqual([0, '']);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ command: 'export', status: 'ok', source: RUN, rows: meta.rows, customers: KNOWN_CUSTOMERS, requested: KNOWN_CUSTOMERS, missing: 0, formats: ['csv', 'parquet'] });
    expect(readFileSync(join(lake, `exports/online-retail/${summary.runId}/top-k.csv`)).equals(readFileSync(join(lake, `exports/online-retail/${RUN}/top-k.csv`)))).toBe(true);
  }, TIMEOUT_MS);

  test('berserkr export --customers re-exports chosen lists from the latest export', async () => {
    const chosen = [csv[0][0], csv[csv.length - 1][0], csv[Math.floor(csv.length / 2)][0]];
    const file = join(dir, 'customers.txt');
    writeFileSync(file, `customer_id\n${chosen.join('\n')}\n99999999\n`);
    const r = await runCli(['--log-format', 'json', 'export', '--lake', lake, '--config', RETAIL_CONFIG, '--customers', file, '--format', 'csv,jsonl']);
    expect(ok(r)).toEqual([0, '']);
    const runId = jsonLogs(r.stderr).find((l) => typeof l.runId === 'string' && l.status === 'ok')!.runId as string;
    const sub = readJson<ExportMetadata>(lake, `exports/online-retail/${runId}/_metadata.json`);
    expect(meta.dataUntil).toEqual(expect.any(String));
    expect(sub).toMatchObject({ rows: 30, customers: 3, modelId: meta.modelId, asOf: meta.asOf, dataUntil: meta.dataUntil, subsetOf: { runId: RUN, requested: 4, missing: ['99999999'] } });
    const want = csv.filter((row) => chosen.includes(row[0]));
    expect(csvRows(readFileSync(join(lake, `exports/online-retail/${runId}/top-k.csv`), 'utf8'))).toEqual(want);
    expect(existsSync(join(lake, `exports/online-retail/${runId}/top-k.jsonl`))).toBe(true);
    expect(readJson(lake, 'exports/online-retail/latest.json').runId).toBe(RUN);
    const bad = await runCli(['export', '--lake', lake, '--config', RETAIL_CONFIG, '--customers', join(dir, 'missing.txt')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read the --customers file ".*missing\.txt": ENOENT/);
    // Metrics over a few customers' lists would count every other customer as a miss.
    for (const args of [['evaluate', '--run-id', runId], ['report', runId]]) {
      const subset = await runCli([...args, '--lake', lake, '--config', RETAIL_CONFIG]);
      expect([args[0], subset.code]).toEqual([args[0], 2]);
      expect(subset.stderr).toContain(`export of run ${runId} holds the lists of 3 customers of run ${RUN} (berserkr export): metrics over it would count every other customer or item as a miss; evaluate or report on run ${RUN}`);
    }
  }, TIMEOUT_MS);

  test('berserkr export --top-k and --min-probability cut every list, and refuse more items than the export holds', async () => {
    const r = await runCli(['--output', 'json', 'export', '--lake', lake, '--config', RETAIL_CONFIG, '--format', 'csv', '--top-k', '3', '--min-probability', '0.2']);
    expect(ok(r)).toEqual([0, '']);
    const summary = JSON.parse(r.stdout);
    const want = csv.filter(([, , rank, p]) => Number(rank) <= 3 && Number(p) >= 0.2);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(csv.filter(([, , rank]) => Number(rank) <= 3).length);
    expect(csvRows(readFileSync(join(lake, `exports/online-retail/${summary.runId}/top-k.csv`), 'utf8'))).toEqual(want);
    const customers = new Set(want.map(([c]) => c)).size;
    expect(summary).toMatchObject({ source: RUN, rows: want.length, customers, requested: KNOWN_CUSTOMERS, missing: 0, k: 3, minProbability: 0.2 });
    expect(readJson<ExportMetadata>(lake, `exports/online-retail/${summary.runId}/_metadata.json`)).toMatchObject({ k: 3, customers, subsetOf: { runId: RUN, topK: 3, minProbability: 0.2, missing: [] } });
    const report = await runCli(['report', summary.runId, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect([report.code, report.stderr]).toEqual([2, expect.stringContaining(`customers of run ${RUN}, cut to their first 3 items and items of probability 0.2 or more (berserkr export)`)]);
    const over = await runCli(['export', '--lake', lake, '--config', RETAIL_CONFIG, '--top-k', '11']);
    expect([over.code, over.stderr]).toEqual([2, expect.stringContaining(`--top-k 11 is more than the 10 items per customer of the export of run ${RUN}; score again with --top-k 11`)]);
    const bad = await runCli(['export', '--lake', lake, '--config', RETAIL_CONFIG, '--min-probability', '1.5']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('expected a decimal number from 0 to 1 such as 0.05, got "1.5"')]);
  }, TIMEOUT_MS);

  test('score refuses an as-of before the data or more than a horizon after it, and shard options that could never be merged, leaving latest as it was', async () => {
    const latest = readFileSync(join(lake, 'exports/online-retail/latest.json'));
    const early = await runCli(scoreArgs(lake, modelId, '--as-of', '2000-01-01'));
    expect([early.code, early.stderr]).toEqual([2, expect.stringContaining('no customer is known at as-of 2000-01-01T00:00:00.000Z, so there is nothing to score: the first purchase is at 2010-12-01T08:26:00.000Z; pass a later --as-of')]);
    const late = await runCli(scoreArgs(lake, modelId, '--as-of', '2012-12-09'));
    expect([late.code, late.stderr]).toEqual([2, expect.stringContaining('the as-of time 2012-12-09T00:00:00.000Z is 365.5 days after the data, whose last purchase is at 2011-12-09T12:50:00.000Z: more than the 30-day horizon without data')]);
    const lone = await runCli(scoreArgs(lake, modelId, '--shard', '0/2'));
    expect([lone.code, lone.stderr]).toEqual([2, expect.stringContaining('--shard 0/2 needs --run-id <id>')]);
    const shards = await runCli(scoreArgs(lake, modelId, '--shards', '4'));
    expect([shards.code, shards.stderr]).toEqual([2, expect.stringContaining('--shards <n> is for --commit')]);
    // A shard of another split, or with another K, than the shard 0/2 run LATER holds: refused before it scores.
    const held = readdirSync(join(lake, `exports/online-retail/${LATER}/shards`)).sort();
    const split = await runCli(scoreArgs(lake, modelId, '--run-id', LATER, '--shard', '1/3'));
    expect([split.code, split.stderr]).toEqual([2, expect.stringContaining(`shard 1/3 of run ${LATER} does not fit the run: its shard 0/2 (file://${lake}/exports/online-retail/${LATER}/shards/shard-0-of-2._SUCCESS.json) was scored as one of 2 shards, not 3`)]);
    const k = await runCli(scoreArgs(lake, modelId, '--run-id', LATER, '--shard', '1/2', '--top-k', '5'));
    expect([k.code, k.stderr]).toEqual([2, expect.stringContaining('was scored with --top-k 10, this one with 5;')]);
    expect(readdirSync(join(lake, `exports/online-retail/${LATER}/shards`)).sort()).toEqual(held);
    expect(existsSync(join(lake, `scores/online-retail/${LATER}/shard-1-of-3`))).toBe(false);
    expect(readFileSync(join(lake, 'exports/online-retail/latest.json')).equals(latest)).toBe(true);
  }, TIMEOUT_MS);

  test('latest.json stays on the export of the latest as-of time when a later run scores an earlier one (a backfill)', async () => {
    // At the present time of a schedule, days after the last purchase (2011-12-09T12:50:00Z).
    const end = await runCli(['--output', 'json', ...scoreArgs(lake, modelId, '--as-of', '2011-12-14T00:00:00Z')]);
    expect(ok(end)).toEqual([0, '']);
    const late = JSON.parse(end.stdout).scoringRun as string;
    expect(readJson(lake, 'exports/online-retail/latest.json').runId).toBe(late);
    const backfill = await runCli(['--output', 'json', ...scoreArgs(lake, modelId)]);
    expect(ok(backfill)).toEqual([0, '']);
    const runId = JSON.parse(backfill.stdout).scoringRun as string;
    expect(runId > late).toBe(true);
    expect(readJson<ExportMetadata>(lake, `exports/online-retail/${runId}/_metadata.json`)).toMatchObject({ runId, asOf: '2011-11-09T00:00:00.000Z' });
    expect(readJson(lake, 'exports/online-retail/latest.json').runId).toBe(late);
    expect(readJson(lake, 'exports/online-retail/latest/_metadata.json')).toMatchObject({ runId: late, asOf: '2011-12-14T00:00:00.000Z' });
    expect(jsonLogs(backfill.stderr).filter((l) => l.level === 'warn').map((l) => l.msg)).toContainEqual(
      expect.stringMatching(`^run ${runId} is committed under \\S+/exports/online-retail/${runId}/ but not made the latest export: \\S+/latest\\.json names run ${late} as of 2011-12-14T00:00:00\\.000Z, on data reaching later than this run's as-of time 2011-11-09T00:00:00\\.000Z$`),
    );
  }, TIMEOUT_MS);
});
