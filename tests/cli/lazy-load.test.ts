/**
 * A command loads only what it needs: `--help` loads no stage (no TF.js, no
 * AWS SDK, no Arrow, no Parquet, no report charts), and `ingest` into a local lake loads
 * neither TF.js nor the AWS SDK, nor parquet-wasm when an encoder thread encodes.
 * Each runs the built CLI in a child process whose preloaded hook lists, at exit,
 * the packages its main thread loaded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli';

const HOOK = `
const Module = require('module');
const loaded = new Set();
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolve.apply(this, args);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
  if (m) loaded.add(m[1]);
  return file;
};
if (require('worker_threads').isMainThread) process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...loaded]) + '\\n'));
`;

/** The packages `berserkr <args>` loaded, and its exit code. */
function packagesOf(hook: string, args: string[]): Promise<{ code: number; packages: string[] }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', hook, join(ROOT, 'dist', 'cli', 'berserkr.js'), ...args], { cwd: ROOT }, (error, _stdout, stderr) => {
      const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), packages: line === undefined ? [] : (JSON.parse(line.slice(7)) as string[]) });
    });
  });
}

describe('what a command loads', () => {
  let dir: string;
  let hook: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-load-'));
    hook = join(dir, 'hook.js');
    writeFileSync(hook, HOOK);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The packages of `packages` named by one of the prefixes `names`. */
  const heavy = (packages: string[], names: string[]): string[] => packages.filter((p) => names.some((n) => p.startsWith(n)));

  test('--help loads commander and no stage', async () => {
    const r = await packagesOf(hook, ['--help']);
    expect(r.code).toBe(0);
    expect(r.packages).toContain('commander');
    expect(heavy(r.packages, ['@tensorflow', '@aws-sdk', 'minio', 'apache-arrow', 'parquet-wasm', 'vega', 'piscina', 'pino'])).toEqual([]);
  });

  test.each([
    ['this thread', '0', ['apache-arrow', 'parquet-wasm'], []],
    ['an encoder thread, which alone loads parquet-wasm', '1', ['apache-arrow', 'piscina'], ['parquet-wasm']],
  ])('ingest into a local lake, encoding on %s, loads neither TF.js nor the AWS SDK', async (_name, threads, loaded, notHere) => {
    const r = await packagesOf(hook, ['ingest', '--raw', 'tests/fixtures/loyalty/raw', '--lake', join(dir, `lake-${threads}`), '--config', 'tests/fixtures/config/loyalty.yaml', '--log-level', 'warn', '--encode-threads', threads]);
    expect(r.code).toBe(0);
    expect(r.packages).toEqual(expect.arrayContaining(loaded));
    expect(heavy(r.packages, ['@tensorflow', '@aws-sdk', '@smithy', 'minio', 'vega', ...notHere])).toEqual([]);
  });
});
