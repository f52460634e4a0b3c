/**
 * `berserkr runs` and `runs show` as scripts use them: one JSON summary on stdout
 * with `command`, `runId` null, `status` and `exitCode`, whatever happened; JSON
 * lines only on stderr with `--log-format json`, process warnings included; exit
 * 2 for a lake folder that does not exist (or is a file), an invalid run id or data set
 * name, 1 for a missing record or an unreachable lake.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogs, runCli } from '../helpers/cli';

const RUN = '20111109T000000Z-aaaaaa';
const MISSING = '20111109T000000Z-bbbbbb';
const BROKEN = '20111110T000000Z-cccccc';

/** A finished run record of `runId`. */
function record(runId: string): Record<string, unknown> {
  return {
    schema: 'berserkr.run/1', runId, command: 'ingest', params: {}, startedAt: '2011-11-09T00:00:00.000Z', finishedAt: '2011-11-09T00:00:01.000Z', durationMs: 1000, status: 'ok',
    code: { version: '0.1.0', commit: null, dirty: null }, config: null, backend: null, inputs: [], outputs: [], rows: {}, steps: [], metrics: {}, errors: [],
  };
}

/** What a `--output json --log-format json` run printed: its summary, its exit code and its log records (stderr holds nothing else). */
async function json(args: string[], env: Record<string, string> = {}): Promise<{ code: number; summary: Record<string, unknown>; logs: Record<string, unknown>[] }> {
  const r = await runCli(['--output', 'json', '--log-format', 'json', ...args], env);
  expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  return { code: r.code, summary: JSON.parse(r.stdout) as Record<string, unknown>, logs: jsonLogs(r.stderr) };
}

describe('berserkr runs', () => {
  let lake: string;
  beforeAll(() => {
    lake = mkdtempSync(join(tmpdir(), 'berserkr-runs-'));
    mkdirSync(join(lake, 'runs', 'online-retail'), { recursive: true });
    writeFileSync(join(lake, 'runs', 'online-retail', `${RUN}.json`), JSON.stringify(record(RUN)));
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));
  const where = () => ['--lake', lake, '--dataset', 'online-retail'];

  test('runs and runs show summarise like every command, with runId null', async () => {
    const list = await json(['runs', ...where()]);
    expect([list.code, list.summary]).toEqual([0, { command: 'runs', runId: null, status: 'ok', exitCode: 0, dataset: 'online-retail', runs: [record(RUN)], unreadableRecords: [] }]);
    const show = await json(['runs', 'show', RUN, ...where()]);
    expect([show.code, show.summary]).toEqual([0, { command: 'runs show', runId: null, status: 'ok', exitCode: 0, record: record(RUN) }]);
    // In text, runs lists one line per run under a header whose columns start where the line's do.
    const [header, line] = (await runCli(['runs', ...where()])).stdout.split('\n');
    for (const [column, value] of [['command', 'ingest'], ['status', 'ok'], ['steps', '-']]) {
      expect([column, header.indexOf(column)]).toEqual([column, line.indexOf(`  ${value}`) + 2]);
    }
    // In text, runs show prints the record alone.
    expect(JSON.parse((await runCli(['runs', 'show', RUN, ...where()])).stdout)).toEqual(record(RUN));
  });

  test('runs show of an invalid run id is bad usage (2), of a missing one a failure (1), each a JSON summary and a JSON error record', async () => {
    for (const [id, code, name] of [['latest', 2, 'InvalidRunIdError'], [MISSING, 1, 'DatasetNotFoundError']] as const) {
      const r = await json(['runs', 'show', id, ...where()]);
      expect([id, r.code, r.summary]).toEqual([id, code, { command: 'runs show', runId: null, status: 'failed', exitCode: code, error: { name, message: expect.stringContaining(id) } }]);
      expect(r.logs.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ msg: expect.stringContaining(id) })]);
    }
    // Refused by the command line before it runs, it is still named with its subcommand.
    const bare = await json(['runs', 'show', ...where()]);
    expect([bare.code, bare.summary]).toEqual([2, { command: 'runs show', runId: null, status: 'failed', exitCode: 2, error: { name: 'CommanderError', message: "error: missing required argument 'run-id'" } }]);
  });

  test('a --dataset of neither run records nor data is bad usage (2), naming what the lake holds', async () => {
    const r = await json(['runs', '--lake', lake, '--dataset', 'online-retial']);
    expect([r.code, r.summary.error]).toEqual([2, { name: 'UsageError', message: expect.stringMatching(/^no run records of data set "online-retial" in lake file:\/\/.*, which holds no data set; name one with --dataset <name> or --config <file>$/) }]);
  });

  test('a --lake folder that does not exist, or a file, is bad usage (2) naming it, as for every command reading a lake, whatever names the data set', async () => {
    const nowhere = join(lake, 'no-such-lake');
    const file = join(lake, 'runs', 'online-retail', `${RUN}.json`);
    const config = join(__dirname, '..', '..', 'config', 'online-retail.yaml');
    for (const args of [['runs', '--lake', nowhere, '--config', config], ['runs', '--lake', nowhere, '--dataset', 'online-retail'], ['runs', '--lake', nowhere], ['runs', 'show', RUN, '--lake', nowhere, '--dataset', 'online-retail']]) {
      const r = await json(args);
      expect([args, r.code, r.summary]).toEqual([args, 2, expect.objectContaining({ status: 'failed', exitCode: 2, error: { name: 'LocationError', message: `--lake ${JSON.stringify(nowhere)}: no such folder: a lake is made by berserkr ingest or run (check the path)` } })]);
    }
    for (const args of [['runs', '--lake', file], ['runs', 'show', RUN, '--lake', file, '--dataset', 'online-retail']]) {
      const r = await json(args);
      expect([args, r.code, r.summary.error]).toEqual([args, 2, { name: 'LocationError', message: `--lake ${JSON.stringify(file)}: is a file, expected a folder` }]);
    }
  });

  test('warns of LAKE_URI, set but not read, as every command opening a lake does', async () => {
    const r = await json(['runs', ...where()], { LAKE_URI: '/somewhere/else' });
    expect(r.code).toBe(0);
    expect(r.logs.filter((l) => l.level === 'warn')).toEqual([expect.objectContaining({ variable: 'LAKE_URI', reads: 'BERSERKR_LAKE', msg: 'LAKE_URI is set but not read: berserkr reads BERSERKR_LAKE (rename it)' })]);
  });

  test('a --dataset that cannot be a data set\'s name is bad usage (2), quoting it', async () => {
    for (const dataset of ['../x', 'Online Retail', 'a/b']) {
      const r = await json(['runs', '--lake', lake, '--dataset', dataset]);
      expect([dataset, r.code, r.summary]).toEqual([dataset, 2, expect.objectContaining({ command: 'runs', runId: null, status: 'failed', exitCode: 2, error: expect.objectContaining({ message: expect.stringContaining(`expected a data set's name (lower-case letters, digits, ".", "_" or "-", as the name in its configuration), got ${JSON.stringify(dataset)}`) }) })]);
    }
  });

  test('a record that is not JSON is skipped by runs with a warning naming it; runs show of it fails naming it', async () => {
    const broken = join(lake, 'runs', 'online-retail', `${BROKEN}.json`);
    writeFileSync(broken, '{');
    try {
      const list = await json(['runs', '--limit', '100', ...where()]);
      expect([list.code, list.summary.runs, list.summary.unreadableRecords]).toEqual([0, [record(RUN)], [expect.stringContaining(`/${BROKEN}.json`)]]);
      expect(list.logs.filter((l) => l.level === 'warn')).toEqual([expect.objectContaining({ msg: expect.stringMatching(new RegExp(`^skipped an unreadable run record: invalid run record .*/${BROKEN}\\.json: expected JSON`)) })]);
      const show = await json(['runs', 'show', BROKEN, ...where()]);
      expect([show.code, show.summary.error]).toEqual([1, { name: 'DatasetFormatError', message: expect.stringMatching(new RegExp(`^invalid run record .*/${BROKEN}\\.json: expected JSON`)) }]);
    } finally {
      rmSync(broken);
    }
  });

  test('an unreachable S3 lake fails (1) with JSON logs only, the AWS SDK\'s warnings among them', async () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_S3_FORCE_PATH_STYLE: 'true' };
    const r = await json(['runs', '--lake', 's3://lake/refused', '--dataset', 'online-retail'], env);
    expect([r.code, r.summary]).toEqual([1, { command: 'runs', runId: null, status: 'failed', exitCode: 1, error: expect.objectContaining({ message: expect.stringContaining('ECONNREFUSED') }) }]);
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(r.logs.find((l) => String(l.msg).startsWith('NodeVersionSupportWarning'))).toMatchObject({ level: 'warn', warning: { name: 'Warning' } });
    }
  });
});
