/**
 * Process warnings of worker threads, carried to the thread that started them.
 * A worker thread has its own `process` events: a warning emitted in it (say, the
 * AWS SDK's notice about the Node version when a thread opens its own S3 client)
 * would reach Node's default printer there, as plain text on stderr, and not the
 * command's logger, which only listens in the main thread (`routeProcessWarnings`
 * in `log.ts`). Every thread started through `worker.ts` loads
 * `worker-preload.ts` first, which posts each warning of the thread to its parent
 * ({@link postWarningsToParent}); the parent re-emits it on its own `process`
 * ({@link emitWorkerWarning}), so it is logged as the parent's own warnings are.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';

/** A warning of a worker thread, as posted to its parent (`worker.on('message')`, a pool's `'message'`). */
export interface WorkerWarningMessage {
  type: 'worker-warning';
  /** The warning's class name, e.g. `Warning`, `DeprecationWarning`. */
  name: string;
  message: string;
  /** Node's code of the warning, e.g. `DEP0005`, when it has one. */
  code?: string;
}

/** Whether a message from a worker thread is a forwarded warning (which protocol handlers skip). */
export function isWorkerWarning(message: unknown): message is WorkerWarningMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'worker-warning';
}

/**
 * In a worker thread: replaces the thread's `warning` listeners (Node's printer
 * among them) with one posting each warning to the parent as a {@link WorkerWarningMessage}.
 * Does nothing in the main thread (`port` null).
 * @param port the thread's port to its parent; default `parentPort`.
 * @param proc the thread's process (tests pass an emitter of their own).
 */
export function postWarningsToParent(port: Pick<MessagePort, 'postMessage'> | null = parentPort, proc: Pick<NodeJS.EventEmitter, 'on' | 'removeAllListeners'> = process): void {
  if (port === null) return;
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error & { code?: unknown }) => {
    const code = typeof warning.code === 'string' ? { code: warning.code } : {};
    port.postMessage({ type: 'worker-warning', name: warning.name, message: warning.message, ...code } satisfies WorkerWarningMessage);
  });
}

/**
 * In the parent of a worker thread: emits a {@link WorkerWarningMessage} as a
 * warning of this thread (`process.emitWarning`), with the worker's name, code
 * and message; other messages are left alone.
 * @returns whether `message` was a forwarded warning.
 */
export function emitWorkerWarning(message: unknown, proc: Pick<NodeJS.Process, 'emitWarning'> = process): boolean {
  if (!isWorkerWarning(message)) return false;
  const warning = Object.assign(new Error(message.message), { name: message.name }, message.code === undefined ? {} : { code: message.code });
  proc.emitWarning(warning);
  return true;
}
