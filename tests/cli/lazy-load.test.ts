/**
 * A command loads only what it needs: `--help` loads no stage (no TF.js, no
 * AWS SDK, no Parquet, no report charts), and `ingest` into a local lake loads
 * neither TF.js nor the AWS SDK. Each runs the built CLI in a child process
 * whose preloaded hook lists, at exit, the packages it loaded.
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
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...loaded]) + '\\n'));
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
    expect(heavy(r.packages, ['@tensorflow', '@aws-sdk', 'minio', 'parquet-wasm', 'vega', 'piscina', 'pino'])).toEqual([]);
  });

  test('ingest into a local lake loads neither TF.js nor the AWS SDK', async () => {
    const r = await packagesOf(hook, ['ingest', '--raw', 'tests/fixtures/loyalty/raw', '--lake', join(dir, 'lake'), '--config', 'tests/fixtures/config/loyalty.yaml', '--log-level', 'warn']);
    expect(r.code).toBe(0);
    expect(r.packages).toEqual(expect.arrayContaining(['apache-arrow', 'parquet-wasm']));
    expect(heavy(r.packages, ['@tensorflow', '@aws-sdk', '@smithy', 'minio', 'vega'])).toEqual([]);
  });
});
