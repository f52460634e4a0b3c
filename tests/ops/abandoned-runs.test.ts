/** lib/abandoned-runs.ts: `running` records of runs that never finished become `killed` or `unknown`; live ones stay. */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { finishAbandonedRuns } from '../../lib/abandoned-runs';
import { RunRecords, type RunRecord } from '../../lib/catalog';
import { RunRecorder } from '../../lib/runs';
import { MemoryStore } from '../helpers/memory-store';

const CODE = { version: '0.1.0', commit: null, dirty: null };
const HOUR = 3_600_000;
const NOW = Date.UTC(2011, 11, 9, 12);
const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: kill(pid, 0) fails with ESRCH

/** Writes a `running` record of `command` started `agoMs` before NOW by process `pid` on `host`. */
async function running(runs: RunRecords, suffix: string, command: string, host: string, pid: number, agoMs = HOUR): Promise<string> {
  const recorder = new RunRecorder({ command, code: CODE, now: () => NOW - agoMs, suffix });
  recorder.count('ingest.read', 7);
  const record: RunRecord = { ...recorder.snapshot('running'), process: { host, pid } };
  await runs.save(record);
  return record.runId;
}

describe('finishAbandonedRuns', () => {
  it('finishes a run of this host whose process is gone as killed, keeping the rest of its record', async () => {
    const runs = new RunRecords(new MemoryStore(), 'online-retail');
    const id = await running(runs, '000001', 'ingest', hostname(), dead);
    const { finished, live } = await finishAbandonedRuns(runs, { self: 'none', lockedCommands: new Set(['run']), lockHeld: false, now: () => NOW });
    expect(finished).toEqual([{ runId: id, command: 'ingest', status: 'killed', reason: `pid ${dead} on ${hostname()} is gone` }]);
    expect(live).toEqual([]);
    const record = await runs.load(id);
    expect(record).toMatchObject({ status: 'killed', finishedAt: null, durationMs: null, rows: { 'ingest.read': 7 } });
    expect(record.errors).toEqual([{ step: null, name: 'RunAbandonedError', message: `the run never finished: pid ${dead} on ${hostname()} is gone` }]);
  });

  it('leaves live runs, finished runs and the caller alone; a locked command of another host is over while the caller holds the lock', async () => {
    const runs = new RunRecords(new MemoryStore(), 'online-retail');
    const alive = await running(runs, '000002', 'score', hostname(), process.pid);
    const elsewhere = await running(runs, '000003', 'score', 'host-b', 1);
    const lockedElsewhere = await running(runs, '000004', 'run', 'host-b', 1);
    const self = await running(runs, '000005', 'run', hostname(), dead);
    const done = new RunRecorder({ command: 'ingest', code: CODE, now: () => NOW - HOUR, suffix: '000006' });
    await done.finish(runs);

    const withoutLock = await finishAbandonedRuns(runs, { self, lockedCommands: new Set(['run']), lockHeld: false, now: () => NOW });
    expect(withoutLock.finished).toEqual([]);
    expect(withoutLock.live.map((r) => r.runId)).toEqual([alive, elsewhere, lockedElsewhere]);

    const withLock = await finishAbandonedRuns(runs, { self, lockedCommands: new Set(['run']), lockHeld: true, now: () => NOW });
    expect(withLock.finished).toEqual([{ runId: lockedElsewhere, command: 'run', status: 'unknown', reason: 'pid 1 on host-b no longer holds the pipeline lock that `run` runs under' }]);
    expect(withLock.live.map((r) => r.runId)).toEqual([alive, elsewhere]);
    expect((await runs.load(self)).status).toBe('running');
    expect((await runs.load(done.runId)).status).toBe('ok');
  });

  it('skips a record it cannot read, returning its error, and finishes the others', async () => {
    const lake = new MemoryStore();
    const runs = new RunRecords(lake, 'online-retail');
    const killed = await running(runs, '000009', 'ingest', hostname(), dead);
    const broken = '20111209T120000Z-00000a';
    await lake.put(runs.key(broken), '{');
    const { finished, unreadable } = await finishAbandonedRuns(runs, { self: 'none', lockedCommands: new Set(), lockHeld: false, now: () => NOW });
    expect(finished.map((r) => [r.runId, r.status])).toEqual([[killed, 'killed']]);
    expect(unreadable.map((e) => [e.name, e.uri])).toEqual([['DatasetFormatError', runs.uri(broken)]]);
    expect(unreadable[0].message).toMatch(/^invalid run record .*20111209T120000Z-00000a\.json: expected JSON/);
  });

  it('hands every record it reads but the caller\'s to onRecord, as read, once each', async () => {
    const lake = new MemoryStore();
    const runs = new RunRecords(lake, 'online-retail');
    const killed = await running(runs, '00000b', 'run', hostname(), dead);
    const self = await running(runs, '00000c', 'run', hostname(), process.pid);
    const done = new RunRecorder({ command: 'train', code: CODE, now: () => NOW - HOUR, suffix: '00000d' });
    await done.finish(runs);
    const broken = '20111209T120000Z-00000e';
    await lake.put(runs.key(broken), '{');
    const seen: [string, string][] = [];
    await finishAbandonedRuns(runs, { self, lockedCommands: new Set(), lockHeld: false, now: () => NOW }, (runId, loaded) => seen.push([runId, 'record' in loaded ? loaded.record.status : loaded.invalid.name]));
    expect(seen.sort()).toEqual([[broken, 'DatasetFormatError'], [killed, 'running'], [done.runId, 'ok']].sort());
  });

  it('finishes runs of other hosts as unknown only when they started longer ago than asked', async () => {
    const runs = new RunRecords(new MemoryStore(), 'online-retail');
    const old = await running(runs, '000007', 'score', 'host-b', 1, 25 * HOUR);
    const recent = await running(runs, '000008', 'score', 'host-b', 1, HOUR);
    const { finished, live } = await finishAbandonedRuns(runs, { self: 'none', lockedCommands: new Set(), lockHeld: true, olderThanMs: 24 * HOUR, now: () => NOW });
    expect(finished.map((r) => [r.runId, r.status])).toEqual([[old, 'unknown']]);
    expect(finished[0].reason).toBe('pid 1 on host-b started 90000 s ago, longer than the 86400 s allowed');
    expect(live.map((r) => r.runId)).toEqual([recent]);
  });
});
