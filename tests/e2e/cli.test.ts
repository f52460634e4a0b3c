/**
 * The CLI as scripts use it: help on every command, exit codes, and corrupt raw
 * objects failing alone with errors that name the object and the problem.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PipelineLock } from '../../lib/catalog';
import { currentOwner, HeldLock, tryAcquireLock } from '../../lib/lock';
import { openStore } from '../../lib/store/open';
import { jsonLogs, RETAIL_CONFIG, ROOT, runCli } from '../helpers/cli';
import { startS3Server } from '../helpers/s3server';

const COMMANDS = ['ingest', 'train', 'score', 'evaluate', 'run'];
const DATA = join(ROOT, 'data', 'online-retail');

describe('berserkr CLI', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(COMMANDS)('%s --help describes the command and exits 0', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: berserkr ${command} [options]`);
    expect(r.stdout).toContain('--lake <uri>');
    // The options every command takes, listed after its own.
    expect(r.stdout.slice(r.stdout.indexOf('Global Options:'))).toMatch(/--log-format <format>[^]*--output <format>/);
  });

  test('a reader that closes stdout or stderr early (| head) ends no command with an EPIPE crash: the exit code is the command\'s', async () => {
    const lake = join(dir, 'epipe-lake');
    for (const [args, code] of [
      ['validate --help', 0],
      ['runs --lake /no/such/lake --output json', 2],
      // Its logs, on stderr, are what meets the closed pipe.
      [`ingest --raw ${JSON.stringify(DATA)} --lake ${JSON.stringify(lake)} --config ${JSON.stringify(RETAIL_CONFIG)} 2>&1 >/dev/null`, 0],
    ] as const) {
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        // `true` exits without reading, so the CLI's writes meet a closed pipe.
        const child = spawn('bash', ['-c', `node ${JSON.stringify(join(ROOT, 'dist', 'cli', 'berserkr.js'))} ${args} | true; exit "\${PIPESTATUS[0]}"`]);
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (c) => resolve({ code: c ?? -1, stderr }));
      });
      expect([args, r.code]).toEqual([args, code]);
      expect(r.stderr).not.toContain('EPIPE');
    }
  });

  test('a bad option value exits 2 and quotes the value', async () => {
    const r = await runCli(['run', '--as-of', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"yesterday"');
  });

  test('bad locations and as-of times are bad usage (exit 2) for every command, quoting the value', async () => {
    const file = join(dir, 'lake-file');
    writeFileSync(file, 'not a lake');
    for (const command of COMMANDS) {
      const raw = command === 'ingest' || command === 'run' ? ['--raw', DATA] : [];
      const r = await runCli([command, ...raw, '--lake', file, '--config', RETAIL_CONFIG]);
      expect([command, r.code]).toEqual([command, 2]);
      expect(r.stderr).toContain(`--lake ${JSON.stringify(file)}: is a file`);
    }
    // A lake folder that does not exist is a typo for the commands that read a lake: nothing is created.
    const typo = join(dir, 'no-such-lake');
    for (const command of COMMANDS.filter((c) => c !== 'ingest' && c !== 'run').concat('gc', 'report')) {
      const r = await runCli([command, '--lake', typo, '--config', RETAIL_CONFIG]);
      expect([command, r.code]).toEqual([command, 2]);
      expect(r.stderr).toContain(`--lake ${JSON.stringify(typo)}: no such folder`);
    }
    expect(existsSync(typo)).toBe(false);
    const missing = join(dir, 'no-such-raw');
    for (const command of ['ingest', 'run']) {
      const r = await runCli([command, '--raw', missing, '--lake', join(dir, 'unused-lake'), '--config', RETAIL_CONFIG]);
      expect([command, r.code]).toEqual([command, 2]);
      expect(r.stderr).toContain(`--raw ${JSON.stringify(missing)}: no such folder`);
    }
    // A malformed S3 location (an empty segment, "..", a bad bucket name) is bad usage too, before any request.
    for (const [command, lake] of [['gc', 's3://lake//dbl'], ['train', 's3://lake/a/../b'], ['runs', 's3://Bad_Bucket/x']]) {
      const r = await runCli(['--output', 'json', command, '--lake', lake, ...(command === 'runs' ? [] : ['--config', RETAIL_CONFIG])], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
      expect([command, r.code, JSON.parse(r.stdout)]).toEqual([command, 2, expect.objectContaining({ exitCode: 2, error: { name: 'InvalidStoreUriError', message: expect.stringContaining(`invalid storage URI ${JSON.stringify(lake)}: invalid `) } })]);
    }
    for (const asOf of ['2011-02-30', '1', '2011-11-09 10:00']) {
      const r = await runCli(['run', '--as-of', asOf]);
      expect([asOf, r.code]).toEqual([asOf, 2]);
      expect(r.stderr).toContain(`got "${asOf}"`);
    }
    // --seed 0 is a valid seed: the command gets past option parsing to the location check
    const seeded = await runCli(['run', '--seed', '0', '--raw', DATA, '--lake', file, '--config', RETAIL_CONFIG]);
    expect(seeded.code).toBe(2);
    expect(seeded.stderr).not.toContain('--seed');
    expect(seeded.stderr).toContain('is a file');
  });

  test('a raw bucket that does not exist is bad usage (exit 2) for ingest, run and schedule, naming the URI; nothing runs', async () => {
    const server = await startS3Server(['raw']);
    try {
      const lake = join(dir, 'lake-no-bucket');
      for (const args of [['ingest'], ['run'], ['schedule', '--once']]) {
        const r = await runCli([...args, '--raw', 's3://no-such-bucket/landing', '--lake', lake, '--config', RETAIL_CONFIG], server.env);
        expect([args[0], r.code]).toEqual([args[0], 2]);
        expect(r.stderr).toContain('--raw "s3://no-such-bucket/landing": no such bucket "no-such-bucket"');
      }
      expect(existsSync(lake)).toBe(false);
      const existing = await runCli(['ingest', '--raw', 's3://raw/landing', '--lake', lake, '--config', RETAIL_CONFIG], server.env);
      expect(existing.code).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('a raw location where raw.pattern takes nothing is a warning, not silence', async () => {
    const raw = join(dir, 'raw-none');
    mkdirSync(raw);
    writeFileSync(join(raw, 'notes.txt'), 'no data here');
    const r = await runCli(['--log-format', 'json', 'ingest', '--raw', raw, '--lake', join(dir, 'lake-none'), '--config', RETAIL_CONFIG]);
    expect(r.code).toBe(0);
    expect(jsonLogs(r.stderr).find((l) => l.level === 'warn' && String(l.msg).startsWith('no raw object'))?.msg).toBe(
      `no raw object under ${pathToFileURL(raw).href} is taken by raw.pattern "**/*.csv*" (1 skipped): is it the right location and pattern?`,
    );
  });

  test('every raw object is taken (raw.pattern, any case; lzop, gzip or plain) or logged and recorded as skipped with its reason', async () => {
    const raw = join(dir, 'raw-mixed');
    const lake = join(dir, 'lake-mixed');
    mkdirSync(raw);
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.1.lzo'), join(raw, 'UPPER.CSV.LZO'));
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.csv'), join(raw, 'plain.csv'));
    writeFileSync(join(raw, 'month.csv.gz'), gzipSync(readFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.csv'))));
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.1.lzo'), join(raw, 'other.lzo'));
    writeFileSync(join(raw, 'month.csv.bz2'), 'BZh9');
    writeFileSync(join(raw, 'notes.txt'), 'not data');

    const r = await runCli(['--log-format', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(r.code).toBe(0);
    const logs = jsonLogs(r.stderr);
    // The first line says where the command reads and writes.
    expect(logs[0]).toMatchObject({ level: 'info', msg: 'using', raw, lake, config: RETAIL_CONFIG, dataset: 'online-retail' });
    const skippedLogs = logs.filter((l) => String(l.msg).startsWith('skipped '));
    const pattern = 'does not match raw.pattern "**/*.csv*" (case-insensitive)';
    expect(skippedLogs.map((l) => [l.level, l.object, l.reason])).toEqual([
      ['warn', 'month.csv.bz2', expect.stringMatching(/^unsupported compression bzip2 \(extension \.bz2\)/)],
      ['warn', 'notes.txt', pattern],
      ['warn', 'other.lzo', pattern],
    ]);
    const runId = logs.find((l) => typeof l.runId === 'string')!.runId as string;
    const record = JSON.parse(readFileSync(join(lake, 'runs', 'online-retail', `${runId}.json`), 'utf8'));
    expect(record.skipped.map((s: { key: string; reason: string }) => [s.key, s.reason.split(' (')[0]])).toEqual([
      ['month.csv.bz2', 'unsupported compression bzip2'],
      ['notes.txt', 'does not match raw.pattern "**/*.csv*"'],
      ['other.lzo', 'does not match raw.pattern "**/*.csv*"'],
    ]);
    expect(record.inputs.map((i: { key: string }) => i.key)).toEqual(['UPPER.CSV.LZO', 'month.csv.gz', 'plain.csv']);
    expect(record.rows['ingest.read']).toBe(3 * 39);
  });

  test('corrupt raw objects fail alone, named with their problem; the good ones ingest (exit 3)', async () => {
    const raw = join(dir, 'raw');
    const lake = join(dir, 'lake');
    rmSync(raw, { recursive: true, force: true });
    mkdirSync(raw);
    copyFileSync(join(DATA, '2011-02.csv.lzo'), join(raw, '2011-02.csv.lzo'));
    const good = readFileSync(join(DATA, '2011-04.csv.lzo'));
    writeFileSync(join(raw, '2011-04.csv.lzo'), good);
    const badMagic = Buffer.from(good);
    badMagic[1] = 0x00;
    writeFileSync(join(raw, 'bad-magic.csv.lzo'), badMagic);
    const badChecksum = Buffer.from(good);
    badChecksum[20_000] ^= 0xff;
    writeFileSync(join(raw, 'bad-checksum.csv.lzo'), badChecksum);
    writeFileSync(join(raw, 'truncated.csv.lzo'), good.subarray(0, 100_000));

    const r = await runCli(['--log-format', 'json', '--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(r.code).toBe(3);
    // stdout is the one JSON summary, saying what the exit code says.
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ command: 'ingest', status: 'partial', exitCode: 3, ingested: ['2011-02.csv.lzo', '2011-04.csv.lzo'], unchanged: [] });
    expect(summary.failed.map((f: { object: string }) => f.object)).toEqual(['bad-checksum.csv.lzo', 'bad-magic.csv.lzo', 'truncated.csv.lzo']);
    const errors = jsonLogs(r.stderr).filter((l) => l.level === 'error');
    const byObject = new Map(errors.map((e) => [e.object as string, String(e.msg) + ' ' + JSON.stringify(e.err)]));
    expect([...byObject.keys()].sort()).toEqual(['bad-checksum.csv.lzo', 'bad-magic.csv.lzo', 'truncated.csv.lzo']);
    expect(byObject.get('bad-magic.csv.lzo')).toMatch(/magic/i);
    expect(byObject.get('bad-checksum.csv.lzo')).toMatch(/checksum/i);
    expect(byObject.get('truncated.csv.lzo')).toMatch(/truncated/i);

    const ledger = JSON.parse(readFileSync(join(lake, 'ledger', 'online-retail.json'), 'utf8')) as { objects: Record<string, { counts: { read: number } }> };
    expect(Object.keys(ledger.objects).sort()).toEqual(['2011-02.csv.lzo', '2011-04.csv.lzo']);
    const runs = jsonLogs(r.stderr).find((l) => typeof l.runId === 'string');
    const record = JSON.parse(readFileSync(join(lake, 'runs', 'online-retail', `${runs!.runId as string}.json`), 'utf8'));
    expect(record.errors.map((e: { message: string }) => e.message.split(':')[0]).sort()).toEqual(['bad-checksum.csv.lzo', 'bad-magic.csv.lzo', 'truncated.csv.lzo']);
    expect(record.rows['ingest.read']).toBe(record.rows['ingest.clean'] + record.rows['ingest.rejected']);
    expect([record.runId, record.status]).toEqual([summary.runId, 'partial']);
    expect(summary.rows).toEqual({ read: record.rows['ingest.read'], clean: record.rows['ingest.clean'], rejected: record.rows['ingest.rejected'] });

    // runs --output json: one JSON object holding the records, newest first.
    const listed = await runCli(['runs', '--lake', lake, '--output', 'json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ command: 'runs', dataset: 'online-retail', runs: [{ runId: summary.runId, status: 'partial', startedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) }] });
    const text = await runCli(['runs', '--lake', lake]);
    expect(text.stdout.split('\n')[1]).toMatch(new RegExp(`^${summary.runId}  ingest +partial `));
  });

  test('an object no checksum covers is ingested with a warning, or fails with --require-checksum (exit 3)', async () => {
    const raw = join(dir, 'raw-unchecked');
    mkdirSync(raw);
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.1.lzo'), join(raw, 'checked.csv.lzo'));
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.nocheck.lzo'), join(raw, 'unchecked.csv.lzo'));
    const ingest = (lake: string, ...flags: string[]) => runCli(['--log-format', 'json', '--output', 'json', 'ingest', '--raw', raw, '--lake', join(dir, lake), '--config', RETAIL_CONFIG, ...flags]);

    const lenient = await ingest('lake-lenient');
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout)).toMatchObject({ ingested: ['checked.csv.lzo', 'unchecked.csv.lzo'], unchecked: ['unchecked.csv.lzo'], failed: [] });
    const warnings = jsonLogs(lenient.stderr).filter((l) => l.level === 'warn');
    expect(warnings).toMatchObject([{ unchecked: ['unchecked.csv.lzo'], msg: expect.stringMatching(/^1 compressed object carried no checksum of its content .*: unchecked\.csv\.lzo; --require-checksum fails such objects$/) }]);
    const ledger = JSON.parse(readFileSync(join(dir, 'lake-lenient', 'ledger', 'online-retail.json'), 'utf8'));
    expect([ledger.objects['checked.csv.lzo'].checksums, ledger.objects['unchecked.csv.lzo'].checksums]).toEqual([['adler32'], []]);
    const runId = jsonLogs(lenient.stderr).find((l) => typeof l.runId === 'string')!.runId as string;
    expect(JSON.parse(readFileSync(join(dir, 'lake-lenient', 'runs', 'online-retail', `${runId}.json`), 'utf8')).rows['ingest.unchecked']).toBe(1);

    const strict = await ingest('lake-strict', '--require-checksum');
    expect(strict.code).toBe(3);
    const summary = JSON.parse(strict.stdout);
    expect(summary).toMatchObject({ ingested: ['checked.csv.lzo'], unchecked: [] });
    expect(summary.failed).toEqual([{ object: 'unchecked.csv.lzo', error: expect.stringMatching(/^unchecked\.csv\.lzo: no checksum covers its content \(.*lzop -F.*\), and checksums are required/) }]);
  });

  test('a configuration change that leaves objects of the old one exits 3; train refuses the mix; --forget-missing drops them', async () => {
    const raw = join(dir, 'raw-reconfigured');
    const lake = join(dir, 'lake-reconfigured');
    mkdirSync(raw);
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.1.lzo'), join(raw, 'a.csv.lzo'));
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.9.lzo'), join(raw, 'b.csv.lzo'));
    const changed = join(dir, 'reconfigured.yaml');
    writeFileSync(changed, readFileSync(RETAIL_CONFIG, 'utf8').replace(/^  duplicates: keep$/m, '  duplicates: reject'));
    const ingest = (config: string, ...flags: string[]) => runCli(['--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', config, ...flags]);
    expect((await ingest(RETAIL_CONFIG)).code).toBe(0);
    rmSync(join(raw, 'a.csv.lzo')); // archived

    const mixed = await ingest(changed);
    expect([mixed.code, JSON.parse(mixed.stdout)]).toMatchObject([3, { status: 'partial', ingested: ['b.csv.lzo'], otherConfiguration: ['a.csv.lzo'], failed: [] }]);
    const train = await runCli(['train', '--lake', lake, '--config', changed]);
    expect(train.code).toBe(1);
    expect(train.stderr).toMatch(/the clean data of data set "online-retail" mix 2 settings of csv and columns, .*1 object ingested with settings [0-9a-f]{12}… \(a\.csv\.lzo\).*--forget-missing/);

    const forgot = await ingest(changed, '--forget-missing');
    expect([forgot.code, JSON.parse(forgot.stdout)]).toMatchObject([0, { status: 'ok', forgotten: ['a.csv.lzo'], unchanged: ['b.csv.lzo'], otherConfiguration: [] }]);
    expect(await openStore(lake).list('clean/online-retail/a.csv.lzo/')).toEqual([]);
  });

  test('ingest and train wait for the data set\'s lock, as run does; ingest ingests once it is free', async () => {
    const raw = join(dir, 'raw-locked');
    const lake = join(dir, 'lake-locked');
    mkdirSync(raw);
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'lzop', 'sample.1.lzo'), join(raw, 'a.csv.lzo'));
    const hold = async (): Promise<HeldLock> =>
      ((await tryAcquireLock(new PipelineLock(openStore(lake), 'online-retail'), currentOwner('holder'), { leaseMs: 120_000, settleMs: 0 })) as { lock: HeldLock }).lock;
    /** Starts `berserkr <args>` with JSON logs and resolves once it logs that it waits for the lock. */
    const waiting = async (args: string[]) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'berserkr.js'), '--log-format', 'json', ...args], { cwd: ROOT });
      const out = { child, stderr: '', exited: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
      child.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
      for (const started = Date.now(); !out.stderr.includes('waiting: another pipeline run holds the lock'); ) {
        if (Date.now() - started > 60_000) throw new Error(`${args[0]} did not wait for the lock within 60 s: ${out.stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    };
    const lock = await hold();
    const ingest = await waiting(['ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(existsSync(join(lake, 'ledger', 'online-retail.json'))).toBe(false);
    await lock.release();
    expect(await ingest.exited).toBe(0);
    expect(jsonLogs(ingest.stderr).map((l) => l.msg)).toEqual(expect.arrayContaining(['lock acquired', 'lock released']));
    expect(Object.keys(JSON.parse(readFileSync(join(lake, 'ledger', 'online-retail.json'), 'utf8')).objects)).toEqual(['a.csv.lzo']);

    // train replaces the champion as run does: it waits too (stopped here while waiting: nothing ran, no run record).
    const again = await hold();
    const records = () => readdirSync(join(lake, 'runs', 'online-retail')).filter((f) => f.endsWith('.json')).length;
    const before = records();
    const train = await waiting(['train', '--lake', lake, '--config', RETAIL_CONFIG]);
    train.child.kill('SIGTERM');
    expect(await train.exited).toBe(143);
    expect(jsonLogs(train.stderr).map((l) => l.msg)).toContain(`stopped while waiting for the lock: another pipeline run holds it, run holder (pid ${process.pid} on ${hostname()}); nothing ran`);
    // BERSERKR_LOCK_WAIT bounds the wait: then it is busy (exit 4), as a schedule tick that skips.
    const bounded = await runCli(['--output', 'json', 'ingest', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG], { BERSERKR_LOCK_WAIT: '1s' });
    expect([bounded.code, JSON.parse(bounded.stdout)]).toEqual([4, { command: 'ingest', runId: null, status: 'skipped', exitCode: 4 }]);
    expect(bounded.stderr).toContain('gave up waiting for the lock after 1s (BERSERKR_LOCK_WAIT)');
    // A schedule tick skips a held lock at once, or with BERSERKR_LOCK_WAIT set waits that long first
    // (so that a retried Job waits out the lease of its killed predecessor).
    const tick = await runCli(['--log-format', 'json', 'schedule', '--once', '--raw', raw, '--lake', lake, '--config', RETAIL_CONFIG], { BERSERKR_LOCK_WAIT: '1s' });
    expect(tick.code).toBe(4);
    expect(jsonLogs(tick.stderr).map((l) => l.msg)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^waiting: another pipeline run holds the lock, run holder/),
      expect.stringMatching(/^gave up waiting for the lock after 1s \(BERSERKR_LOCK_WAIT\)/),
    ]));
    expect(records()).toBe(before);
    await again.release();
  });

  test('an error of a store is one line with its cause in pretty logs, its stack only with --verbose; JSON logs stay JSON, process warnings included', async () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_S3_FORCE_PATH_STYLE: 'true' };
    const args = ['ingest', '--raw', join(ROOT, 'tests', 'fixtures', 'lzop'), '--lake', 's3://lake/refused', '--config', RETAIL_CONFIG];
    const pretty = await runCli(args, env);
    expect(pretty.code).toBe(1);
    const errors = pretty.stderr.split('\n').filter((l) => / ERROR /.test(l));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/ERROR cannot \w+ s3:\/\/lake\/refused\/.*\(cause: connect ECONNREFUSED 127\.0\.0\.1:9\)/);
    expect(pretty.stderr).not.toMatch(/^\s+at /m);
    const verbose = await runCli(['--verbose', ...args], env);
    expect(verbose.stderr).toMatch(/^ {4}at /m);

    const json = await runCli(['--log-format', 'json', '--output', 'json', ...args], env);
    const lines = json.stderr.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    const logs = jsonLogs(json.stderr);
    if (Number(process.versions.node.split('.')[0]) < 22) {
      // The AWS SDK's notice about the Node version, as a structured warning.
      expect(logs.find((l) => String(l.msg).startsWith('NodeVersionSupportWarning'))).toMatchObject({ level: 'warn', warning: { name: 'Warning' } });
    }
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'ingest', status: 'failed', exitCode: 1, error: { message: expect.stringContaining('ECONNREFUSED') } });

    // The same failure before a command runs (runs reads the lake at once) is a failure too, not bad usage.
    const runs = await runCli(['--output', 'json', 'runs', '--lake', 's3://lake/refused'], env);
    expect([runs.code, JSON.parse(runs.stdout)]).toEqual([1, expect.objectContaining({ command: 'runs', exitCode: 1, error: expect.objectContaining({ message: expect.stringContaining('ECONNREFUSED') }) })]);
  });

  test('a command holding the lock of an S3 lake logs JSON only, the lock renewer thread\'s warnings among them, each once', async () => {
    const server = await startS3Server(['lake'], { conditionalWrites: true });
    try {
      const args = ['gc', '--lake', 's3://lake/warned', '--config', RETAIL_CONFIG];
      const json = await runCli(['--log-format', 'json', ...args], server.env);
      expect(json.code).toBe(0);
      expect(json.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
      // Below Node 22 the AWS SDK warns about the Node version in each thread with an S3 client: here the main thread and the lock renewer's.
      const sdkWarns = Number(process.versions.node.split('.')[0]) < 22;
      expect(jsonLogs(json.stderr).filter((l) => l.level !== 'info')).toEqual(sdkWarns ? [expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^NodeVersionSupportWarning/) })] : []);
      const pretty = await runCli(args, server.env);
      expect(pretty.code).toBe(0);
      expect(pretty.stderr.split('\n').filter((l) => l.includes('NodeVersionSupportWarning'))).toEqual(sdkWarns ? [expect.stringMatching(/^\S+ WARN  NodeVersionSupportWarning/)] : []);
    } finally {
      await server.stop();
    }
  });

  test('bad usage is one line on stderr and, with --output json, a summary on stdout', async () => {
    const missing = join(dir, 'no-such-raw-2');
    const r = await runCli(['--output', 'json', 'ingest', '--raw', missing, '--lake', join(dir, 'unused'), '--config', RETAIL_CONFIG]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`berserkr: error: --raw ${JSON.stringify(missing)}: no such folder\n`);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', exitCode: 2, error: { name: 'LocationError' } });
    // Errors of the command line itself too.
    const unknown = await runCli(['--output', 'json', 'ingest', '--bogus']);
    expect([unknown.code, JSON.parse(unknown.stdout)]).toEqual([2, { command: 'ingest', runId: null, status: 'failed', exitCode: 2, error: { name: 'CommanderError', message: "error: unknown option '--bogus'" } }]);
    // With JSON logs, both kinds are JSON lines on stderr.
    for (const args of [['ingest', '--bogus'], ['ingest', '--raw', missing, '--lake', join(dir, 'unused'), '--config', RETAIL_CONFIG]]) {
      const r2 = await runCli(['--log-format', 'json', ...args]);
      expect(r2.code).toBe(2);
      expect(r2.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
      expect(jsonLogs(r2.stderr).filter((l) => l.level === 'error')).toHaveLength(1);
    }
  });

  test('a bad lock setting in the environment is bad usage that names the variable (exit 2, nothing runs)', async () => {
    const lake = join(dir, 'lake-bad-lock-wait');
    for (const [variable, command] of [['BERSERKR_LOCK_WAIT', ['ingest', '--raw', DATA]], ['BERSERKR_LOCK_LEASE', ['train']]] as const) {
      const r = await runCli(['--output', 'json', ...command, '--lake', lake, '--config', RETAIL_CONFIG], { [variable]: 'banana' });
      expect([r.code, r.stderr]).toEqual([2, `berserkr: error: ${variable}: invalid duration "banana": expected a positive number and a unit ms, s, m, h or d, e.g. 500ms, 90s, 30m, 12h, 7d\n`]);
      expect(JSON.parse(r.stdout)).toMatchObject({ runId: null, status: 'failed', exitCode: 2, error: { name: 'DurationError' } });
    }
    // A lease too short to survive a slow renewal is refused the same way.
    const short = await runCli(['--output', 'json', 'train', '--lake', lake, '--config', RETAIL_CONFIG], { BERSERKR_LOCK_LEASE: '100ms' });
    expect([short.code, short.stderr]).toEqual([2, expect.stringMatching(/^berserkr: error: BERSERKR_LOCK_LEASE: lease "100ms" is too short: expected at least 10s, /)]);
    expect(JSON.parse(short.stdout)).toMatchObject({ runId: null, status: 'failed', exitCode: 2, error: { name: 'UsageError' } });
    // A scheduler checks it before it waits for its first tick, not hours later.
    const scheduler = await runCli(['schedule', '--cron', '0 3 * * *', '--raw', DATA, '--lake', lake, '--config', RETAIL_CONFIG], { BERSERKR_LOCK_LEASE: 'banana' });
    expect([scheduler.code, scheduler.stderr]).toEqual([2, expect.stringContaining('BERSERKR_LOCK_LEASE: invalid duration "banana"')]);
    expect(existsSync(lake)).toBe(false);
  });

  test('backtest takes at most one --as-of per UTC day, whose figures it records by day (exit 2, nothing runs)', async () => {
    const lake = join(dir, 'lake-backtest-days');
    const r = await runCli(['backtest', '--lake', lake, '--config', RETAIL_CONFIG, '--as-of', '2011-10-10', '--as-of', '2011-10-10T05:00:00Z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"2011-10-10T05:00:00Z" falls on 2011-10-10, the UTC day of an earlier --as-of: give at most one as-of time per day');
    expect(existsSync(lake)).toBe(false);
  });

  test('no raw location is read by default, and RAW_URI never stands in for BERSERKR_RAW (exit 2, nothing runs)', async () => {
    const raw = join(dir, 'my-raw');
    mkdirSync(raw);
    copyFileSync(join(DATA, '2011-01.csv.lzo'), join(raw, '2011-01.csv.lzo'));
    const lake = join(dir, 'lake-renamed');
    const r = await runCli(['ingest', '--lake', lake, '--config', RETAIL_CONFIG], { RAW_URI: raw });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--raw is required: give it as --raw or in BERSERKR_RAW; berserkr reads no location by default (make demo names the bundled data). RAW_URI=${JSON.stringify(raw)} is set, but berserkr does not read RAW_URI: rename it BERSERKR_RAW`);
    expect(existsSync(lake)).toBe(false);
    const noConfig = await runCli(['ingest', '--raw', raw, '--lake', lake]);
    expect([noConfig.code, noConfig.stderr]).toEqual([2, expect.stringContaining('--config is required')]);
    // Both set: BERSERKR_RAW is read, and the old name is called out.
    const both = await runCli(['--log-format', 'json', 'ingest', '--lake', lake, '--config', RETAIL_CONFIG], { RAW_URI: DATA, BERSERKR_RAW: raw });
    expect(both.code).toBe(0);
    const logs = jsonLogs(both.stderr);
    expect(logs.find((l) => l.variable === 'RAW_URI')).toMatchObject({ level: 'warn', msg: 'RAW_URI is set but not read: berserkr reads BERSERKR_RAW (rename it)' });
    expect(logs.find((l) => typeof l.dataset === 'string')).toMatchObject({ raw, lake });
    expect(Object.keys(JSON.parse(readFileSync(join(lake, 'ledger', 'online-retail.json'), 'utf8')).objects)).toEqual(['2011-01.csv.lzo']);
  });

  test('a lake holding another data set says which (no champion, export or ingested data of this one), and a lake of one data set per lake is refused', async () => {
    const lake = join(dir, 'lake-other');
    mkdirSync(join(lake, 'ledger'), { recursive: true });
    writeFileSync(join(lake, 'ledger', 'loyalty-club.json'), JSON.stringify({ version: 1, dataset: 'loyalty-club', objects: {} }));
    const score = await runCli(['score', '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(score.code).toBe(1);
    expect(score.stderr).toContain(`no champion for data set "online-retail" in lake ${pathToFileURL(lake).href} (the lake holds: loyalty-club)`);
    writeFileSync(join(dir, 'ids.txt'), '12347\n');
    const exported = await runCli(['export', '--lake', lake, '--config', RETAIL_CONFIG, '--customers', join(dir, 'ids.txt')]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain(`no published export for data set "online-retail" in lake ${pathToFileURL(lake).href} (the lake holds: loyalty-club)`);
    const trained = await runCli(['train', '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(trained.code).toBe(1);
    expect(trained.stderr).toContain(`no ingested data for data set "online-retail" in lake ${pathToFileURL(lake).href} (the lake holds: loyalty-club): ${pathToFileURL(lake).href}/ledger/online-retail.json does not exist; ingest raw data first`);

    // Runs are listed per data set: the failed score, export and train are online-retail's, none is loyalty-club's.
    const retailRuns = await runCli(['runs', '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(retailRuns.stdout.split('\n').filter((l) => /^\d{8}T/.test(l)).map((l) => l.split(/\s+/).slice(1, 3).join(' '))).toEqual(['train failed', 'export failed', 'score failed']);
    const onlyDataset = await runCli(['runs', '--lake', lake]);
    expect([onlyDataset.code, onlyDataset.stdout.trim().split('\n').length]).toEqual([0, 1]);

    mkdirSync(join(lake, 'models'));
    writeFileSync(join(lake, 'models', 'champion.json'), '{}');
    const old = await runCli(['score', '--lake', lake, '--config', RETAIL_CONFIG]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain('has the layout of one data set per lake (found models/champion.json)');
    const runs = await runCli(['runs', '--lake', lake, '--dataset', 'online-retail']);
    expect([runs.code, runs.stderr]).toEqual([2, expect.stringContaining('has the layout of one data set per lake')]);
  });
});
