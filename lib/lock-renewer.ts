/**
 * The worker thread that renews a held pipeline lock ({@link HeldLock.keepAlive}).
 * It has its own event loop and its own store client, opened from the lake's
 * URI, so a long synchronous stretch of the main thread (building features,
 * a training step) cannot starve the renewals: the lease stays alive exactly
 * as long as the process does.
 *
 * Protocol: started with {@link RenewerData}; posts {@link RenewerMessage}s;
 * exits after `lost`; on the message `'stop'` it lets an in-flight renewal
 * finish, then exits, so no renewal lands after the caller goes on to release
 * the lock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PipelineLock, type LockRecord } from './catalog/lock';
import { HeldLock, LockLostError } from './lock';
import { openStore } from './store/open';

/** What the renewer is started with. */
export interface RenewerData {
  /** Storage URI of the lake (`file://…` or `s3://…`), opened in the worker. */
  storeUri: string;
  /** The data set whose pipeline lock it is. */
  dataset: string;
  /** Our record as last written. */
  record: LockRecord;
  /** Lease length, ms; renewals run every third of it. */
  leaseMs: number;
}

/** Messages from the renewer: a renewal written, the lock lost (renewal stops), or a failed renewal (retried at the next one). */
export type RenewerMessage =
  | { type: 'renewed'; record: LockRecord }
  | { type: 'lost'; message: string; holder: LockRecord | undefined }
  | { type: 'error'; name: string; message: string };

function main(port: NonNullable<typeof parentPort>, data: RenewerData): void {
  const lock = new HeldLock(new PipelineLock(openStore(data.storeUri), data.dataset), data.record, data.leaseMs, Date.now);
  let pending: Promise<void> = Promise.resolve();
  const renew = async (): Promise<void> => {
    try {
      await lock.renew();
      port.postMessage({ type: 'renewed', record: lock.current } satisfies RenewerMessage);
    } catch (error) {
      if (error instanceof LockLostError) {
        clearInterval(timer);
        port.postMessage({ type: 'lost', message: error.message, holder: error.holder } satisfies RenewerMessage);
        process.exit(0); // ends this thread; the message posted above is still delivered
      } else {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ type: 'error', name: e.name, message: e.message } satisfies RenewerMessage);
      }
    }
  };
  const timer = setInterval(() => (pending = pending.then(renew)), Math.max(1, Math.floor(data.leaseMs / 3)));
  pending = renew(); // at once, so the time taken to start this thread does not eat into the lease
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    void pending.then(() => process.exit(0));
  });
}

if (parentPort !== null) main(parentPort, workerData as RenewerData);
