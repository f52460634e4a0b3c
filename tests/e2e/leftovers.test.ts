/**
 * What killed runs leave behind, and how the next run (or `berserkr gc`) deals
 * with it: a SIGKILLed command's run record stays `running` and is finished as
 * `killed`; temp files of unfinished writes and uncommitted scoring runs older
 * than the lock lease are removed; committed outputs and fresh files stay.
 * `gc --run <id>` removes the leftovers of that one run, and refuses ids it may not remove.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jsonLogs, RETAIL_CONFIG, ROOT, runCli } from '../helpers/cli';

const ENV = { BERSERKR_LOCK_SETTLE: '100ms' };
const OLD = new Date(Date.now() - 3_600_000); // older than the default 2-minute lease
const COMMITTED = '20111109T000000Z-aaaaaa';
const KILLED = '20111110T000000Z-bbbbbb';

/** Writes `text` at `lake/key`, last modified an hour ago. */
function oldFile(lake: string, key: string, text = 'x'): void {
  const path = join(lake, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  utimesSync(path, OLD, OLD);
}

/** Leftovers of a run killed during publish, next to a committed export. */
function leaveLeftovers(lake: string): void {
  oldFile(lake, `exports/online-retail/${COMMITTED}/top-k.csv`);
  oldFile(lake, `exports/online-retail/${COMMITTED}/_metadata.json`, '{}');
  oldFile(lake, `exports/online-retail/${KILLED}/shards/shard-0-of-1.parquet`);
  oldFile(lake, `scores/online-retail/${KILLED}/shard-0-of-1/part-00000.parquet`);
  oldFile(lake, `exports/online-retail/${COMMITTED}/.~tmp.999999.abc`);
  oldFile(lake, 'exports/online-retail/.~tmp.999999.def');
}

/** The `running` record of KILLED, a `score` whose process (of this host) is gone. */
async function killedScoreRecord(): Promise<Record<string, unknown>> {
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.once('exit', resolve));
  return { schema: 'berserkr.run/1', runId: KILLED, command: 'score', params: {}, startedAt: OLD.toISOString(), finishedAt: null, durationMs: null, status: 'running', process: { host: hostname(), pid: dead.pid }, code: { version: '0.1.0', commit: null, dirty: null }, config: null, backend: null, inputs: [], outputs: [], rows: {}, steps: [], metrics: {}, errors: [] };
}

function records(lake: string): Record<string, { status: string; command: string; errors: { name: string; message: string }[] }> {
  const dir = join(lake, 'runs', 'online-retail');
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(dir, f), 'utf8'))]));
}

/** Files (not folders) under `path`, recursively; none when it does not exist. */
function files(path: string): string[] {
  return existsSync(path) ? readdirSync(path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
}

function expectCleaned(lake: string): void {
  expect(files(join(lake, 'exports', 'online-retail', KILLED))).toEqual([]);
  expect(files(join(lake, 'scores', 'online-retail', KILLED))).toEqual([]);
  expect(readdirSync(join(lake, 'exports', 'online-retail', COMMITTED)).sort()).toEqual(['_metadata.json', 'top-k.csv']);
  expect(readdirSync(join(lake, 'exports', 'online-retail')).filter((f) => f.startsWith('.~tmp.'))).toEqual([]);
}

describe('leftovers of killed runs', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-leftovers-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('gc --help describes the clean-up', async () => {
    const r = await runCli(['gc', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: berserkr gc [options]');
    expect(r.stdout).toContain('--runs-older-than <duration>');
    expect(r.stdout).toContain('--run <id>');
  });

  test('a SIGKILLed command leaves a running record; gc finishes it as killed and removes old temp files and uncommitted runs', async () => {
    const lake = join(dir, 'lake-gc');
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'berserkr.js'), 'ingest', '--raw', join(ROOT, 'data', 'online-retail'), '--lake', lake, '--config', RETAIL_CONFIG], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const started = Date.now();
    while (!(existsSync(join(lake, 'runs', 'online-retail')) && Object.values(records(lake)).some((r) => r.status === 'running'))) {
      if (Date.now() - started > 60_000) throw new Error('no running record after 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const [killedId, killed] = Object.entries(records(lake))[0];
    expect(killed.status).toBe('running');
    leaveLeftovers(lake);

    const r = await runCli(['--log-format', 'json', 'gc', '--lake', lake, '--config', RETAIL_CONFIG], ENV);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('runs finished as killed or unknown: 1\ntemp files removed: 2\nuncommitted scoring runs removed: 1\nunreadable run records skipped: 0\nlatest export re-copied from run: none\nparts the ledger lists that are missing from the lake: 0\n');
    const after = records(lake);
    expect(after[killedId].status).toBe('killed');
    expect(after[killedId].errors).toEqual([{ step: null, name: 'RunAbandonedError', message: expect.stringMatching(new RegExp(`^the run never finished: pid ${child.pid} on ${hostname()} is gone$`)) }]);
    expect(jsonLogs(r.stderr).some((l) => l.msg === 'lock acquired')).toBe(true);
    expect(Object.values(after).filter((x) => x.command === 'gc').map((x) => x.status)).toEqual(['ok']);
    expectCleaned(lake);
  });

  test('run starts with the same clean-up once it holds the lock, whatever happens next', async () => {
    const lake = join(dir, 'lake-run');
    const raw = join(dir, 'raw-empty');
    mkdirSync(raw);
    leaveLeftovers(lake);
    const abandoned = await killedScoreRecord();
    oldFile(lake, `runs/online-retail/${KILLED}.json`, JSON.stringify(abandoned));

    const r = await runCli(['--log-format', 'json', 'run', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG], ENV); // no data: fails after the clean-up
    const logs = jsonLogs(r.stderr);
    expect(logs.filter((l) => l.stage === 'gc').map((l) => l.msg)).toEqual([
      `run ${KILLED} (score) never finished: pid ${(abandoned.process as { pid: number }).pid} on ${hostname()} is gone; recorded as killed`,
      expect.stringMatching(/^removed the temp file of an unfinished write .*\/exports\/online-retail\/.~tmp.999999.def$/),
      expect.stringMatching(new RegExp(`^removed the temp file of an unfinished write .*/exports/online-retail/${COMMITTED}/.~tmp.999999.abc$`)),
      expect.stringMatching(new RegExp(`^removed 2 objects of scoring run ${KILLED}, never committed`)),
    ]);
    expect(records(lake)[KILLED].status).toBe('killed');
    expectCleaned(lake);
  });

  test('gc --run removes the leftovers of that uncommitted run alone, and refuses (exit 2) an id that is malformed, unknown or committed', async () => {
    const lake = join(dir, 'lake-gc-run');
    const OTHER = '20111111T000000Z-cccccc';
    leaveLeftovers(lake);
    oldFile(lake, `exports/online-retail/${KILLED}/.~tmp.999999.ghi`);
    oldFile(lake, `scores/online-retail/${OTHER}/shard-0-of-1/part-00000.parquet`);
    oldFile(lake, `runs/online-retail/${KILLED}.json`, JSON.stringify(await killedScoreRecord()));
    const gc = (run: string, ...flags: string[]) => runCli([...flags, 'gc', '--run', run, '--lake', lake, '--config', RETAIL_CONFIG], ENV);
    const everything = () => readdirSync(lake, { recursive: true }).map(String).sort();
    const before = everything();

    const malformed = await gc('20111110T000000Z-BBBBBB');
    expect([malformed.code, malformed.stdout]).toEqual([2, '']);
    expect(malformed.stderr).toContain(`option '--run <id>' argument '20111110T000000Z-BBBBBB' is invalid. invalid run id "20111110T000000Z-BBBBBB"`);
    for (const [id, message] of [
      ['20111112T000000Z-eeeeee', 'no scoring run 20111112T000000Z-eeeeee in data set "online-retail"'],
      [COMMITTED, `run ${COMMITTED} is committed (file://${lake}/exports/online-retail/${COMMITTED}/_metadata.json)`],
    ]) {
      const refused = await gc(id, '--output', 'json');
      expect([refused.code, JSON.parse(refused.stdout).error]).toEqual([2, { name: 'RunIdRefusedError', message: expect.stringContaining(message) }]);
    }
    // Nothing removed or added but the refused commands' own run records and the lock.
    const added = everything().filter((f) => !before.includes(f));
    expect([before.filter((f) => !existsSync(join(lake, f))), added.filter((f) => !/^(locks|runs\/online-retail\/\d{8}T\d{6}Z-[0-9a-f]{6}\.json$)/.test(f))]).toEqual([[], []]);
    expect(records(lake)[KILLED].status).toBe('running');

    const r = await gc(KILLED);
    expect([r.code, r.stdout]).toEqual([0, `uncommitted scoring run removed: ${KILLED} (2 objects)\nruns finished as killed or unknown: 1\ntemp files removed: 1\nunreadable run records skipped: 0\n`]);
    expect(records(lake)[KILLED].status).toBe('killed');
    expect(files(join(lake, 'exports', 'online-retail', KILLED))).toEqual([]);
    expect(files(join(lake, 'scores', 'online-retail', KILLED))).toEqual([]);
    // What gc alone would remove stays: another uncommitted run, temp files outside the run's folders.
    expect(files(join(lake, 'scores', 'online-retail', OTHER))).toEqual(['part-00000.parquet']);
    expect(readdirSync(join(lake, 'exports', 'online-retail', COMMITTED)).sort()).toEqual(['.~tmp.999999.abc', '_metadata.json', 'top-k.csv']);
    expect(readdirSync(join(lake, 'exports', 'online-retail')).filter((f) => f.startsWith('.~tmp.'))).toEqual(['.~tmp.999999.def']);

    const json = await gc(OTHER, '--output', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'gc', status: 'ok', exitCode: 0, run: OTHER, objects: 1, abandonedRuns: [], tempFiles: [], unreadableRecords: [] });
    expect(files(join(lake, 'scores', 'online-retail', OTHER))).toEqual([]);
    const again = await gc(OTHER);
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining(`no scoring run ${OTHER} in data set "online-retail"`)]);
  });
});
