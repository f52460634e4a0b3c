/**
 * `berserkr schedule` as an operator runs it, on real Online Retail months in a
 * local lake: SIGTERM stops a tick during its ingest, between raw objects, with
 * nothing half-written; a tick without new data and with a fresh champion only logs that
 * nothing changed, and says so on stdout; two concurrent ticks share the pipeline lock (one runs, one
 * skips); a stale lock of a crashed run is taken over after its lease; `runs`
 * lists and shows the run records; a raw store that fails while it is watched
 * exits 1. Full retraining ticks are shown in the operations note of README.md
 * (they take minutes); here the champion is a registry pointer written by the
 * test, naming a baseline fallback whose record the test writes too.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/open';
import { CliResult, jsonLogs, RETAIL_CONFIG, ROOT, runCli } from '../helpers/cli';
import { startS3Server } from '../helpers/s3server';

const MONTHS = ['2010-12.csv.lzo', '2011-01.csv.lzo', '2011-02.csv.lzo'];
const ENV = { BERSERKR_LOCK_SETTLE: '1s', BERSERKR_LOCK_LEASE: '30s' };
const TIMEOUT = 120_000;

describe('berserkr schedule', () => {
  let dir: string;
  let raw: string;
  let lake: string;
  let args: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-schedule-'));
    raw = join(dir, 'raw');
    lake = join(dir, 'lake');
    mkdirSync(raw);
    for (const m of MONTHS) copyFileSync(join(ROOT, 'data', 'online-retail', m), join(raw, m));
    args = ['--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG, '--train-cutoffs', '1', '--epochs', '1', '--train-groups', '1024', '--members', '1'];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const records = () => readdirSync(join(lake, 'runs', 'online-retail')).map((f) => JSON.parse(readFileSync(join(lake, 'runs', 'online-retail', f), 'utf8')));
  const runIdOf = (r: CliResult) => jsonLogs(r.stderr).find((l) => typeof l.runId === 'string' && typeof l.status === 'string')?.runId as string;

  test('SIGTERM during ingest stops the tick there, with what it read published whole, the lock released and nothing else written; the next ingest reads the rest', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'berserkr.js'), '--log-format', 'json', 'schedule', '--once', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...ENV },
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && stderr.includes('"msg":"read"')) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sent).toBe(true);
    expect(code).toBe(143);
    expect(stderr).toContain('SIGTERM: stopping after the current step');
    const [record] = records();
    expect(record.status).toBe('failed');
    // Ingest stops between raw objects (or, when the signal comes after the last one is read, ends): no later step starts.
    expect(record.steps.map((s: { name: string }) => s.name)).toEqual(['ingest']);
    expect(record.errors[record.errors.length - 1]).toMatchObject({ name: 'RunInterruptedError', message: expect.stringContaining('received SIGTERM') });
    // ingest published whole the objects it read (the first one at least, read when the signal was sent), and no other
    const ingested = jsonLogs(stderr).filter((l) => l.msg === 'ingested');
    const ledger = JSON.parse(readFileSync(join(lake, 'ledger', 'online-retail.json'), 'utf8'));
    expect(Object.keys(ledger.objects).sort()).toEqual(ingested.map((l) => l.object).sort());
    expect(Object.keys(ledger.objects)).toContain(MONTHS[0]);
    expect(record.rows['ingest.read']).toBe(ingested.reduce((s, l) => s + (l.read as number), 0));
    expect(Object.keys(ledger.objects).length + (record.rows['ingest.not_read'] ?? 0)).toBe(MONTHS.length);
    // no later stage wrote anything, and the lock is gone
    expect(readdirSync(lake).filter((d) => d !== 'locks').sort()).toEqual(['clean', 'ledger', 'runs']);
    expect(existsSync(join(lake, 'locks', 'online-retail.json'))).toBe(false);

    // The next ingest reads the objects the tick did not.
    const next = await runCli(['--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG], ENV);
    expect(next.code).toBe(0);
    const summary = JSON.parse(next.stdout);
    expect([...summary.unchanged, ...summary.ingested].sort()).toEqual([...MONTHS].sort());
    expect(summary.unchanged.sort()).toEqual(Object.keys(ledger.objects).sort());
  }, TIMEOUT);

  test('a tick without new data and with a fresh champion only logs, and prints, that nothing changed', async () => {
    // A champion that can score: the repeat baseline fallback, with its record (one whose record or model is gone is no champion).
    mkdirSync(join(lake, 'models', 'online-retail', 'baseline-repeat'), { recursive: true });
    const fallback = { baseline: 'repeat', calibration: { method: 'platt', a: 1, b: 0 }, validationCutoff: Date.parse('2011-01-09T00:00:00Z'), horizonDays: 30, k: 10, reason: 'test' };
    writeFileSync(join(lake, 'models', 'online-retail', 'baseline-repeat', 'fallback.json'), JSON.stringify(fallback));
    const champion = { modelId: 'baseline:repeat', promotedAt: new Date().toISOString(), validation: {} };
    writeFileSync(join(lake, 'models', 'online-retail', 'champion.json'), JSON.stringify(champion));
    const r = await runCli(['--log-format', 'json', 'schedule', '--once', ...args], ENV);
    expect(r.code).toBe(0);
    const decision = jsonLogs(r.stderr).find((l) => l.retrain !== undefined)!;
    expect(decision).toMatchObject({ retrain: false, champion: champion.modelId, msg: expect.stringMatching(/^nothing changed: no new raw objects, champion promoted at .* is \d+ (s|min) old \(max 168.0 h\)$/) });
    // Someone watching the tick in text mode (the default) reads what it decided and why.
    expect(r.stdout).toBe(`not retrained: ${decision.msg}\n`);
    const record = records().find((x) => x.runId === runIdOf(r));
    expect(record).toMatchObject({ command: 'schedule', status: 'ok', rows: { 'schedule.new_objects': 0 } });
    expect(record.steps.map((s: { name: string }) => s.name)).toEqual(['ingest']);
  }, TIMEOUT);

  test('of two concurrent ticks on an S3 lake, one runs and the other skips because the lock is held', async () => {
    // On S3 the lock is taken by a write, a settle wait and a re-read (a folder lake creates it in one step,
    // tests/ops/lock.test.ts); a long settle time keeps the first owner's hold longer than the two
    // processes' start-up skew on a loaded machine. The S3 lake is a copy of the local one: a fresh champion.
    const server = await startS3Server(['lake']);
    try {
      const s3Lake = openStore('s3://lake/concurrent', server.env);
      const local = openStore(lake);
      for (const o of await local.list('')) if (!o.key.startsWith('locks/')) await s3Lake.put(o.key, await local.get(o.key));
      const env = { ...ENV, ...server.env, BERSERKR_LOCK_SETTLE: '8s' };
      const s3Args = args.map((a) => (a === lake ? 's3://lake/concurrent' : a));
      const [a, b] = await Promise.all([0, 1].map(() => runCli(['--log-format', 'json', 'schedule', '--once', ...s3Args], env)));
      expect([a.code, b.code].sort()).toEqual([0, 4]);
      const skipped = a.code === 4 ? a : b;
      const ran = a.code === 4 ? b : a;
      const holder = jsonLogs(skipped.stderr).find((l) => typeof l.msg === 'string' && l.msg.startsWith('skipped:'))!;
      expect(holder.holder).toMatchObject({ runId: runIdOf(ran) });
      expect(runIdOf(skipped)).toBeUndefined(); // a skipped tick runs nothing and records nothing
      expect(await s3Lake.head('locks/online-retail.json')).toBeUndefined();
    } finally {
      await server.stop();
    }
  }, TIMEOUT);

  test('a live lock makes a tick skip; a stale one (lease expired) is taken over', async () => {
    const lock = (expiresAt: string) =>
      JSON.stringify({
        schema: 'berserkr.lock/1',
        owner: { host: 'crashed-host', pid: 4242, runId: '20111201T000000Z-dead00' },
        token: '0123456789abcdef',
        acquiredAt: '2011-12-01T00:00:00.000Z',
        renewedAt: '2011-12-01T00:00:00.000Z',
        expiresAt,
      });
    mkdirSync(join(lake, 'locks'), { recursive: true });
    writeFileSync(join(lake, 'locks', 'online-retail.json'), lock(new Date(Date.now() + 3_600_000).toISOString()));
    const live = await runCli(['schedule', '--once', ...args], ENV);
    expect(live.code).toBe(4);
    expect(live.stderr).toMatch(/skipped: another pipeline run holds the lock, run 20111201T000000Z-dead00 \(pid 4242 on crashed-host\), lease until /);

    writeFileSync(join(lake, 'locks', 'online-retail.json'), lock('2011-12-01T00:02:00.000Z'));
    const stale = await runCli(['--log-format', 'json', 'schedule', '--once', ...args], ENV);
    expect(stale.code).toBe(0);
    expect(jsonLogs(stale.stderr).map((l) => l.msg)).toEqual(expect.arrayContaining(['lock acquired', 'lock released']));
    expect(existsSync(join(lake, 'locks', 'online-retail.json'))).toBe(false);
  }, TIMEOUT);

  test('runs lists the run records newest first and runs show prints one', async () => {
    const list = await runCli(['runs', '--lake', lake]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n').slice(1);
    const ids = records().map((r) => r.runId).sort().reverse();
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(ids);
    expect(lines[lines.length - 1]).toMatch(/^\S+ +schedule +failed +\d+\.\ds +ingest$/);
    const show = await runCli(['runs', 'show', ids[0], '--lake', lake]);
    expect(JSON.parse(show.stdout)).toEqual(records().find((r) => r.runId === ids[0]));
    const bad = await runCli(['runs', 'show', 'latest', '--lake', lake]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid run id "latest"');
  }, TIMEOUT);

  test('--on-new-object on a local folder says it polls, and a landing object starts a tick', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'berserkr.js'), '--log-format', 'json', 'schedule', '--on-new-object', '--poll-interval', '300ms', '--max-ticks', '1', ...args],
      { cwd: ROOT, env: { ...process.env, ...ENV } },
    );
    let stderr = '';
    let stdout = '';
    let dropped = false;
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!dropped && stderr.includes('polling every 300 ms') && stderr.includes('"msg":"lock released"')) {
        dropped = true;
        // an object that lands but cannot be ingested: the tick runs, reports it, and retrains nothing
        writeFileSync(join(raw, '2011-03.csv.lzo'), 'not an lzop file\n');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    rmSync(join(raw, '2011-03.csv.lzo'));
    expect(dropped).toBe(true);
    expect(stderr).toContain('is a local folder: polling every 300 ms');
    const logs = jsonLogs(stderr);
    expect(logs.filter((l) => l.msg === 'lock acquired')).toHaveLength(2);
    expect(logs.find((l) => l.object === '2011-03.csv.lzo' && l.level === 'error')?.msg).toMatch(/^cannot ingest .*2011-03.csv.lzo$/);
    // One line per tick on stdout saying what it decided, as the log says it, and the object that failed.
    const reasons = logs.filter((l) => l.retrain === false).map((l) => l.msg);
    expect(reasons).toHaveLength(2);
    expect(stdout).toBe(`not retrained: ${reasons[0]}\nnot retrained: ${reasons[1]}\nfailed to ingest: 2011-03.csv.lzo\n`);
    expect(code).toBe(3); // partial: an object failed to ingest
  }, TIMEOUT);

  test('--on-new-object on an S3 server without MinIO notifications says so, polls, and ticks when an object lands', async () => {
    const server = await startS3Server(['raw']);
    try {
      const bucket = openStore('s3://raw/incoming', server.env);
      const child = spawn(
        process.execPath,
        [join(ROOT, 'dist', 'cli', 'berserkr.js'), '--log-format', 'json', 'schedule', '--on-new-object', '--poll-interval', '300ms', '--max-ticks', '1', ...args, '--raw', 's3://raw/incoming'],
        { cwd: ROOT, env: { ...process.env, ...ENV, ...server.env } },
      );
      let stderr = '';
      let landed: Promise<unknown> | undefined;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (landed === undefined && stderr.includes('is not a MinIO server') && stderr.includes('"msg":"lock released"')) {
          landed = bucket.put('2011-04.csv.lzo', 'not an lzop file\n');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      await landed;
      expect(stderr).toContain(`bucket notifications need MinIO; ${server.endpoint} is not a MinIO server (no /minio/health/live): polling s3://raw/incoming every 300 ms`);
      expect(jsonLogs(stderr).filter((l) => l.msg === 'lock acquired')).toHaveLength(2);
      expect(code).toBe(3);
    } finally {
      await server.stop();
    }
  }, TIMEOUT);

  test('--cron and --on-new-object check their locations and configuration before waiting for a tick (exit 2)', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a lake');
    const lakeIsFile = await runCli(['schedule', '--cron', '0 3 * * *', '--raw', raw, '--lake', file, '--config', RETAIL_CONFIG]);
    expect([lakeIsFile.code, lakeIsFile.stderr]).toEqual([2, expect.stringContaining(`--lake ${JSON.stringify(file)}: is a file`)]);
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, readFileSync(RETAIL_CONFIG, 'utf8').replace('purchase:', 'purchse:'));
    const badConfig = await runCli(['schedule', '--on-new-object', '--raw', raw, '--lake', lake, '--config', typo]);
    expect([badConfig.code, badConfig.stderr]).toEqual([2, expect.stringContaining(`invalid data-set configuration ${typo}`)]);
  }, TIMEOUT);

  test('with --output json, bad usage or configuration found before the first tick prints the failed summary (exit 2)', async () => {
    const file = join(dir, 'a-lake-file');
    writeFileSync(file, 'not a lake');
    const badYaml = join(dir, 'bad.yaml');
    writeFileSync(badYaml, 'name: [\n');
    const where = (o: { raw?: string; lake?: string; config?: string } = {}) => ['--raw', o.raw ?? raw, '--lake', o.lake ?? lake, '--config', o.config ?? RETAIL_CONFIG];
    const cases: [string, string[], Record<string, string>, string, string][] = [
      ['no mode', where(), {}, 'UsageError', 'expected exactly one of --cron <expr>, --on-new-object or --once, got none: give --once'],
      ['two modes', ['--once', '--cron', '* * * * *', ...where()], {}, 'UsageError', 'got --cron "* * * * *" and --once: '],
      ['a lake that is a file', ['--cron', '0 3 * * *', ...where({ lake: file })], {}, 'LocationError', `--lake ${JSON.stringify(file)}: is a file`],
      ['a missing config', ['--cron', '0 3 * * *', ...where({ config: join(dir, 'no-such.yaml') })], {}, 'ConfigError', `invalid data-set configuration ${join(dir, 'no-such.yaml')}`],
      ['a missing raw folder', ['--cron', '0 3 * * *', ...where({ raw: join(dir, 'no-such-raw') })], {}, 'LocationError', `--raw ${JSON.stringify(join(dir, 'no-such-raw'))}: no such folder`],
      ['a bad BERSERKR_LOCK_WAIT', ['--cron', '0 3 * * *', ...where()], { BERSERKR_LOCK_WAIT: 'bogus' }, 'DurationError', 'BERSERKR_LOCK_WAIT: invalid duration "bogus"'],
      ['a bad config with --on-new-object', ['--on-new-object', ...where({ config: badYaml })], {}, 'ConfigError', `invalid data-set configuration ${badYaml}`],
    ];
    for (const [what, schedule, env, name, message] of cases) {
      const r = await runCli(['--output', 'json', 'schedule', ...schedule], env);
      expect([what, r.code]).toEqual([what, 2]);
      expect([what, JSON.parse(r.stdout)]).toEqual([what, { command: 'schedule', runId: null, status: 'failed', exitCode: 2, error: { name, message: expect.stringContaining(message) } }]);
      expect([what, r.stderr]).toEqual([what, expect.stringMatching(/^berserkr: error: /)]);
      expect(r.stderr).toContain(message);
    }
  }, TIMEOUT);

  test('--on-new-object exits 1 when the raw store fails while it is watched', async () => {
    const server = await startS3Server(['raw']);
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'cli', 'berserkr.js'), '--log-format', 'json', 'schedule', '--on-new-object', '--poll-interval', '300ms', ...args, '--raw', 's3://raw/incoming'],
      { cwd: ROOT, env: { ...process.env, ...ENV, ...server.env } },
    );
    let stderr = '';
    let stopped: Promise<void> | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // After the first tick the server goes away: the next listing fails after its retries.
      if (stopped === undefined && stderr.includes('"msg":"lock released"')) stopped = server.stop();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await (stopped ?? server.stop());
    expect(stopped).toBeDefined();
    expect(jsonLogs(stderr).find((l) => String(l.msg).startsWith('watching '))).toMatchObject({ level: 'error', msg: expect.stringMatching(/^watching s3:\/\/raw\/incoming failed: /) });
    expect(code).toBe(1);
  }, TIMEOUT);
});
