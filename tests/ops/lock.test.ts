/** The pipeline lock (lib/lock.ts) on an in-memory store with a fake clock and sleep. */
import { acquireLock, HeldLock, LockFormatError, LockLostError, PIPELINE_LOCK_KEY, readLock, tryAcquireLock } from '../../lib/lock';
import { MemoryStore } from '../helpers/memory-store';

const owner = (runId: string) => ({ host: 'host-a', pid: 100, runId });

function clock(start = Date.UTC(2011, 11, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), sleep: async () => undefined };
}

describe('pipeline lock', () => {
  it('writes locks/pipeline.json with owner, acquired-at and lease expiry, and releases it', async () => {
    const store = new MemoryStore();
    const c = clock();
    const result = await tryAcquireLock(store, owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    expect(result.acquired).toBe(true);
    const stored = await readLock(store);
    expect(stored).toMatchObject({ owner: owner('r1'), acquiredAt: '2011-12-01T00:00:00.000Z', expiresAt: '2011-12-01T00:01:00.000Z' });
    expect(await (result as { lock: HeldLock }).lock.release()).toBe(true);
    expect(await store.head(PIPELINE_LOCK_KEY)).toBeUndefined();
  });

  it('refuses a second owner while the lease runs, and names the holder', async () => {
    const store = new MemoryStore();
    const c = clock();
    await tryAcquireLock(store, owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    c.advance(59_999);
    const second = await tryAcquireLock(store, owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    expect(second).toEqual({ acquired: false, holder: expect.objectContaining({ owner: owner('r1') }) });
  });

  it('takes over a stale lock after its lease, and the old holder learns it lost the lock', async () => {
    const store = new MemoryStore();
    const c = clock();
    const first = await tryAcquireLock(store, owner('crashed'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    c.advance(60_000);
    const second = await tryAcquireLock(store, owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    expect(second.acquired).toBe(true);
    expect((await readLock(store))?.owner.runId).toBe('r2');
    const stale = (first as { lock: HeldLock }).lock;
    await expect(stale.renew()).rejects.toThrow(LockLostError);
    await expect(stale.renew()).rejects.toThrow(/of run crashed \(pid 100 on host-a\) was lost: now held by run r2/);
    expect(await stale.release()).toBe(false);
    expect((await readLock(store))?.owner.runId).toBe('r2');
  });

  it('renewal extends the lease, so a live holder is never taken over', async () => {
    const store = new MemoryStore();
    const c = clock();
    const held = await tryAcquireLock(store, owner('r1'), { leaseMs: 60_000, now: c.now, sleep: c.sleep });
    c.advance(50_000);
    await (held as { lock: HeldLock }).lock.renew();
    c.advance(50_000);
    expect((await tryAcquireLock(store, owner('r2'), { leaseMs: 60_000, now: c.now, sleep: c.sleep })).acquired).toBe(false);
    expect((await readLock(store))?.expiresAt).toBe('2011-12-01T00:01:50.000Z');
  });

  it('loses a race when another write lands during the settle time', async () => {
    const store = new MemoryStore();
    const c = clock();
    const sneaky = async () => {
      // the other contender's write lands between our write and our re-read
      await store.put(PIPELINE_LOCK_KEY, JSON.stringify({ ...(await readLock(store))!, owner: owner('other'), token: 'ffffffffffffffff' }));
    };
    const result = await tryAcquireLock(store, owner('r1'), { now: c.now, sleep: sneaky });
    expect(result).toEqual({ acquired: false, holder: expect.objectContaining({ owner: owner('other') }) });
  });

  it('waits for the holder to release, polling, and stops waiting when aborted', async () => {
    const store = new MemoryStore();
    const c = clock();
    const first = await tryAcquireLock(store, owner('r1'), { now: c.now, sleep: c.sleep });
    let polls = 0;
    const sleep = async () => {
      if (++polls === 3) await (first as { lock: HeldLock }).lock.release();
    };
    const seen: string[] = [];
    const lock = await acquireLock(store, owner('r2'), { now: c.now, sleep, onWait: (h) => seen.push(h.owner.runId) });
    expect(lock.current.owner.runId).toBe('r2');
    expect(seen).toEqual(['r1', 'r1', 'r1']);
    const controller = new AbortController();
    controller.abort(new Error('received SIGTERM'));
    await expect(acquireLock(store, owner('r3'), { now: c.now, sleep: c.sleep, signal: controller.signal })).rejects.toThrow('received SIGTERM');
  });

  it('reports a lock object that is not a lock record, naming it', async () => {
    const store = new MemoryStore();
    await store.put(PIPELINE_LOCK_KEY, '{"schema":"berserkr.lock/1"}');
    await expect(readLock(store)).rejects.toThrow(LockFormatError);
    await expect(readLock(store)).rejects.toThrow(/invalid lock memory:\/\/test\/locks\/pipeline.json: field owner: Required/);
  });
});
