/**
 * What killed runs leave behind, and how the next run (or `berserkr gc`) deals
 * with it: a SIGKILLed command's run record stays `running` and is finished as
 * `killed`; temp files of unfinished writes, uncommitted scoring runs and model
 * folders without a manifest older than the lock lease are removed, and so is the
 * model a `run` killed after saving it leaves; committed outputs, the model of a
 * finished training and fresh files stay.
 * `gc --run <id>` removes the leftovers of that one run, and refuses ids it may not remove.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jsonLogs, RETAIL_CONFIG, RETAIL_RAW, ROOT, runCli } from '../helpers/cli';

const ENV = { BERSERKR_LOCK_SETTLE: '100ms' };
const OLD = new Date(Date.now() - 3_600_000); // older than the default 2-minute lease
const COMMITTED = '20111109T000000Z-aaaaaa';
const KILLED = '20111110T000000Z-bbbbbb';
/** A model folder a run killed while saving left: no manifest. */
const UNSAVED_MODEL = '20111110T000000000Z-0badc0de';

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
  oldFile(lake, `models/online-retail/${UNSAVED_MODEL}/weights.bin`);
  oldFile(lake, 'models/online-retail/baseline-repeat/fallback.json', '{}');
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
  expect(files(join(lake, 'models', 'online-retail', UNSAVED_MODEL))).toEqual([]);
  expect(files(join(lake, 'models', 'online-retail', 'baseline-repeat'))).toEqual(['fallback.json']);
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

  test('a SIGKILLed command leaves a running record; gc finishes it as killed and removes old temp files, uncommitted runs and model folders without a manifest', async () => {
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
    expect(r.stdout).toBe(
      'runs finished as killed or unknown: 1\ntemp files removed: 2\nuncommitted scoring runs removed: 1\nunused models removed: 1\n'
        + 'unreadable run records skipped: 0\nlatest export re-copied from run: none\nparts the ledger lists that are missing from the lake: 0\n',
    );
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
      expect.stringMatching(new RegExp(`^removed 1 objects \\(1 bytes\\) of model ${UNSAVED_MODEL}: never completed \\(no .*/models/online-retail/${UNSAVED_MODEL}/manifest.json\\); nothing refers to it$`)),
    ]);
    expect(records(lake)[KILLED].status).toBe('killed');
    expectCleaned(lake);
  });

  test(
    'a run killed after saving its model leaves the model to gc, which removes it once older than the lease; the model of a finished training stays',
    async () => {
      const lake = join(dir, 'lake-models');
      const models = join(lake, 'models', 'online-retail');
      const FAST = ['--lake', lake, '--config', RETAIL_CONFIG, '--train-cutoffs', '1', '--epochs', '1', '--train-groups', '1024', '--members', '1'];
      expect((await runCli(['ingest', '--raw', RETAIL_RAW, '--lake', lake, '--config', RETAIL_CONFIG], ENV)).code).toBe(0);
      expect((await runCli(['train', ...FAST], ENV)).code).toBe(0);
      const [trained] = readdirSync(models).filter((f) => /^\d{8}T\d{9}Z-/.test(f));
      const modelFiles = () => Object.fromEntries(readdirSync(models).filter((f) => /^\d{8}T\d{9}Z-/.test(f)).map((f) => [f, files(join(models, f)).sort()]));
      const trainedFiles = modelFiles()[trained];
      expect(trainedFiles).toEqual(expect.arrayContaining(['manifest.json', 'model-card.json', 'model.json', 'weights.bin']));

      // Killed once its model is saved, while it scores: its record says nothing of it, its manifest names the run.
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'berserkr.js'), 'run', '--raw', RETAIL_RAW, ...FAST], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...ENV } });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const started = Date.now();
      let killedModel: string | undefined;
      while ((killedModel = Object.keys(modelFiles()).find((f) => f !== trained && existsSync(join(models, f, 'manifest.json')))) === undefined) {
        if (Date.now() - started > 240_000) throw new Error('no model saved after 240 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      await exited;
      const [killedRun] = Object.entries(records(lake)).find(([, r]) => r.command === 'run')!;
      expect(JSON.parse(readFileSync(join(models, killedModel, 'manifest.json'), 'utf8')).runId).toBe(killedRun);
      for (const f of files(join(models, killedModel))) utimesSync(join(models, killedModel, f), OLD, OLD);
      for (const f of trainedFiles) utimesSync(join(models, trained, f), OLD, OLD);

      const r = await runCli(['--log-format', 'json', 'gc', '--output', 'json', '--lake', lake, '--config', RETAIL_CONFIG], ENV);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', abandonedRuns: [killedRun], unusedModels: [killedModel] });
      expect(jsonLogs(r.stderr).filter((l) => l.stage === 'gc' && l.modelId !== undefined).map((l) => l.msg)).toEqual([
        expect.stringMatching(new RegExp(`^removed \\d+ objects \\(\\d+ bytes\\) of model ${killedModel}: saved by run ${killedRun}, which was killed; nothing refers to it$`)),
      ]);
      // The removed model's folder is gone too.
      expect(modelFiles()).toEqual({ [trained]: trainedFiles });
      expect(existsSync(join(models, 'champion.json'))).toBe(true);
      const again = await runCli(['gc', '--lake', lake, '--config', RETAIL_CONFIG], ENV);
      expect(again.stdout).toContain('\nunused models removed: 0\n');
    },
    600_000,
  );

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
    // What gc alone would remove stays: another uncommitted run, temp files outside the run's folders, a model folder without a manifest.
    expect(files(join(lake, 'scores', 'online-retail', OTHER))).toEqual(['part-00000.parquet']);
    expect(readdirSync(join(lake, 'exports', 'online-retail', COMMITTED)).sort()).toEqual(['.~tmp.999999.abc', '_metadata.json', 'top-k.csv']);
    expect(readdirSync(join(lake, 'exports', 'online-retail')).filter((f) => f.startsWith('.~tmp.'))).toEqual(['.~tmp.999999.def']);
    expect(files(join(lake, 'models', 'online-retail', UNSAVED_MODEL))).toEqual(['weights.bin']);

    const json = await gc(OTHER, '--output', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'gc', status: 'ok', exitCode: 0, run: OTHER, objects: 1, abandonedRuns: [], tempFiles: [], unreadableRecords: [] });
    expect(files(join(lake, 'scores', 'online-retail', OTHER))).toEqual([]);
    const again = await gc(OTHER);
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining(`no scoring run ${OTHER} in data set "online-retail"`)]);
  });
});
