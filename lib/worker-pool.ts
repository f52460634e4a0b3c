/**
 * The worker-thread pool of the platform: a fixed number of threads, each
 * running the default export of one module of this project on tasks from a
 * FIFO queue, on piscina (a maintained pool library). Threads start with the
 * pool and stay until it is destroyed; the module is loaded from the build or
 * from the TypeScript sources alike (`worker.ts`). Why piscina and how the
 * stateful pools use it: `docs/worker-pool.md`.
 *
 * A worker module exports `default (task) => result | Promise<result>`; it
 * reads its per-thread state (model weights, an event index) from
 * `workerData` of `node:worker_threads`, set once for every thread, and does
 * nothing at import: piscina retries a module that throws while loading as an
 * ES module and reports that failure instead. Results whose buffers should move
 * rather than be copied are returned through {@link moveResult}.
 */
import { Piscina, move, transferableSymbol, valueSymbol } from 'piscina';
import { workerModule } from './worker';
import { emitWorkerWarning } from './worker-warnings';

/** Options of {@link startPool}. */
export interface PoolOptions {
  /** Worker threads, ≥ 1, all started at once. */
  threads: number;
  /** Tasks handed to one thread at a time (default 1): more keep a thread busy while its next task crosses over. */
  tasksPerThread?: number;
  /** Structured-clonable data every thread gets as `workerData` (copied per thread). */
  workerData?: unknown;
}

/** A pool of worker threads running one module's default export on tasks `T`, answering `R`. */
export type WorkerPool<T, R> = Piscina<T, R>;

/**
 * Starts `options.threads` threads running the default export of `modulePath`
 * (`.js` when built, else `.ts` through ts-node). Call `destroy()` when done.
 * `run(task, { transferList })` queues a task; it resolves with the module's
 * answer and rejects with what the module threw (structured-cloned: message and
 * stack kept, class not) or with an error when the thread dies. The threads'
 * process warnings are emitted again on this thread's process (`worker-warnings.ts`).
 * @param modulePath path without extension, e.g. `join(__dirname, 'forward-worker')`.
 * @throws RangeError for a thread count below 1; Error when the module is missing.
 */
export function startPool<T, R>(modulePath: string, options: PoolOptions): WorkerPool<T, R> {
  const { threads, workerData, tasksPerThread = 1 } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`worker threads must be an integer >= 1, found ${threads}`);
  const { filename, execArgv } = workerModule(modulePath);
  // atomics 'disabled': tasks may await messages on their own ports, which 'sync' would block between tasks.
  const pool = new Piscina<T, R>({ filename, execArgv, workerData, minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: tasksPerThread, idleTimeout: Infinity, atomics: 'disabled' });
  pool.on('message', (message: unknown) => emitWorkerWarning(message));
  return pool;
}

/**
 * A worker's answer whose `buffers` move to the calling thread instead of being
 * copied (they are unusable in the worker afterwards).
 * @param value the answer, holding views of `buffers`.
 */
export function moveResult<R extends object>(value: R, buffers: ArrayBuffer[]): R {
  return move({ [transferableSymbol]: buffers, [valueSymbol]: value }) as unknown as R;
}

/** The buffer of `bytes` as a transfer list, when the view spans it whole (else none: the bytes are copied). */
export function wholeBuffer(bytes: Uint8Array | undefined): ArrayBuffer[] {
  return bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer as ArrayBuffer] : [];
}

/** The text of a thrown value with its class name, for errors that cross a thread boundary by message: `Name: message`. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
