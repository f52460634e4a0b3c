/**
 * cli/command.ts runCommand under the pipeline lock, in this process, on a folder lake with a
 * 10 s lease (BERSERKR_LOCK_LEASE) and the real lease renewer: a run whose lock another run took
 * over (its lease ran out while it was paused, as a SIGSTOP does) writes neither the latest
 * export nor the champion pointer after it, and fails: exit 1, run record `failed` with the
 * LockLostError, and its JSON summary says so; taken over before its start-of-run gc, it finishes
 * none of the new holder's records and fails at once. A run whose renewal found the lock lost fails
 * even when its body finished.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../cli/command';
import type { CommandContext } from '../../cli/context';
import { PipelineLock, RawObjects, type LockRecord } from '../../lib/catalog';
import { RunRecorder } from '../../lib/runs';
import { FileStore } from '../../lib/store/file';
import { openStore } from '../../lib/store/open';
import { runPipeline } from '../../pipeline/runner';
import { LOYALTY_TRAINING } from '../helpers/loyalty-lake';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, 'tests', 'fixtures', 'config', 'loyalty.yaml');
const RAW = join(ROOT, 'tests', 'fixtures', 'loyalty', 'raw');
const DATASET = 'loyalty-club';
const LOCK_ENV = { BERSERKR_LOCK_LEASE: '10s', BERSERKR_LOCK_SETTLE: '500ms', BERSERKR_LOCK_WAIT: '' };

/** The lock record of another run, on another host, that took the lock over: what a run that resumes after its lease finds. */
function otherHolder(): LockRecord {
  const t = Date.now();
  return {
    schema: 'berserkr.lock/1',
    owner: { host: 'host-b', pid: 4242, runId: '20111129T000000Z-b0b0b0' },
    token: 'b0b0b0b0b0b0b0b0',
    acquiredAt: new Date(t).toISOString(),
    renewedAt: new Date(t).toISOString(),
    expiresAt: new Date(t + 60_000).toISOString(),
  };
}

describe('a command that loses the pipeline lock', () => {
  let dir: string;
  let lake: string;
  let saved: Record<string, string | undefined>;
  let out: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-lost-lock-'));
    lake = join(dir, 'lake');
    saved = Object.fromEntries(Object.keys(LOCK_ENV).map((k) => [k, process.env[k]]));
    Object.assign(process.env, LOCK_ENV);
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.exitCode = undefined; // runCommand sets it: the test's outcome is jest's, not the command's
    rmSync(dir, { recursive: true, force: true });
  });

  const options = () => ({ lake, config: CONFIG, logFormat: 'json', logLevel: 'silent', output: 'json' });
  /** The JSON summary the last command printed, and its exit code; then clears both. */
  const outcome = (): { summary: Record<string, any>; code: unknown } => {
    const summary = JSON.parse(out.join('').trim().split('\n').pop()!) as Record<string, any>;
    const code = process.exitCode;
    out.length = 0;
    process.exitCode = undefined;
    return { summary, code };
  };
  const record = (runId: string): Record<string, any> => JSON.parse(readFileSync(join(lake, 'runs', DATASET, `${runId}.json`), 'utf8'));
  const text = (key: string): string => readFileSync(join(lake, key), 'utf8');
  const published = (): Record<string, string> =>
    Object.fromEntries([`exports/${DATASET}/latest.json`, `exports/${DATASET}/latest/_metadata.json`, `models/${DATASET}/champion.json`].map((k) => [k, text(k)]));

  /**
   * The body of `run` on the loyalty fixture; with `takeOverAt`, another run takes the lock over
   * right after the put of the key it matches, as when this run was paused there past its lease.
   */
  const pipeline = (takeOverAt?: RegExp) => async (ctx: CommandContext) => {
    if (takeOverAt !== undefined) {
      const store = ctx.catalog.store;
      const put = store.put.bind(store);
      store.put = async (key, body, contentType) => {
        const info = await put(key, body, contentType);
        if (takeOverAt.test(key)) await new PipelineLock(new FileStore(lake), DATASET).save(otherHolder());
        return info;
      };
    }
    const result = await runPipeline(ctx, new RawObjects(openStore(RAW)), { training: LOYALTY_TRAINING });
    return { summary: { modelId: result.modelId } };
  };

  it('taken over once its export is written: latest.json, the latest/ copies and champion.json stay as they were, and it fails with exit 1', async () => {
    await runCommand('run', options(), pipeline());
    const first = outcome();
    expect(first.summary).toMatchObject({ command: 'run', status: 'ok', exitCode: 0 });
    expect(first.code).toBe(0);
    const before = published();
    expect(JSON.parse(before[`exports/${DATASET}/latest.json`])).toMatchObject({ runId: first.summary.runId });

    // The second run on the same data would make its export the latest and rewrite the champion pointer.
    await runCommand('run', options(), pipeline(new RegExp(`^exports/${DATASET}/\\d{8}T\\d{6}Z-[0-9a-f]+/_metadata\\.json$`)));
    const second = outcome();
    expect(published()).toEqual(before);
    expect(second.code).toBe(1);
    expect(second.summary).toMatchObject({ command: 'run', runId: expect.any(String), status: 'failed', exitCode: 1, error: { name: 'LockLostError' } });
    expect(second.summary.error.message).toMatch(/^lock file:\/\/.*\/locks\/loyalty-club\.json of run \S+ \(pid \d+ on .+\) was lost: now held by run 20111129T000000Z-b0b0b0 \(pid 4242 on host-b\); file:\/\/.*\/exports\/loyalty-club\/latest\.json not written$/);
    const failed = record(second.summary.runId);
    expect(failed.status).toBe('failed');
    expect(failed.errors).toContainEqual(expect.objectContaining({ step: 'commit', name: 'LockLostError', message: second.summary.error.message }));
    expect(failed.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`).slice(-1)).toEqual(['commit:failed']);
    // The other run's lock is left to it.
    expect((await new PipelineLock(new FileStore(lake), DATASET).load())?.owner.host).toBe('host-b');
  });

  it('taken over after its commit: the latest export is its own, but champion.json stays as it was, and it fails with exit 1', async () => {
    await runCommand('run', options(), pipeline());
    const first = outcome();
    expect(first.code).toBe(0);
    const before = published();

    // The last put of the commit is the copies' sidecar; the champion pointer comes next.
    await runCommand('run', options(), pipeline(new RegExp(`^exports/${DATASET}/latest/_metadata\\.json$`)));
    const second = outcome();
    const after = published();
    expect(JSON.parse(after[`exports/${DATASET}/latest.json`])).toMatchObject({ runId: second.summary.runId });
    expect(JSON.parse(after[`exports/${DATASET}/latest/_metadata.json`])).toMatchObject({ runId: second.summary.runId });
    expect(after[`models/${DATASET}/champion.json`]).toBe(before[`models/${DATASET}/champion.json`]);
    expect(second.code).toBe(1);
    expect(second.summary).toMatchObject({ command: 'run', status: 'failed', exitCode: 1, error: { name: 'LockLostError' } });
    expect(second.summary.error.message).toMatch(/ was lost: now held by run 20111129T000000Z-b0b0b0 \(pid 4242 on host-b\); file:\/\/.*\/models\/loyalty-club\/champion\.json not written$/);
    expect(record(second.summary.runId)).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ name: 'LockLostError', message: second.summary.error.message })] });
  });

  it('taken over before its start-of-run clean-up: gc finishes no record of the new holder and the run fails at once, before its ingest', async () => {
    mkdirSync(lake);
    // The other run takes the lock over once this one's "running" record is written, and writes its own.
    const put = FileStore.prototype.put;
    const holder = otherHolder();
    const holderRecord = (): Record<string, unknown> => ({ ...new RunRecorder({ command: 'run', code: { version: 'test', commit: null, dirty: false } }).snapshot('running'), runId: holder.owner.runId, process: { host: holder.owner.host, pid: holder.owner.pid } });
    let taken = false;
    jest.spyOn(FileStore.prototype, 'put').mockImplementation(async function (this: FileStore, key, body, contentType) {
      const info = await put.call(this, key, body, contentType);
      if (!taken && key.startsWith(`runs/${DATASET}/`)) {
        taken = true;
        await new PipelineLock(new FileStore(lake), DATASET).save(holder);
        await put.call(new FileStore(lake), `runs/${DATASET}/${holder.owner.runId}.json`, JSON.stringify(holderRecord()));
      }
      return info;
    });
    await runCommand('run', options(), pipeline());
    const { summary, code } = outcome();
    expect(code).toBe(1);
    expect(summary).toMatchObject({ command: 'run', status: 'failed', exitCode: 1, error: { name: 'LockLostError' } });
    expect(summary.error.message).toMatch(new RegExp(` was lost: now held by run ${holder.owner.runId} \\(pid 4242 on host-b\\); file:.*/runs/${DATASET}/${holder.owner.runId}\\.json not written$`));
    expect(record(holder.owner.runId).status).toBe('running');
    const failed = record(summary.runId);
    expect(failed).toMatchObject({ status: 'failed', steps: [], errors: [expect.objectContaining({ name: 'LockLostError', message: summary.error.message })] });
  });

  it('whose renewal finds the lock taken over fails even when its body finished: exit 1, run record failed, summary with the error', async () => {
    mkdirSync(lake); // train reads a lake that exists
    await runCommand('train', options(), async (ctx) => {
      await new PipelineLock(new FileStore(lake), DATASET).save(otherHolder());
      // The renewer renews every third of the 10 s lease: it finds the other run's record within 3.4 s.
      for (let waited = 0; !ctx.signal.aborted && waited < 8_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      return { summary: { trained: true }, text: 'trained\n' };
    });
    const { summary, code } = outcome();
    expect(code).toBe(1);
    expect(summary).toMatchObject({ command: 'train', status: 'failed', exitCode: 1, trained: true, error: { name: 'LockLostError' } });
    expect(summary.error.message).toMatch(/ was lost: now held by run 20111129T000000Z-b0b0b0 \(pid 4242 on host-b\)$/);
    const failed = record(summary.runId);
    expect(failed.status).toBe('failed');
    expect(failed.errors).toEqual([expect.objectContaining({ name: 'LockLostError', message: summary.error.message })]);
  });
});
