/**
 * Runs the built `berserkr` CLI (`dist/cli/berserkr.js`, made by `npm run build`,
 * which `make test` runs first) in a child process, as a user or a script would.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'berserkr.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `berserkr <args>` from the repository root with `env` added to the environment. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (make test does) before the end-to-end tests`);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
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
