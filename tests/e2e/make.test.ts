/**
 * The operator's make targets run for real against an S3-compatible server on
 * loopback, the same code path as MinIO with only the endpoint differing (no
 * Docker engine here, so `make up` itself is not run): `seed` uploads real
 * months with the minio client, then `ingest`, `pipeline`, `schedule` and `runs`
 * work on the buckets; `ingest` also runs against local folders. `build` is
 * taken as done (`-o`): the suite runs on the dist/ that `make test` builds.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/open';
import { ROOT, runCli } from '../helpers/cli';
import { S3Server, startS3Server } from '../helpers/s3server';

const MONTHS = ['2010-12.csv.lzo', '2011-01.csv.lzo', '2011-02.csv.lzo', '2011-03.csv.lzo'];
const TIMEOUT = 170_000;

/** The environment without the variables the Makefile reads, so each test sets its own. */
const BASE_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(AWS_|MINIO_|MAKE|BERSERKR_(RAW|LAKE|CONFIG)$|RAW_URI$|LAKE_URI$|LOG_FORMAT$|AS_OF$|TOP_K$|SHARD$|RUN_ID$|MODEL_ID$|SEED_DIR$|CUSTOMERS$|FORMAT$|OUTPUT$|TRAIN_FLAGS$|SCHEDULE$)/.test(k)),
);

function make(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('make', ['--no-print-directory', '-o', 'build', '-o', 'dist/.build-stamp', ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

describe('make targets against an S3-compatible server', () => {
  let server: S3Server;
  let dir: string;
  let seedDir: string;
  let env: Record<string, string>;
  const S3 = ['BERSERKR_RAW=s3://raw/online-retail', 'BERSERKR_LAKE=s3://lake/make', 'BERSERKR_CONFIG=config/online-retail.yaml', 'LOG_FORMAT=json'];
  beforeAll(async () => {
    server = await startS3Server(['raw', 'lake']);
    env = { ...server.env, BERSERKR_LOCK_SETTLE: '500ms' };
    dir = mkdtempSync(join(tmpdir(), 'berserkr-make-e2e-'));
    seedDir = join(dir, 'seed');
    mkdirSync(seedDir);
    for (const m of MONTHS) copyFileSync(join(ROOT, 'data', 'online-retail', m), join(seedDir, m));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('seed uploads the raw files with the minio client', async () => {
    const r = await make(['seed', ...S3, `SEED_DIR=${seedDir}`], env);
    expect(r.stderr).not.toMatch(/"level":"error"/);
    expect(r.code).toBe(0);
    const listed = await openStore('s3://raw/online-retail', server.env).list('');
    expect(listed.map((o) => o.key)).toEqual(MONTHS);
    // With --output json, the summary of every other command: runId null (seed writes no run record), status and exit code.
    const again = await runCli(['--output', 'json', 'seed', '--raw', 's3://raw/online-retail', '--from', seedDir, '--only', MONTHS[0]], server.env);
    expect([again.code, JSON.parse(again.stdout)]).toMatchObject([0, { command: 'seed', runId: null, status: 'ok', exitCode: 0, uploaded: [{ object: `s3://raw/online-retail/${MONTHS[0]}` }] }]);
  }, TIMEOUT);

  test('seed to a bucket that does not exist is bad usage (exit 2); a file it cannot upload fails it (exit 1)', async () => {
    const missing = await runCli(['seed', '--raw', 's3://no-such-bucket/x', '--from', seedDir], server.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('the raw bucket no-such-bucket of s3://no-such-bucket/x does not exist');
    const broken = join(dir, 'seed-broken');
    mkdirSync(join(broken, 'a-folder.csv.lzo'), { recursive: true });
    const failed = await runCli(['--output', 'json', 'seed', '--raw', 's3://raw/broken', '--from', broken], server.env);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ command: 'seed', status: 'failed', exitCode: 1, uploaded: [] });
  }, TIMEOUT);

  test('ingest, pipeline, schedule and runs work on the buckets', async () => {
    const ingest = await make(['ingest', ...S3], env);
    expect(ingest.code).toBe(0);
    expect(ingest.stderr).toContain('ingest: 4 new or changed, 0 unchanged, 0 failed');

    const pipeline = await make(['pipeline', ...S3, 'TRAIN_FLAGS=--train-cutoffs 1 --epochs 2 --train-groups 4096 --members 1'], env);
    expect(pipeline.stderr).not.toMatch(/"level":"error"/);
    expect(pipeline.code).toBe(0);
    expect(pipeline.stdout).toContain('export s3://lake/make/exports/');
    const lake = openStore('s3://lake/make', server.env);
    expect(await lake.head('exports/online-retail/latest/top-k.csv')).toBeDefined();
    expect(await lake.head('exports/online-retail/latest/top-k.parquet')).toBeDefined();
    expect(await lake.head('models/online-retail/champion.json')).toBeDefined();

    // make export re-exports the latest lists without rescoring; with OUTPUT=json its summary is stdout, all of it
    // (make echoes no recipe there: the command shows on stderr).
    const exported = await make(['export', ...S3, 'OUTPUT=json'], env);
    expect([exported.code, exported.stderr.slice(-2000)]).toEqual([0, expect.anything()]);
    expect(exported.stdout.split('\n')).toEqual([expect.stringMatching(/^\{"command":"export",/), '']);
    expect(exported.stderr).toMatch(/^\+ node dist\/cli\/berserkr\.js export --lake s3:\/\/lake\/make /m);
    const summary = JSON.parse(exported.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ command: 'export', status: 'ok', exitCode: 0, export: expect.stringMatching(/^s3:\/\/lake\/make\/exports\/online-retail\//) });
    expect(summary.customers).toBe(summary.requested);

    const schedule = await make(['schedule', ...S3, 'SCHEDULE=--once'], env);
    expect(schedule.code).toBe(0);
    expect(schedule.stderr).toMatch(/"msg":"nothing changed: no new raw objects, champion promoted at /);

    const runs = await make(['runs', ...S3], env);
    expect(runs.code).toBe(0);
    const commands = runs.stdout.split('\n').filter((l) => /^\d{8}T\d{6}Z-/.test(l)).map((l) => l.split(/\s+/).slice(1, 3).join(' '));
    expect(commands).toEqual(['schedule ok', 'export ok', 'run ok', 'ingest ok']);
  }, TIMEOUT);

  test('ingest works against local folders when no S3 location is set', async () => {
    const lake = join(dir, 'lake');
    const r = await make(['ingest', `BERSERKR_RAW=${seedDir}`, `BERSERKR_LAKE=${lake}`, 'BERSERKR_CONFIG=config/online-retail.yaml'], {});
    expect(r.code).toBe(0);
    expect(readdirSync(join(lake, 'clean', 'online-retail')).length).toBeGreaterThan(0);
  }, TIMEOUT);
});
