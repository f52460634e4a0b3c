/**
 * Runs the built `berserkr` CLI (`dist/cli/berserkr.js`, made by `npm run build`,
 * which `make test` runs first) in a child process, as a user or a script would.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
/** The bundled data set and its configuration, which tests name explicitly: the CLI has no default location. */
export const RETAIL_RAW = join(ROOT, 'data', 'online-retail');
export const RETAIL_CONFIG = join(ROOT, 'config', 'online-retail.yaml');
const CLI = join(ROOT, 'dist', 'cli', 'berserkr.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of the tests less the location variables, which each test sets itself. */
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(BERSERKR_(RAW|LAKE|CONFIG)|RAW_URI|LAKE_URI)$/.test(k)));

/** Runs `berserkr <args>` from the repository root with `env` added to the environment (without the location variables of the tests' own). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (make test does) before the end-to-end tests`);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON log records of a `--log-format json` run's stderr. */
export function jsonLogs(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
