/**
 * `berserkr seed` against an S3-compatible server on loopback: it uploads the files
 * of a folder that ingest takes (`raw.pattern`, `csv.compression`), logs the others
 * with the reason, and every outcome, bad usage included, prints exactly one JSON
 * summary with `--output json` and exits 2 for bad usage (a missing or empty
 * folder, an `--only` file it would not upload, a missing bucket), never a raw
 * ENOENT.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/open';
import { jsonLogs, RETAIL_CONFIG, RETAIL_RAW, runCli } from '../helpers/cli';
import { S3Server, startS3Server } from '../helpers/s3server';

const MONTH = '2011-01.csv.lzo';
const TIMEOUT = 60_000;

describe('berserkr seed', () => {
  let server: S3Server;
  let dir: string;
  let mixed: string;
  beforeAll(async () => {
    server = await startS3Server(['raw']);
    dir = mkdtempSync(join(tmpdir(), 'berserkr-seed-'));
    // What ingest takes by default (**/*.csv*, any case; lzop, gzip, zstd or none) beside what it skips.
    mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    copyFileSync(join(RETAIL_RAW, MONTH), join(mixed, MONTH));
    for (const file of ['b.CSV', 'c.csv.gz', 'README.md', 'notes.txt', 'd.csv.bz2']) writeFileSync(join(mixed, file), 'x\n');
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `seed --output json --log-format json <args>`: exit code, the one JSON object of stdout, the JSON logs. */
  async function seed(args: string[]): Promise<{ code: number; summary: Record<string, unknown>; logs: Record<string, unknown>[]; stderr: string }> {
    const r = await runCli(['--output', 'json', '--log-format', 'json', 'seed', ...args], server.env);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect([args, lines.length]).toEqual([args, 1]);
    return { code: r.code, summary: JSON.parse(lines[0]) as Record<string, unknown>, logs: jsonLogs(r.stderr), stderr: r.stderr };
  }

  test('uploads the files ingest takes and logs each other file with the reason it is skipped', async () => {
    const r = await seed(['--from', mixed, '--raw', 's3://raw/mixed']);
    expect(r.code).toBe(0);
    expect(r.summary).toMatchObject({ command: 'seed', runId: null, status: 'ok', exitCode: 0 });
    expect((r.summary.uploaded as { object: string }[]).map((u) => u.object)).toEqual([MONTH, 'b.CSV', 'c.csv.gz'].map((f) => `s3://raw/mixed/${f}`));
    expect((await openStore('s3://raw/mixed', server.env).list('')).map((o) => o.key).sort()).toEqual([MONTH, 'b.CSV', 'c.csv.gz'].sort());
    expect(r.summary.skipped).toEqual([
      { file: 'README.md', reason: 'does not match raw.pattern "**/*.csv*" (case-insensitive)' },
      { file: 'd.csv.bz2', reason: expect.stringMatching(/^unsupported compression bzip2 \(extension \.bz2\)/) },
      { file: 'notes.txt', reason: 'does not match raw.pattern "**/*.csv*" (case-insensitive)' },
    ]);
    const skippedLogs = r.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('skipped '));
    expect(skippedLogs.map((l) => [l.file, l.msg])).toEqual([
      ['README.md', `skipped ${join(mixed, 'README.md')}: does not match raw.pattern "**/*.csv*" (case-insensitive)`],
      ['d.csv.bz2', expect.stringContaining('unsupported compression bzip2')],
      ['notes.txt', expect.stringContaining('does not match raw.pattern')],
    ]);
  }, TIMEOUT);

  test('takes the files by the raw.pattern of --config, as ingest of that data set does', async () => {
    const config = join(dir, 'only-january.yaml');
    writeFileSync(config, readFileSync(RETAIL_CONFIG, 'utf8').replace('pattern: "**/*.csv*"', 'pattern: "2011-01.*"'));
    const r = await seed(['--from', mixed, '--raw', 's3://raw/january', '--config', config]);
    expect([r.code, r.summary.status]).toEqual([0, 'ok']);
    expect(r.summary.uploaded).toEqual([{ object: `s3://raw/january/${MONTH}`, etag: expect.any(String) }]);
    expect((r.summary.skipped as { file: string }[]).map((s) => s.file)).toEqual(['README.md', 'b.CSV', 'c.csv.gz', 'd.csv.bz2', 'notes.txt']);
  }, TIMEOUT);

  test('a folder holding no file ingest takes is bad usage, naming the folder and what it holds', async () => {
    const none = join(dir, 'none');
    mkdirSync(none);
    writeFileSync(join(none, 'README.md'), 'x\n');
    const r = await seed(['--from', none, '--raw', 's3://raw/none']);
    expect(r.code).toBe(2);
    expect(r.summary).toMatchObject({
      command: 'seed',
      runId: null,
      status: 'failed',
      exitCode: 2,
      error: { name: 'UsageError', message: `--from ${JSON.stringify(none)} holds no raw file that ingest takes (raw.pattern "**/*.csv*", csv.compression auto): it holds README.md (does not match raw.pattern "**/*.csv*" (case-insensitive))` },
    });
    expect(await openStore('s3://raw/none', server.env).list('')).toEqual([]);
  }, TIMEOUT);

  test('--only naming a file it would not upload is bad usage with its one summary, naming the file and why', async () => {
    const r = await seed(['--from', mixed, '--raw', 's3://raw/only', '--only', 'nothere.csv.lzo', 'README.md']);
    expect(r.code).toBe(2);
    expect(r.summary).toMatchObject({ command: 'seed', status: 'failed', exitCode: 2, error: { name: 'UsageError' } });
    expect((r.summary.error as { message: string }).message).toBe(
      `--only names files seed does not upload: nothere.csv.lzo (not in ${mixed}), README.md (does not match raw.pattern "**/*.csv*" (case-insensitive)); it uploads ${MONTH}, b.CSV, c.csv.gz`,
    );
  }, TIMEOUT);

  test('a bucket that does not exist is bad usage with its one summary', async () => {
    const r = await seed(['--from', mixed, '--raw', 's3://nobucket/t3']);
    expect(r.code).toBe(2);
    expect(r.summary).toMatchObject({ command: 'seed', status: 'failed', exitCode: 2, error: { message: 'the raw bucket nobucket of s3://nobucket/t3 does not exist: create it (make up does) or name another' } });
  }, TIMEOUT);

  test('a --from folder that does not exist, or a file, is bad usage naming it, not a raw ENOENT', async () => {
    const nope = join(dir, 'nope');
    const missing = await seed(['--from', nope, '--raw', 's3://raw/nope']);
    expect(missing.code).toBe(2);
    expect(missing.summary).toMatchObject({ command: 'seed', status: 'failed', exitCode: 2, error: { name: 'LocationError', message: `--from ${JSON.stringify(nope)}: no such folder` } });
    expect(missing.stderr).not.toContain('ENOENT');
    const file = await seed(['--from', join(mixed, 'README.md'), '--raw', 's3://raw/nope']);
    expect([file.code, (file.summary.error as { message: string }).message]).toEqual([2, `--from ${JSON.stringify(join(mixed, 'README.md'))}: is a file, expected a folder of raw files`]);
  }, TIMEOUT);

  test('--from is required: the bundled data is never a default', async () => {
    const r = await seed(['--raw', 's3://raw/default']);
    expect(r.code).toBe(2);
    expect(r.summary).toMatchObject({ command: 'seed', status: 'failed', exitCode: 2, error: { message: expect.stringContaining("required option '--from <dir>' not specified") } });
    expect(await openStore('s3://raw/default', server.env).list('')).toEqual([]);
  }, TIMEOUT);
});
