/**
 * Starting a worker thread from a module of this project, whether it runs from
 * the compiled build (`dist/…/x.js`) or from the TypeScript sources under
 * ts-jest (`…/x.ts`, loaded through ts-node's transpile-only register hook, a
 * dev dependency).
 */
import { existsSync } from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker running `modulePath` + `.js` when that file exists, else `.ts`.
 * @param modulePath path without extension, e.g. `join(__dirname, 'train-worker')`.
 * @throws Error naming both paths when neither exists.
 */
export function startWorker(modulePath: string, options: WorkerOptions = {}): Worker {
  if (existsSync(`${modulePath}.js`)) return new Worker(`${modulePath}.js`, options);
  if (existsSync(`${modulePath}.ts`)) {
    return new Worker(`${modulePath}.ts`, { ...options, execArgv: [...(options.execArgv ?? []), '--require', 'ts-node/register/transpile-only'] });
  }
  throw new Error(`worker module not found: neither ${modulePath}.js nor ${modulePath}.ts exists`);
}
