/**
 * Sharded scoring on the real data: four shards of one run, committed by the last
 * one to finish, give exactly the single run's export and scored pairs, row for
 * row, and the shard that commits evaluates the export as the single run did;
 * nothing is published before the last shard is in.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parquetToTable } from '../../lib/parquet';
import type { ExportMetadata, RunRecord, ShardMarker } from '../../lib/catalog';
import { scoresColumns } from '../../scoring/export';
import { jsonLogs, RETAIL_CONFIG, runCli } from '../helpers/cli';
import { KNOWN_CUSTOMERS, lakeWithModel, ok, readJson, scoreArgs } from './scoring-lake';

const SINGLE = '20111109T000000Z-00000a';
const SHARDED = '20111109T000000Z-00000b';
const FORMATS = ['--format', 'csv,parquet,jsonl'];
const TIMEOUT_MS = 10 * 60_000;

/** Every row of a run's scored-pair parts, as text, in part order. */
function scoredRows(lake: string, meta: ExportMetadata): string[] {
  return meta.scores.flatMap((key) => {
    const c = scoresColumns(parquetToTable(readFileSync(join(lake, key))));
    return c.customer.map((id, r) => `${id},${c.item[r]},${c.rank[r]},${c.probability[r]}`);
  });
}

/** Every file of the lake but the run records, with its size and modification time: what a command that writes nothing leaves as it was. */
function lakeFiles(lake: string): string[] {
  return (readdirSync(lake, { recursive: true }) as string[])
    .filter((f) => !f.startsWith('runs') && statSync(join(lake, f)).isFile())
    .sort()
    .map((f) => `${f} ${statSync(join(lake, f)).size} ${statSync(join(lake, f)).mtimeMs}`);
}

describe('berserkr score --shard i/N', () => {
  let dir: string;
  let lake: string;
  let modelId: string;
  /** The single run's summary (`--output json`). */
  let singleSummary: Record<string, any>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-shards-'));
    lake = join(dir, 'lake');
    modelId = await lakeWithModel(lake);
    const single = await runCli(['--output', 'json', ...scoreArgs(lake, modelId, '--run-id', SINGLE, '--batch-customers', '2500', ...FORMATS)]);
    expect(ok(single)).toEqual([0, '']);
    singleSummary = JSON.parse(single.stdout);
  }, TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('publishes nothing of a run until its last shard is in, then 4 shards equal the single run row for row', async () => {
    const shard = (i: number) => runCli(['--output', 'json', ...scoreArgs(lake, modelId, '--shard', `${i}/4`, '--run-id', SHARDED, '--batch-customers', '600', ...FORMATS)]);
    // A part an earlier, killed attempt at shard 1 left, beyond the parts this one writes.
    const stale = join(lake, `scores/online-retail/${SHARDED}/shard-1-of-4/part-00042.parquet`);
    mkdirSync(dirname(stale), { recursive: true });
    writeFileSync(stale, 'left by a killed attempt');
    const first = await Promise.all([0, 1, 2].map(shard));
    expect(existsSync(stale)).toBe(false);
    for (const r of first) expect(ok(r)).toEqual([0, '']);
    for (const r of first) expect(JSON.parse(r.stdout)).toMatchObject({ export: null, evaluation: null });
    expect(readJson(lake, 'exports/online-retail/latest.json').runId).toBe(SINGLE);
    expect(existsSync(join(lake, `exports/online-retail/${SHARDED}/_metadata.json`))).toBe(false);
    expect(existsSync(join(lake, `exports/online-retail/${SHARDED}/top-k.csv`))).toBe(false);

    const last = await shard(3);
    expect(ok(last)).toEqual([0, '']);
    expect(readJson(lake, 'exports/online-retail/latest.json')).toEqual({ runId: SHARDED, metadata: `exports/online-retail/${SHARDED}/_metadata.json` });
    // The shard that commits evaluates the whole export, as the single run evaluated itself: the same metrics, up to the order of sums.
    const committing = JSON.parse(last.stdout);
    const { metrics, ...evaluation } = singleSummary.evaluation as { metrics: Record<string, number> };
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['model.ndcg@10', 'model.ece', 'baseline.repeat.ndcg@10']));
    expect(committing.evaluation).toMatchObject({ ...evaluation, metrics: Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name, expect.closeTo(value, 10)])) });
    expect(Object.keys(committing.evaluation.metrics).sort()).toEqual(Object.keys(metrics).sort());
    expect(readJson<RunRecord>(lake, `runs/online-retail/${committing.runId}.json`)).toMatchObject({ modelId, metrics: committing.evaluation.metrics });

    const one = readJson<ExportMetadata>(lake, `exports/online-retail/${SINGLE}/_metadata.json`);
    const four = readJson<ExportMetadata>(lake, `exports/online-retail/${SHARDED}/_metadata.json`);
    expect(four).toMatchObject({ shards: 4, rows: KNOWN_CUSTOMERS * 10, customers: KNOWN_CUSTOMERS, pairs: one.pairs, modelId });
    // CSV and JSON Lines byte for byte; Parquet by content (writer metadata aside).
    expect(four.files.filter((f) => f.format !== 'parquet')).toEqual(one.files.filter((f) => f.format !== 'parquet'));
    for (const ext of ['csv', 'jsonl']) {
      const [sharded, single] = [SHARDED, SINGLE].map((run) => readFileSync(join(lake, `exports/online-retail/${run}/top-k.${ext}`)));
      expect([ext, sharded.length, sharded.equals(single)]).toEqual([ext, single.length, true]);
    }
    const rows = (run: string) => {
      const c = scoresColumns(parquetToTable(readFileSync(join(lake, `exports/online-retail/${run}/top-k.parquet`))));
      return c.customer.map((id, r) => `${id},${c.item[r]},${c.rank[r]},${c.probability[r]}`);
    };
    expect(rows(SHARDED).join('\n') === rows(SINGLE).join('\n')).toBe(true);
    // Every scored pair too, once ordered by customer id as the single run is.
    for (let i = 0; i < 4; i++) expect(four.scores.some((key) => key.startsWith(`scores/online-retail/${SHARDED}/shard-${i}-of-4/part-`))).toBe(true);
    const shardOne = readdirSync(join(lake, `scores/online-retail/${SHARDED}/shard-1-of-4`)).map((f) => `scores/online-retail/${SHARDED}/shard-1-of-4/${f}`);
    expect(shardOne).toEqual(four.scores.filter((key) => key.includes('/shard-1-of-4/')));
    const single = scoredRows(lake, one);
    expect(single.length).toBe(one.pairs);
    const id = (row: string): string => row.slice(0, row.indexOf(','));
    const sharded = scoredRows(lake, four).sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)); // stable: ranks stay in order
    expect(sharded.length).toBe(single.length);
    expect(sharded.findIndex((row, i) => row !== single[i])).toBe(-1);
  }, TIMEOUT_MS);

  test('each marker names its command and the events it saw, and report builds the lineage from the shards\' records', async () => {
    const markers = [0, 1, 2, 3].map((i) => readJson<ShardMarker>(lake, `exports/online-retail/${SHARDED}/shards/shard-${i}-of-4._SUCCESS.json`));
    expect(new Set(markers.map((m) => m.events)).size).toBe(1);
    expect(markers[0].events).toMatch(/^[0-9a-f]{16}$/);
    const commands = markers.map((m) => m.commandRunId!);
    expect(new Set(commands).size).toBe(4);
    const record = readJson<RunRecord>(lake, `runs/online-retail/${commands[0]}.json`);
    expect(record.params.runId).toBe(SHARDED);
    expect(record.inputs.some((o) => o.key.startsWith('clean/online-retail/'))).toBe(true);
    // The model it scored with, manifest and artefacts.
    expect(record.inputs.map((o) => o.key)).toEqual(expect.arrayContaining(['manifest.json', 'model.json', 'weights.bin'].map((f) => `models/online-retail/${modelId}/${f}`)));

    const report = await runCli(['report', SHARDED, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(ok(report)).toEqual([0, '']);
    // A whole run scored under a given run id has no record of that id either.
    expect(ok(await runCli(['report', SINGLE, '--lake', lake, '--config', RETAIL_CONFIG]))).toEqual([0, '']);
    const html = readFileSync(join(lake, `runs/online-retail/${SHARDED}.html`), 'utf8');
    expect(html).toContain(record.inputs.find((o) => o.key.startsWith('clean/online-retail/'))!.key);
  }, TIMEOUT_MS);

  test('a shard retried after the commit (its pod killed before it exited) exits 0 and writes nothing; one that does not match the run exits 2', async () => {
    const before = lakeFiles(lake);
    const retry = await runCli(['--output', 'json', ...scoreArgs(lake, modelId, '--shard', '2/4', '--run-id', SHARDED, '--batch-customers', '600', ...FORMATS)]);
    expect(ok(retry)).toEqual([0, '']);
    const exported = `exports/online-retail/${SHARDED}/`;
    expect(JSON.parse(retry.stdout)).toMatchObject({ command: 'score', status: 'ok', exitCode: 0, scoringRun: SHARDED, shard: '2/4', alreadyCommitted: true, export: expect.stringMatching(new RegExp(`${exported}$`)) });
    expect(jsonLogs(retry.stderr).some((l) => String(l.msg).startsWith(`shard 2/4 of run ${SHARDED} is committed already`) && String(l.export).endsWith(exported))).toBe(true);
    expect(lakeFiles(lake)).toEqual(before);
    const other = await runCli(scoreArgs(lake, modelId, '--shard', '2/4', '--run-id', SHARDED, '--top-k', '5', ...FORMATS));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`run ${SHARDED} is committed already`);
    expect(other.stderr).toContain('was scored with --top-k 10, this attempt with 5');
    expect(lakeFiles(lake)).toEqual(before);
  }, TIMEOUT_MS);

  test('--commit is idempotent and refuses a run whose shards are not all in', async () => {
    const before = readFileSync(join(lake, `exports/online-retail/${SHARDED}/_metadata.json`), 'utf8');
    const again = await runCli(['score', '--lake', lake, '--config', RETAIL_CONFIG, '--commit', '--run-id', SHARDED, '--shards', '4']);
    expect(again.code).toBe(0);
    expect(readFileSync(join(lake, `exports/online-retail/${SHARDED}/_metadata.json`), 'utf8')).toBe(before);
    const wrong = await runCli(['score', '--lake', lake, '--config', RETAIL_CONFIG, '--commit', '--run-id', SHARDED, '--shards', '3']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`shard marker 0/4 of run ${SHARDED}: expected a shard of 3 (--shards 3), but the run was split into 4: commit it with --shards 4`);
    const usage = await runCli(['score', '--lake', lake, '--config', RETAIL_CONFIG, '--shard', '4/4']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('shard "4/4": expected "i/N"');
  }, TIMEOUT_MS);
});
