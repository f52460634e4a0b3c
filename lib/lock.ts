/**
 * The pipeline lock protocol over one object `locks/<data set>.json` of the lake
 * (`catalog/lock.ts`: its key, schema and reads) that says who
 * runs the data set's pipeline now (host, pid, run id) and until when (a lease).
 * Only one pipeline of a data set runs at a time across processes and machines
 * that share the lake;
 * a crashed holder stops blocking others once its lease expires.
 *
 * Protocol:
 * 1. read the lock; when it is held and its lease has not expired, give up (or wait);
 * 2. when there is no lock object and the store has a conditional create
 *    (`ObjectStore.putIfAbsent`: a folder lake, or an S3 server that honours
 *    `If-None-Match: *`, as AWS S3 and MinIO do), create our record (with a random
 *    token, one per attempt, so a late write of ours is known as ours) in one
 *    atomic step: we own the lock if it was written; when refused, start over
 *    (the lock read back may be ours: a retried create finding its first attempt);
 * 3. otherwise (a stale lock to take over, a store without it: an S3-compatible
 *    server that ignores the header, such as s3rver; or a create refused with no
 *    lock to read) write our record, wait `settleMs`, read it again, and own the
 *    lock only if the token is ours.
 *
 * Remaining race window of step 3: two contenders that both read "free" (or the
 * same stale lock) and whose writes land more than `settleMs` apart can both win
 * (the earlier one re-read before the later write landed). The same holds for a
 * step-2 creator and a step-3 writer that read the lock before the create (a
 * stale lock released meanwhile): the creator does not re-read. The holder renews its lease every `leaseMs / 3`
 * and each renewal re-reads the lock first, so it detects the take-over at its
 * next renewal ({@link LockLostError}) and stops after its current step. A renewal
 * comes too late for a holder that was paused (SIGSTOP, a suspended VM) past its
 * lease and resumes in the middle of a step: before each write that commits the
 * data set's shared state the holder therefore checks the lock itself
 * ({@link HeldLock.verify}, the fence), and writes nothing when it is no longer its own.
 *
 * Liveness: the lease is renewed from a worker thread ({@link HeldLock.keepAlive}),
 * so a holder whose main thread is busy for longer than the lease keeps it; a
 * holder that died stops renewing. A holder on this host (same hostname) whose
 * process is gone (`kill(pid, 0)` fails with ESRCH) is taken over at once
 * instead of after its lease. Hostnames must therefore be unique among the
 * machines and containers sharing a lake (Docker and Kubernetes give each
 * container its own by default).
 *
 * Release is read-then-delete, with the same kind of window: a contender whose
 * write lands between our read and our delete loses its record; it notices at
 * its settle re-read (and tries again) or at its next renewal.
 *
 * Leases compare wall-clock times of different machines: keep clocks in sync
 * (NTP) to well under the lease.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LockOwner, LockRecord, PipelineLock } from './catalog/lock';
import type { RenewerData, RenewerMessage } from './lock-renewer';
import { parseStoreUri } from './store/open';
import { ConditionalWriteUnsupportedError } from './store/store';
import { onWorkerMessage, startWorker } from './worker';

/** Another owner holds an unexpired lease. */
export class LockHeldError extends Error {
  constructor(readonly uri: string, readonly holder: LockRecord) {
    super(`lock ${uri} is held by ${describeOwner(holder.owner)} until ${holder.expiresAt}`);
    this.name = 'LockHeldError';
  }
}

/**
 * We held the lock, but another owner's record replaced ours (our lease expired, or the race of the module notes),
 * the lock object is gone, or our lease ended by our clock ({@link HeldLock.verify}).
 * Message: `lock <uri> of run <id> (pid <pid> on <host>) was lost: <why>[; <refused> not written]`.
 */
export class LockLostError extends Error {
  /**
   * @param uri the lock object's URI.
   * @param ours our owner fields.
   * @param holder the record stored now (another owner's, or ours when our lease ended), undefined when the lock object is gone.
   * @param why what was found, when not another owner or no lock object (the default text), e.g. that our lease ended.
   * @param refused what the run was about to write and did not, e.g. `<lake>/exports/<data set>/latest.json`.
   */
  constructor(
    readonly uri: string,
    readonly ours: LockOwner,
    readonly holder: LockRecord | undefined,
    why?: string,
    readonly refused?: string,
  ) {
    const found = why ?? (holder ? `now held by ${describeOwner(holder.owner)}` : 'the lock object is gone');
    super(`lock ${uri} of ${describeOwner(ours)} was lost: ${found}${refused === undefined ? '' : `; ${refused} not written`}`);
    this.name = 'LockLostError';
  }
}

/** `run <id> (pid <pid> on <host>)`. */
export function describeOwner(owner: LockOwner): string {
  return `run ${owner.runId} (pid ${owner.pid} on ${owner.host})`;
}

/**
 * The shortest lease a lock may be configured with (10 s). The holder renews
 * every third of the lease, and a renewal is a read and a write of the store,
 * each retried with backoff on errors; a renewal slowed by a store latency
 * spike must still land before the lease ends, or another run takes the lock
 * over. A 10 s lease leaves a renewal more than 6 s, two renewal intervals.
 */
export const MIN_LEASE_MS = 10_000;

export interface LockOptions {
  /** Lease length in ms (default 120 000); the holder renews every third of it. */
  leaseMs?: number;
  /** Wait between our write and the re-read that confirms ownership, ms (default 2 000). */
  settleMs?: number;
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Sleep; default a timer (tests pass a fake one). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Called when the store turned out to have no conditional create (an S3 server that ignores
   * `If-None-Match`), so the lock is taken by write, settle and re-read (for a log line).
   */
  onNoConditionalCreate?: (error: ConditionalWriteUnsupportedError) => void;
  /** Whether process `pid` of this host is alive; default {@link processAlive}. */
  alive?: (pid: number) => boolean;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * Whether process `pid` exists on this host: `kill(pid, 0)` sends nothing and
 * fails with ESRCH only when there is no such process (EPERM means it exists
 * under another user).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether a lock record no longer holds: its lease expired at `now`, or its
 * holder is a process of this host (`host` equal to `hostname()`) that is gone.
 */
export function isStale(holder: LockRecord, now: number, alive: (pid: number) => boolean = processAlive): boolean {
  return Date.parse(holder.expiresAt) <= now || (holder.owner.host === hostname() && !alive(holder.owner.pid));
}

/** Whether two owner fields name the same run of the same process. */
function sameOwner(a: LockOwner, b: LockOwner): boolean {
  return a.host === b.host && a.pid === b.pid && a.runId === b.runId;
}

/** Owner fields of this process for run `runId`. */
export function currentOwner(runId: string): LockOwner {
  return { host: hostname(), pid: process.pid, runId };
}

/** A lock this process holds. */
export class HeldLock {
  private record: LockRecord;
  /** Set when the renewer found the lock lost ({@link keepAlive}): {@link verify} refuses at once. */
  private lost: LockLostError | undefined;

  constructor(
    private readonly lock: PipelineLock,
    record: LockRecord,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {
    this.record = record;
  }

  /** The record as last written by us. */
  get current(): LockRecord {
    return { ...this.record, owner: { ...this.record.owner } };
  }

  /** `s3://lake/locks/online-retail.json`-style URI, for messages. */
  get uri(): string {
    return this.lock.uri;
  }

  /**
   * Extends the lease to now + `leaseMs`, after checking the stored record is still ours.
   * @throws LockLostError when another owner's record (or none) is stored; store errors unchanged.
   */
  async renew(): Promise<void> {
    const stored = await this.lock.load();
    if (stored?.token !== this.record.token) throw new LockLostError(this.uri, this.record.owner, stored);
    const t = this.now();
    const next: LockRecord = { ...this.record, renewedAt: new Date(t).toISOString(), expiresAt: new Date(t + this.leaseMs).toISOString() };
    await this.lock.save(next);
    this.record = next;
  }

  /**
   * The fence before a write that commits the data set's shared state (the ingest ledger, the
   * latest-export pointer and its copies, the champion pointer): checks that this process still
   * holds the lock, so that a run that lost it (paused past its lease, then taken over) writes
   * nothing instead of overwriting the new holder's state. It reads the stored lock and requires
   * our token and owner, and a lease, as stored by our renewals, that has not ended by our clock
   * (a lease that ended may be taken over at any moment, even when nobody has yet). A renewal
   * that already found the lock lost refuses at once, without reading. One window remains: a
   * pause between this check and the write that follows it.
   * @param refused what the caller is about to write (a URI), named in the error.
   * @throws LockLostError (with `refused`) when the lock is another owner's or gone, our lease ended,
   *   or the renewer reported it lost; DatasetFormatError for a lock object that is not a lock record;
   *   store errors unchanged (the caller writes nothing then either).
   */
  async verify(refused?: string): Promise<void> {
    if (this.lost !== undefined) throw new LockLostError(this.uri, this.lost.ours, this.lost.holder, undefined, refused);
    const ours = this.record;
    const stored = await this.lock.load();
    if (stored === undefined || stored.token !== ours.token || !sameOwner(stored.owner, ours.owner)) {
      throw new LockLostError(this.uri, ours.owner, stored, undefined, refused);
    }
    const t = this.now();
    const ends = Date.parse(stored.expiresAt);
    if (ends <= t) {
      const why = `its lease ended at ${stored.expiresAt}, ${t - ends} ms ago by this host's clock (the run was paused or the renewals failed for longer than the lease), so another run may take it over`;
      throw new LockLostError(this.uri, ours.owner, stored, why, refused);
    }
  }

  /**
   * Deletes the lock when it is still ours; a lock taken over meanwhile is left alone.
   * @returns whether our record was deleted.
   */
  async release(): Promise<boolean> {
    const stored = await this.lock.load();
    if (stored?.token !== this.record.token) return false;
    await this.lock.delete();
    return true;
  }

  /**
   * Renews the lease every `leaseMs / 3` ms, from a worker thread
   * (`lock-renewer.ts`) with its own event loop and store client, until the
   * returned function is called: a busy main thread cannot starve the lease.
   * `onLost` gets the {@link LockLostError} (renewal then stops, and {@link verify} refuses from then on); other renewal
   * errors (store unreachable for a while) go to `onError` and renewal goes on.
   * Both are called on this thread, when its event loop is next free.
   * @returns stop: resolves once the worker has finished any renewal in flight
   *   and exited, so no renewal lands after it (call it before {@link release}).
   * @throws InvalidStoreUriError when the store cannot be opened from its URI in
   *   another thread (only `file://` and `s3://` stores can).
   */
  keepAlive(onLost: (error: LockLostError) => void, onError: (error: unknown) => void): () => Promise<void> {
    parseStoreUri(this.lock.store.uri);
    const data: RenewerData = { storeUri: this.lock.store.uri, dataset: this.lock.dataset, record: this.record, leaseMs: this.leaseMs };
    const worker = startWorker(join(__dirname, 'lock-renewer'), { workerData: data });
    worker.unref(); // a renewer never keeps the process alive
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    onWorkerMessage<RenewerMessage>(worker, (message) => {
      if (message.type === 'renewed') this.record = message.record;
      else if (message.type === 'lost') {
        this.lost = new LockLostError(this.uri, this.record.owner, message.holder);
        onLost(this.lost);
      } else onError(Object.assign(new Error(message.message), { name: message.name }));
    });
    worker.on('error', onError);
    return async () => {
      worker.ref(); // the process waits for the renewal in flight
      worker.postMessage('stop');
      await exited;
    };
  }
}

/** Outcome of {@link tryAcquireLock}: the lock, or the record of whoever holds it. */
export type AcquireResult = { acquired: true; lock: HeldLock } | { acquired: false; holder: LockRecord };

/**
 * One attempt to take the lock (protocol in the module notes). A stale lock
 * ({@link isStale}: lease expired, or holder dead on this host) is taken over;
 * the caller can log `holder` of a failed attempt.
 * @throws DatasetFormatError for a lock object that is not a lock record; store errors unchanged.
 */
export function tryAcquireLock(lock: PipelineLock, owner: LockOwner, options: LockOptions = {}): Promise<AcquireResult> {
  return attempt(lock, owner, randomBytes(8).toString('hex'), options);
}

/**
 * {@link tryAcquireLock} with one token for all of its writes, so that a write
 * of ours that lands late (a retried request) is recognised as ours.
 */
async function attempt(lock: PipelineLock, owner: LockOwner, token: string, options: LockOptions): Promise<AcquireResult> {
  const leaseMs = options.leaseMs ?? 120_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const live = (record: LockRecord | undefined): record is LockRecord => record !== undefined && !isStale(record, now(), options.alive);
  const held = (record: LockRecord): AcquireResult => ({ acquired: true, lock: new HeldLock(lock, record, leaseMs, now) });
  const existing = await lock.load();
  if (live(existing)) return existing.token === token ? held(existing) : { acquired: false, holder: existing };
  const t = now();
  const record: LockRecord = {
    schema: 'berserkr.lock/1',
    owner,
    token,
    acquiredAt: new Date(t).toISOString(),
    renewedAt: new Date(t).toISOString(),
    expiresAt: new Date(t + leaseMs).toISOString(),
  };
  if (existing === undefined) {
    let created: boolean | undefined;
    try {
      created = await lock.create(record);
    } catch (err) {
      if (!(err instanceof ConditionalWriteUnsupportedError)) throw err;
      options.onNoConditionalCreate?.(err);
    }
    if (created === true) return held(record);
    if (created === false) {
      // Refused: another contender's lock, or ours when a retried create found what its lost first attempt wrote.
      const stored = await lock.load();
      if (stored !== undefined) return attempt(lock, owner, token, options);
      // Refused, yet nothing to read (a store that counts a deleted key as present): write, settle and re-read below.
    }
  }
  await lock.save(record);
  await sleep(options.settleMs ?? 2_000);
  const stored = await lock.load();
  if (stored?.token !== token) {
    if (stored === undefined) return attempt(lock, owner, token, options);
    return { acquired: false, holder: stored };
  }
  return held(record);
}

/**
 * Takes the lock, waiting while another owner holds it: polls every `pollMs`
 * (default a tenth of the lease, at most 10 s) until it is released or its lease
 * expires, or `signal` aborts.
 * @param onWait called once per failed attempt with the holder (for logging).
 * @throws the signal's reason when aborted; as {@link tryAcquireLock}.
 */
export async function acquireLock(
  lock: PipelineLock,
  owner: LockOwner,
  options: LockOptions & { pollMs?: number; signal?: AbortSignal; onWait?: (holder: LockRecord) => void } = {},
): Promise<HeldLock> {
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal));
  const pollMs = options.pollMs ?? Math.min(10_000, Math.max(100, Math.floor((options.leaseMs ?? 120_000) / 10)));
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await tryAcquireLock(lock, owner, options);
    if (result.acquired) return result.lock;
    options.onWait?.(result.holder);
    await sleep(pollMs);
  }
}
