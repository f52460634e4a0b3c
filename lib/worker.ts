/**
 * Starting worker threads from a module of this project, whether it runs from
 * the compiled build (`dist/…/x.js`) or from the TypeScript sources under
 * ts-jest (`…/x.ts`, loaded through ts-node's transpile-only register hook, a
 * dev dependency). Both the pools (`worker-pool.ts`) and the one hand-made
 * thread group (`training/data-parallel.ts`) start their threads this way.
 */
import { existsSync } from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The file a worker thread runs and the Node.js options it needs to run it. */
export interface WorkerModule {
  /** Absolute path of the `.js` or `.ts` file. */
  filename: string;
  /** Extra `execArgv` of the thread: the ts-node hook for a `.ts` file, else none. */
  execArgv: string[];
}

/**
 * Resolves a worker module: `modulePath` + `.js` when that file exists, else `.ts`.
 * Looks at the file system when called, never at import.
 * @param modulePath path without extension, e.g. `join(__dirname, 'train-worker')`.
 * @throws Error naming both paths when neither exists.
 */
export function workerModule(modulePath: string): WorkerModule {
  if (existsSync(`${modulePath}.js`)) return { filename: `${modulePath}.js`, execArgv: [] };
  if (existsSync(`${modulePath}.ts`)) return { filename: `${modulePath}.ts`, execArgv: ['--require', 'ts-node/register/transpile-only'] };
  throw new Error(`worker module not found: neither ${modulePath}.js nor ${modulePath}.ts exists`);
}

/**
 * A worker thread running {@link workerModule}(`modulePath`).
 * @throws Error naming both paths when neither file exists.
 */
export function startWorker(modulePath: string, options: WorkerOptions = {}): Worker {
  const { filename, execArgv } = workerModule(modulePath);
  return new Worker(filename, { ...options, execArgv: [...(options.execArgv ?? []), ...execArgv] });
}
