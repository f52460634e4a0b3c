/**
 * The pipeline lock (lib/lock.ts) on an in-memory store with a fake clock and
 * sleep; its conditional create on a folder lake and on S3 servers that honour
 * or ignore `If-None-Match`; its renewal from a worker thread on a file store with a real clock;
 * the fence (`HeldLock.verify`) a holder passes before each write of shared state.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFormatError, PipelineLock, type LockRecord } from '../../lib/catalog';
import { acquireLock, HeldLock, LockLostError, tryAcquireLock, type AcquireResult } from '../../lib/lock';
import { FileStore } from '../../lib/store/file';
import { openStore } from '../../lib/store/open';
import type { ObjectStore } from '../../lib/store/store';
import { MemoryStore } from '../helpers/memory-store';
import { startS3Server, type S3Server } from '../helpers/s3server';

/** The lock object, where every lake has kept it. */
const LOCK_KEY = 'locks/online-retail.json';
const lockOf = (store: ObjectStore): PipelineLock => new PipelineLock(store, 'online-retail');

const owner = (runId: string) => ({ host: 'host-a', pid: 100, runId });

function clock(start = Date.UTC(2011, 11, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), sleep: async () => undefined };
}

describe('pipeline lock', () => {
  it('writes locks/online-retail.json with owner, acquired-at and lease expiry, and releases it', async () => {
    const store = new MemoryStore();
    const c = clock();
    const result = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    expect(result.acquired).toBe(true);
    const stored = await lockOf(store).load();
    expect(stored).toMatchObject({ owner: owner('r1'), acquiredAt: '2011-12-01T00:00:00.000Z', expiresAt: '2011-12-01T00:01:00.000Z' });
    expect(await (result as { lock: HeldLock }).lock.release()).toBe(true);
    expect(await store.head(LOCK_KEY)).toBeUndefined();
  });

  it('refuses a second owner while the lease runs, and names the holder', async () => {
    const store = new MemoryStore();
    const c = clock();
    await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    c.advance(59_999);
    const second = await tryAcquireLock(lockOf(store), owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    expect(second).toEqual({ acquired: false, holder: expect.objectContaining({ owner: owner('r1') }) });
  });

  it('takes over a stale lock after its lease, and the old holder learns it lost the lock', async () => {
    const store = new MemoryStore();
    const c = clock();
    const first = await tryAcquireLock(lockOf(store), owner('crashed'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    c.advance(60_000);
    const second = await tryAcquireLock(lockOf(store), owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    expect(second.acquired).toBe(true);
    expect((await lockOf(store).load())?.owner.runId).toBe('r2');
    const stale = (first as { lock: HeldLock }).lock;
    await expect(stale.renew()).rejects.toThrow(LockLostError);
    await expect(stale.renew()).rejects.toThrow(/of run crashed \(pid 100 on host-a\) was lost: now held by run r2/);
    expect(await stale.release()).toBe(false);
    expect((await lockOf(store).load())?.owner.runId).toBe('r2');
  });

  it('renewal extends the lease, so a live holder is never taken over', async () => {
    const store = new MemoryStore();
    const c = clock();
    const held = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    c.advance(50_000);
    await (held as { lock: HeldLock }).lock.renew();
    c.advance(50_000);
    expect((await tryAcquireLock(lockOf(store), owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep })).acquired).toBe(false);
    expect((await lockOf(store).load())?.expiresAt).toBe('2011-12-01T00:01:50.000Z');
  });

  it('loses a race when another write lands during the settle time', async () => {
    const store = new MemoryStore();
    const c = clock();
    const sneaky = async () => {
      // the other contender's write lands between our write and our re-read
      await store.put(LOCK_KEY, JSON.stringify({ ...(await lockOf(store).load())!, owner: owner('other'), token: 'ffffffffffffffff' }));
    };
    const result = await tryAcquireLock(lockOf(store), owner('r1'), { now: c.now, sleep: sneaky });
    expect(result).toEqual({ acquired: false, holder: expect.objectContaining({ owner: owner('other') }) });
  });

  it('waits for the holder to release, polling, and stops waiting when aborted', async () => {
    const store = new MemoryStore();
    const c = clock();
    const first = await tryAcquireLock(lockOf(store), owner('r1'), { now: c.now, sleep: c.sleep });
    let polls = 0;
    const sleep = async () => {
      if (++polls === 3) await (first as { lock: HeldLock }).lock.release();
    };
    const seen: string[] = [];
    const lock = await acquireLock(lockOf(store), owner('r2'), { now: c.now, sleep, onWait: (h) => seen.push(h.owner.runId) });
    expect(lock.current.owner.runId).toBe('r2');
    expect(seen).toEqual(['r1', 'r1', 'r1']);
    const controller = new AbortController();
    controller.abort(new Error('received SIGTERM'));
    await expect(acquireLock(lockOf(store), owner('r3'), { now: c.now, sleep: c.sleep, signal: controller.signal })).rejects.toThrow('received SIGTERM');
  });

  it('reports a lock object that is not a lock record, naming it', async () => {
    const store = new MemoryStore();
    await store.put(LOCK_KEY, '{"schema":"berserkr.lock/1"}');
    await expect(lockOf(store).load()).rejects.toThrow(DatasetFormatError);
    await expect(lockOf(store).load()).rejects.toThrow(/invalid lock memory:\/\/test\/locks\/online-retail.json: field owner: Required/);
  });

  it('takes over at once a lock whose holder is a dead process on this host, not a live one or one elsewhere', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: kill(pid, 0) fails with ESRCH
    const c = clock();
    const holdBy = async (store: MemoryStore, host: string, pid: number) => {
      expect((await tryAcquireLock(lockOf(store), { host, pid, runId: 'holder' }, { leaseMs: 60_000, now: c.now, sleep: c.sleep })).acquired).toBe(true);
      return tryAcquireLock(lockOf(store), owner('next'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    };
    const taken = await holdBy(new MemoryStore(), hostname(), dead);
    expect(taken.acquired).toBe(true);
    expect(await holdBy(new MemoryStore(), hostname(), process.pid)).toEqual({ acquired: false, holder: expect.objectContaining({ owner: { host: hostname(), pid: process.pid, runId: 'holder' } }) });
    expect((await holdBy(new MemoryStore(), `not-${hostname()}`, dead)).acquired).toBe(false);
  });
});

describe('pipeline lock fence (HeldLock.verify)', () => {
  const LATEST = 'memory://test/exports/online-retail/latest.json';
  const hold = async (store: MemoryStore, c: ReturnType<typeof clock>): Promise<HeldLock> => {
    const result = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    return (result as { lock: HeldLock }).lock;
  };
  const refusal = (lock: HeldLock): Promise<LockLostError> => lock.verify(LATEST).then(() => Promise.reject(new Error('the fence let the write through')), (e: LockLostError) => e);

  it('lets the write through while the lock is ours and its lease runs, and writes nothing itself', async () => {
    const store = new MemoryStore();
    const c = clock();
    const lock = await hold(store, c);
    const puts = store.puts.length;
    c.advance(59_999);
    await expect(lock.verify(LATEST)).resolves.toBeUndefined();
    expect(store.puts).toHaveLength(puts);
  });

  it('refuses once another run took the lock over, naming it and what is not written', async () => {
    const store = new MemoryStore();
    const c = clock();
    const lock = await hold(store, c);
    c.advance(60_000);
    expect((await tryAcquireLock(lockOf(store), owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep })).acquired).toBe(true);
    const error = await refusal(lock);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ name: 'LockLostError', refused: LATEST, holder: expect.objectContaining({ owner: owner('r2') }) });
    expect(error.message).toBe(`lock memory://test/locks/online-retail.json of run r1 (pid 100 on host-a) was lost: now held by run r2 (pid 100 on host-a); ${LATEST} not written`);
  });

  it('refuses when the lock object is gone, or holds our owner with another token (a later acquisition of the same run)', async () => {
    const store = new MemoryStore();
    const c = clock();
    const lock = await hold(store, c);
    await store.put(LOCK_KEY, JSON.stringify({ ...lock.current, token: 'ffffffffffffffff' }));
    expect((await refusal(lock)).message).toMatch(/ was lost: now held by run r1 \(pid 100 on host-a\); /);
    await store.delete(LOCK_KEY);
    expect((await refusal(lock)).message).toMatch(/ was lost: the lock object is gone; memory:\/\/test\/exports\/online-retail\/latest\.json not written$/);
  });

  it('refuses when its own lease ended by its clock, even before anyone took the lock over', async () => {
    const store = new MemoryStore();
    const c = clock();
    const lock = await hold(store, c);
    c.advance(60_001);
    const error = await refusal(lock);
    expect(error.message).toBe(
      'lock memory://test/locks/online-retail.json of run r1 (pid 100 on host-a) was lost: its lease ended at 2011-12-01T00:01:00.000Z, 1 ms ago by this host\'s clock '
        + `(the run was paused or the renewals failed for longer than the lease), so another run may take it over; ${LATEST} not written`,
    );
    expect((await lockOf(store).load())?.token).toBe(lock.current.token); // nothing written: the lock is as it was
  });

  it('takes the lease as stored by the renewals, which the renewer thread writes before this thread hears of them', async () => {
    const store = new MemoryStore();
    const c = clock();
    const lock = await hold(store, c);
    // The renewer's own HeldLock renews the same record in the store; this thread's copy still ends at 00:01:00.
    const renewer = new HeldLock(lockOf(store), lock.current, 60_000, c.now);
    c.advance(50_000);
    await renewer.renew();
    c.advance(50_000);
    expect(lock.current.expiresAt).toBe('2011-12-01T00:01:00.000Z');
    await expect(lock.verify(LATEST)).resolves.toBeUndefined();
  });
});

describe.each([
  ['a folder lake', 'folder'],
  ['an S3 lake whose server honours If-None-Match', 's3'],
] as const)('pipeline lock on %s (conditional create)', (_name, kind) => {
  let dir: string;
  let server: S3Server | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-lock-create-'));
    if (kind === 's3') server = await startS3Server(['lake'], { conditionalWrites: true });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const lake = (name: string): ObjectStore => (server === undefined ? new FileStore(join(dir, name)) : openStore(`s3://lake/${name}`, server.env));
  const noSettle = async () => {
    throw new Error('no settle wait expected');
  };

  it('creates a free lock in one step, without the settle wait, and one of many contenders at once wins', async () => {
    const c = clock();
    const store = lake('one');
    const first = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: noSettle });
    expect(first.acquired).toBe(true);
    expect(await tryAcquireLock(lockOf(store), owner('r2'), { leaseMs: 60_000, now: c.now, sleep: noSettle })).toEqual({ acquired: false, holder: expect.objectContaining({ owner: owner('r1') }) });
    expect(await (first as { lock: HeldLock }).lock.release()).toBe(true);

    const many = lake('many');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => tryAcquireLock(lockOf(many), owner(`c${i}`), { leaseMs: 60_000, now: c.now, sleep: noSettle })));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    expect((await lockOf(many).load())?.token).toBe((winners[0] as { lock: HeldLock }).lock.current.token);
  });

  it('takes a stale lock over by writing and waiting the settle time, as on any store', async () => {
    const c = clock();
    const store = lake('stale');
    expect((await tryAcquireLock(lockOf(store), owner('crashed'), { leaseMs: 60_000, now: c.now, sleep: noSettle })).acquired).toBe(true);
    c.advance(60_000);
    let settled = 0;
    const second = await tryAcquireLock(lockOf(store), owner('r2'), { leaseMs: 60_000, now: c.now, sleep: async () => void settled++ });
    expect([second.acquired, settled]).toEqual([true, 1]);
    expect((await lockOf(store).load())?.owner.runId).toBe('r2');
  });
});

describe('pipeline lock with a conditional create that is refused', () => {
  /** A store whose conditional create is refused; `landed` is called with what it was asked to write. */
  const refusing = (landed: (store: MemoryStore, key: string, body: Uint8Array | string) => Promise<void>) =>
    new (class extends MemoryStore {
      async putIfAbsent(key: string, body: Uint8Array | string): Promise<undefined> {
        await landed(this, key, body);
        return undefined;
      }
    })();
  const tokenOf = (result: AcquireResult) => (result as { lock: HeldLock }).lock.current.token;

  it('owns the lock when the retried create is refused because its first attempt landed', async () => {
    // The first attempt lands, its response is lost, and the SDK's retry finds the object: refused.
    const store = refusing((s, key, body) => s.put(key, body).then(() => undefined));
    const c = clock();
    const result = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: () => Promise.reject(new Error('no settle wait expected')) });
    expect(result.acquired).toBe(true);
    expect((await lockOf(store).load())?.token).toBe(tokenOf(result));
  });

  it('owns the lock when its first attempt lands only after the create was refused (409 while in flight)', async () => {
    let inFlight: { key: string; body: Uint8Array | string } | undefined;
    const store = refusing(async (_s, key, body) => void (inFlight = { key, body }));
    const c = clock();
    // The first attempt lands while the lock settles after its own write.
    const sleep = async () => void (inFlight && (await store.put(inFlight.key, inFlight.body)));
    const result = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep });
    expect(result.acquired).toBe(true);
    expect((await lockOf(store).load())?.token).toBe(tokenOf(result));
  });

  it('falls back to write, settle and re-read when the create is refused but there is no lock to read', async () => {
    // A store that counts a deleted key as present (a delete marker) refuses every create.
    const store = refusing(async () => undefined);
    const c = clock();
    let settled = 0;
    const result = await tryAcquireLock(lockOf(store), owner('r1'), { leaseMs: 60_000, now: c.now, sleep: async () => void settled++ });
    expect([result.acquired, settled]).toEqual([true, 1]);
    expect((await lockOf(store).load())?.token).toBe(tokenOf(result));
  });
});

describe('pipeline lock on an S3 lake whose server ignores If-None-Match', () => {
  let server: S3Server;
  beforeAll(async () => (server = await startS3Server(['lake'])));
  afterAll(() => server.stop());

  it('takes a free lock by writing and waiting the settle time, and says why', async () => {
    const c = clock();
    let settled = 0;
    const told: string[] = [];
    const result = await tryAcquireLock(lockOf(openStore('s3://lake/p', server.env)), owner('r1'), {
      leaseMs: 60_000,
      now: c.now,
      sleep: async () => void settled++,
      onNoConditionalCreate: (error) => told.push(error.message),
    });
    expect([result.acquired, settled]).toEqual([true, 1]);
    expect(told).toEqual(['s3://lake/p has no conditional create: the server ignores If-None-Match: * on PutObject (a second conditional write of a key replaced the first)']);
  });
});

describe('pipeline lock renewal', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-lock-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the lease while the main thread is busy for longer than the lease, so no one takes over', async () => {
    const store = new FileStore(dir);
    const leaseMs = 3_000;
    const result = await tryAcquireLock(lockOf(store), owner('busy'), { leaseMs, settleMs: 0 });
    const lock = (result as { lock: HeldLock }).lock;
    const acquired = lock.current;
    const errors: unknown[] = [];
    const stop = lock.keepAlive((e) => errors.push(e), (e) => errors.push(e));
    const stored = (): LockRecord => JSON.parse(readFileSync(join(dir, 'locks', 'online-retail.json'), 'utf8')) as LockRecord;
    while (stored().renewedAt === acquired.renewedAt) await new Promise((r) => setTimeout(r, 50)); // the renewer is up

    // Hold the event loop for 2.5 leases: no timer of this thread can run.
    const start = Date.now();
    let smallestMarginMs = Infinity;
    let renewalsSeen = 0;
    let last = stored().renewedAt;
    while (Date.now() - start < 2.5 * leaseMs) {
      const record = stored();
      smallestMarginMs = Math.min(smallestMarginMs, Date.parse(record.expiresAt) - Date.now());
      if (record.renewedAt !== last) renewalsSeen++;
      last = record.renewedAt;
    }
    expect(renewalsSeen).toBeGreaterThanOrEqual(5); // every leaseMs / 3
    expect(smallestMarginMs).toBeGreaterThan(0); // never expired
    const contender = await tryAcquireLock(lockOf(store), owner('other'), { leaseMs, settleMs: 0 });
    expect(contender).toEqual({ acquired: false, holder: expect.objectContaining({ owner: owner('busy'), token: acquired.token }) });

    await stop();
    expect(errors).toEqual([]);
    expect(lock.current.expiresAt > acquired.expiresAt).toBe(true); // the renewals reached this thread
    const stoppedAt = stored().renewedAt;
    await new Promise((r) => setTimeout(r, leaseMs / 2));
    expect(stored().renewedAt).toBe(stoppedAt); // no renewal after stop
    expect(await lock.release()).toBe(true);
  });

  it('tells the holder when another owner took the lock over, and stops renewing', async () => {
    const store = new FileStore(join(dir, 'lost'));
    const result = await tryAcquireLock(lockOf(store), owner('slow'), { leaseMs: 600, settleMs: 0 });
    const lock = (result as { lock: HeldLock }).lock;
    await store.put(LOCK_KEY, JSON.stringify({ ...lock.current, owner: owner('thief'), token: 'ffffffffffffffff' }));
    let stop = async (): Promise<void> => undefined;
    const lost = await new Promise<LockLostError>((resolve, reject) => {
      stop = lock.keepAlive(resolve, reject);
    });
    await stop(); // the renewer has exited by itself: resolves at once
    expect(lost).toBeInstanceOf(LockLostError);
    expect(lost.message).toMatch(/of run slow \(pid 100 on host-a\) was lost: now held by run thief/);
    expect((await lockOf(store).load())?.owner.runId).toBe('thief');
    // From then on the fence refuses without reading: even our record written back does not make the lock ours again.
    await store.put(LOCK_KEY, JSON.stringify(lock.current));
    await expect(lock.verify('file:///lake/models/online-retail/champion.json')).rejects.toThrow(
      /of run slow \(pid 100 on host-a\) was lost: now held by run thief \(pid 100 on host-a\); file:\/\/\/lake\/models\/online-retail\/champion\.json not written$/,
    );
  });
});

