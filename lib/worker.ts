/**
 * Starting worker threads from a module of this project, whether it runs from
 * the compiled build (`dist/…/x.js`) or from the TypeScript sources under
 * ts-jest (`…/x.ts`, loaded through ts-node's transpile-only register hook, a
 * dev dependency). Both the pools (`worker-pool.ts`) and the hand-made threads
 * (`training/data-parallel.ts`, `lock-renewer.ts`) start their threads this way,
 * and no thread starts otherwise: each loads `worker-preload.ts` first, which
 * posts the thread's process warnings to its parent (`worker-warnings.ts`), where
 * they are logged as the parent's own. A parent listens to a thread's own
 * messages through {@link onWorkerMessage}, which leaves those out.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { emitWorkerWarning, isWorkerWarning } from './worker-warnings';

/** The file a worker thread runs and the Node.js options it needs to run it. */
export interface WorkerModule {
  /** Absolute path of the `.js` or `.ts` file. */
  filename: string;
  /**
   * Extra `execArgv` of the thread: the ts-node hook when the module or the preload
   * is a `.ts` file, then `--require` of `worker-preload`.
   */
  execArgv: string[];
}

/** `modulePath` + `.js` when that file exists, else + `.ts`. */
function sourceFile(modulePath: string): string {
  if (existsSync(`${modulePath}.js`)) return `${modulePath}.js`;
  if (existsSync(`${modulePath}.ts`)) return `${modulePath}.ts`;
  throw new Error(`worker module not found: neither ${modulePath}.js nor ${modulePath}.ts exists`);
}

/**
 * Resolves a worker module: `modulePath` + `.js` when that file exists, else `.ts`,
 * and the options that load `worker-preload` before it.
 * Looks at the file system when called, never at import.
 * @param modulePath path without extension, e.g. `join(__dirname, 'train-worker')`.
 * @throws Error naming both paths when neither exists.
 */
export function workerModule(modulePath: string): WorkerModule {
  const filename = sourceFile(modulePath);
  const preload = sourceFile(join(__dirname, 'worker-preload'));
  const tsNode = [filename, preload].some((f) => f.endsWith('.ts')) ? ['--require', 'ts-node/register/transpile-only'] : [];
  return { filename, execArgv: [...tsNode, '--require', preload] };
}

/**
 * A worker thread running {@link workerModule}(`modulePath`), whose process
 * warnings are emitted again on this thread's process (`worker-warnings.ts`).
 * @throws Error naming both paths when neither file exists.
 */
export function startWorker(modulePath: string, options: WorkerOptions = {}): Worker {
  const { filename, execArgv } = workerModule(modulePath);
  const worker = new Worker(filename, { ...options, execArgv: [...(options.execArgv ?? []), ...execArgv] });
  worker.on('message', (message: unknown) => emitWorkerWarning(message));
  return worker;
}

/**
 * Calls `listener` with each message of a thread from {@link startWorker} except
 * the process warnings it forwards (which `startWorker` emits on this thread).
 * @example
 * onWorkerMessage<RenewerMessage>(worker, (message) => console.log(message.type));
 */
export function onWorkerMessage<M>(worker: Worker, listener: (message: M) => void): void {
  worker.on('message', (message: unknown) => {
    if (!isWorkerWarning(message)) listener(message as M);
  });
}
