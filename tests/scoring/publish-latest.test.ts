/**
 * scoring/publish-export.ts: latest.json names the export of the latest data (its as-of
 * time, or just after its last purchase when earlier; of those, the later run), so a
 * backfill at an earlier as-of time is committed beside it and not made latest, and an
 * export at the present time does not hold back a later run on the same data; of two runs
 * started within one second, the later start is the later run, whatever their run ids'
 * suffixes; commits side by side (score takes no lock) leave latest.json on the latest
 * export and the copies under latest/ in step with it; a commit under the pipeline lock
 * passes the lock's fence before the pointer and before each copy, and a run that lost the
 * lock writes neither (from the copy refused on).
 */
import { Float64, Int32, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { Catalog, PipelineLock, type ShardMarker } from '../../lib/catalog';
import { type HeldLock, LockLostError, tryAcquireLock } from '../../lib/lock';
import { createLogger } from '../../lib/log';
import { RunRecorder } from '../../lib/runs';
import type { StageContext } from '../../lib/stage-context';
import { commitStep } from '../../scoring/publish-export';
import { scoreStep } from '../../scoring/runner';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import { refusingFence } from '../helpers/fence';
import { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

const OLDER = '20111109T000000Z-aaaaaa';
const NEWER = '20111110T000000Z-bbbbbb';

const AS_OF = '2011-11-09T00:00:00.000Z';
/** The as-of time of a backfill, a month before {@link AS_OF}. */
const BACKFILL_AS_OF = '2011-10-10T00:00:00.000Z';

const context = (lake: MemoryStore) => retailContext(lake, 'score');

/** A context over `lake` whose warnings go to `messages`. */
function loggedContext(lake: MemoryStore): { ctx: StageContext; messages: string[] } {
  const messages: string[] = [];
  const log = createLogger({ format: 'json', level: 'warn', sink: { write: (chunk: string) => void messages.push(JSON.parse(chunk).msg) } });
  return { ctx: { ...context(lake), log }, messages };
}

/**
 * Leaves run `runId` scored in one shard at `asOf` on data whose last purchase is at
 * `dataUntil`, started at `startedAt` (each none: a marker of an earlier version), its list one row of `item`, ready to commit in `formats`.
 */
async function scored(catalog: Catalog, runId: string, item: string, formats: ShardMarker['formats'], asOf = AS_OF, dataUntil?: string, startedAt?: string): Promise<void> {
  const shard = { index: 0, count: 1 };
  const lists = new Table({
    customer_id: vectorFromArray(['c1'], new Utf8()),
    item_id: vectorFromArray([item], new Utf8()),
    rank: makeVector({ type: new Int32(), data: Int32Array.of(1) }),
    probability: makeVector({ type: new Float64(), data: Float64Array.of(0.5) }),
  });
  await catalog.shards.saveLists(runId, shard, lists);
  await catalog.shards.publishMarker({
    runId, shard, modelId: 'm', asOf, horizonDays: 30, k: 10, formats, customers: 1, pairs: 1, rows: 1, lists: catalog.shards.listsKey(runId, shard), scores: [],
    ...(dataUntil === undefined ? {} : { dataUntil }), ...(startedAt === undefined ? {} : { startedAt }),
  });
}

/** The run id in each copy under latest/, by its one row's item (`item-<run>`), and the copies' sidecar's run. */
async function copies(lake: MemoryStore, catalog: Catalog): Promise<{ files: Record<string, string>; sidecar: string | undefined }> {
  const files: Record<string, string> = {};
  for (const { key } of await lake.list('exports/online-retail/latest/')) {
    if (key.endsWith('_metadata.json')) continue;
    files[key.split('/').pop()!] = /item-(\w+)/.exec(new TextDecoder().decode(await lake.get(key)))?.[1] ?? '?';
  }
  return { files, sidecar: await catalog.latest.copiedRunId() };
}

/**
 * Makes another commit of run `runId` (pointer, then every copy) happen just before the first
 * write of `latest/<file>` to `lake`; `done` says whether it happened.
 */
function commitBefore(lake: MemoryStore, catalog: Catalog, file: string, runId: string): { done: boolean } {
  const put = lake.put.bind(lake);
  const raced = { done: false };
  lake.put = async (key: string, body: Parameters<MemoryStore['put']>[1]) => {
    if (!raced.done && key === `exports/online-retail/latest/${file}`) {
      raced.done = true;
      await catalog.latest.publish(runId);
      await catalog.latest.refreshCopies((await catalog.latest.loadMetadata())!);
    }
    return put(key, body);
  };
  return raced;
}

describe('commitStep beside another commit', () => {
  it('takes latest.json back from an earlier run that overwrote it while its copies were made', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv']);
    await commitStep(ctx, OLDER, 1);
    // The older run's commit, which read latest.json before this one flipped it, flips it back mid-copy.
    const raced = commitBefore(lake, ctx.catalog, 'top-k.csv', OLDER);
    await commitStep(ctx, NEWER, 1);
    expect(raced.done).toBe(true);
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'bbbbbb', 'top-k.parquet': 'bbbbbb' }, sidecar: NEWER });
  });

  it('copies the later run the pointer names when that one flipped it while its own copies were made', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv']);
    await commitStep(ctx, NEWER, 1);
    await lake.delete('exports/online-retail/latest.json'); // as if the older commit read the pointer before the first one
    // The later commit flips the pointer and finishes its copies before this one's jsonl copy lands.
    const raced = commitBefore(lake, ctx.catalog, 'top-k.jsonl', NEWER);
    await commitStep(ctx, OLDER, 1);
    expect(raced.done).toBe(true);
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'bbbbbb', 'top-k.parquet': 'bbbbbb' }, sidecar: NEWER });
  });
});

describe('commitStep and the as-of time of the latest export', () => {
  it('commits a backfill at an earlier as-of time beside the latest export without making it latest, and says why', async () => {
    const lake = new MemoryStore();
    const { ctx, messages } = loggedContext(lake);
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv'], BACKFILL_AS_OF);
    await commitStep(ctx, OLDER, 1);
    // Run later (a past month run again), at an earlier as-of time.
    await commitStep(ctx, NEWER, 1);
    expect(await ctx.catalog.exports.loadMetadata(NEWER)).toMatchObject({ runId: NEWER, asOf: BACKFILL_AS_OF });
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'aaaaaa', 'top-k.jsonl': 'aaaaaa', 'top-k.parquet': 'aaaaaa' }, sidecar: OLDER });
    expect(messages).toEqual([
      `run ${NEWER} is committed under memory://test/exports/online-retail/${NEWER}/ but not made the latest export: memory://test/exports/online-retail/latest.json `
        + `names run ${OLDER} as of ${AS_OF}, on data reaching later than this run's as-of time ${BACKFILL_AS_OF}`,
    ]);
  });

  it('replaces, under the lock, a latest export scored on data the lake no longer holds by one of all its data, and only then', async () => {
    const lake = new MemoryStore();
    const { ctx, messages } = loggedContext(lake);
    const gone = '2011-11-30T12:00:00.000Z';
    const lastNow = '2011-10-30T12:00:00.000Z';
    // The latest export saw November; November's raw object was then forgotten, and the lake ends in October.
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv'], '2011-11-30T12:00:00.001Z', gone);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv'], '2011-10-30T12:00:00.001Z', lastNow);
    await commitStep(ctx, OLDER, 1);
    // Without the lake's extent (a score, which takes no lock), the export of later data stays the latest.
    await commitStep(ctx, NEWER, 1);
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    // A lake still holding November keeps it too.
    await commitStep(ctx, NEWER, 1, { lakeDataUntil: Date.parse(gone) });
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    // A backfill, which does not cover the lake's data, does not take over either.
    const backfill = '20111111T000000Z-cccccc';
    await scored(ctx.catalog, backfill, 'item-cccccc', ['csv'], '2011-10-01T00:00:00.000Z', '2011-09-30T12:00:00.000Z');
    await commitStep(ctx, backfill, 1, { lakeDataUntil: Date.parse(lastNow) });
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    messages.length = 0;
    await commitStep(ctx, NEWER, 1, { lakeDataUntil: Date.parse(lastNow) });
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'bbbbbb', 'top-k.parquet': 'bbbbbb' }, sidecar: NEWER });
    expect(messages).toEqual([
      `memory://test/exports/online-retail/latest.json names run ${OLDER}, scored on data until ${gone}, which the lake no longer holds (its last event is at ${lastNow}: raw objects were forgotten or replaced): run ${NEWER} replaces it`,
    ]);
  });

  it('makes the export of a later as-of time the latest over a later run at an earlier one', async () => {
    const lake = new MemoryStore();
    const { ctx, messages } = loggedContext(lake);
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv'], BACKFILL_AS_OF);
    await commitStep(ctx, NEWER, 1);
    await commitStep(ctx, OLDER, 1);
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'aaaaaa', 'top-k.jsonl': 'aaaaaa', 'top-k.parquet': 'aaaaaa' }, sidecar: OLDER });
    expect(messages).toEqual([]);
  });

  it('names the later run on the same data when an earlier run is not made latest', async () => {
    const lake = new MemoryStore();
    const { ctx, messages } = loggedContext(lake);
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv']);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv']);
    await commitStep(ctx, NEWER, 1);
    await commitStep(ctx, OLDER, 1);
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(messages).toEqual([expect.stringContaining(`but not made the latest export: memory://test/exports/online-retail/latest.json names the later run ${NEWER} on the same data (as of ${AS_OF}; this run as of ${AS_OF})`)]);
  });

  it('orders exports by the data they saw: a later run just after the last purchase takes over from one at the present time', async () => {
    const lake = new MemoryStore();
    const { ctx, messages } = loggedContext(lake);
    const lastPurchase = '2011-12-09T12:50:00.000Z';
    // A score at the present time, days after the data; then a run at the default as-of time, just after the last purchase.
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv'], '2011-12-14T00:00:00.000Z', lastPurchase);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv'], '2011-12-09T12:50:00.001Z', lastPurchase);
    await commitStep(ctx, OLDER, 1);
    await commitStep(ctx, NEWER, 1);
    expect(await ctx.catalog.exports.loadMetadata(NEWER)).toMatchObject({ asOf: '2011-12-09T12:50:00.001Z', dataUntil: lastPurchase });
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'bbbbbb', 'top-k.parquet': 'bbbbbb' }, sidecar: NEWER });
    // The earlier run on the same data, committed again later, is not made latest, and says why.
    await commitStep(ctx, OLDER, 1);
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(messages).toEqual([expect.stringContaining(`names the later run ${NEWER} on the same data (as of 2011-12-09T12:50:00.001Z; this run as of 2011-12-14T00:00:00.000Z)`)]);
  });

  it('orders two runs on the same data started within one second by their start, not by their run ids\' suffixes', async () => {
    const { index, asOf } = shopIndex();
    const second = Date.UTC(2011, 11, 10);
    /** A score command started `ms` into the second, under a run id of suffix `suffix`. */
    const command = (lake: MemoryStore, ms: number, suffix: string): StageContext => ({ ...context(lake), run: new RunRecorder({ command: 'score', code: { version: 'test', commit: null, dirty: false }, now: () => second + ms, suffix }) });
    // The earlier start draws the suffix that sorts last; each order of the commits ends on the later start.
    for (const order of [['earlier', 'later'], ['later', 'earlier']] as const) {
      const lake = await lakeWithBaselines();
      const runs = { earlier: command(lake, 100, 'ffffff'), later: command(lake, 900, '000000') };
      for (const which of order) await scoreStep(runs[which], index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', formats: ['csv'], threads: 1 });
      const later = runs.later.run.runId;
      expect([later, runs.earlier.run.runId]).toEqual(['20111210T000000Z-000000', '20111210T000000Z-ffffff']);
      expect([order, (await runs.later.catalog.latest.load())!.runId]).toEqual([order, later]);
      expect(await runs.later.catalog.exports.loadMetadata(later)).toMatchObject({ startedAt: '2011-12-10T00:00:00.900Z' });
      expect(await runs.later.catalog.latest.copiedRunId()).toBe(later);
    }
  });

  it('takes a sidecar without startedAt (an earlier version, a given run id) as started at its run id\'s second', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const [earlierVersion, started] = ['20111210T000000Z-ffffff', '20111210T000000Z-000000'];
    await scored(ctx.catalog, earlierVersion, 'item-ffffff', ['csv']);
    await scored(ctx.catalog, started, 'item-000000', ['csv'], AS_OF, undefined, '2011-12-10T00:00:00.001Z');
    await commitStep(ctx, started, 1);
    await commitStep(ctx, earlierVersion, 1);
    expect((await ctx.catalog.latest.load())!.runId).toBe(started);
    // A run of a later second is later, whatever the millisecond the other one started at.
    const nextSecond = '20111210T000001Z-000000';
    await scored(ctx.catalog, nextSecond, 'item-next', ['csv']);
    await commitStep(ctx, nextSecond, 1);
    expect((await ctx.catalog.latest.load())!.runId).toBe(nextSecond);
  });

  it('takes latest.json back from a backfill of a later run that overwrote it while its copies were made', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(ctx.catalog, NEWER, 'item-bbbbbb', ['csv'], BACKFILL_AS_OF);
    await commitStep(ctx, NEWER, 1);
    // The backfill's commit, which read latest.json before this one flipped it, flips it back mid-copy.
    const raced = commitBefore(lake, ctx.catalog, 'top-k.csv', NEWER);
    await commitStep(ctx, OLDER, 1);
    expect(raced.done).toBe(true);
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'aaaaaa', 'top-k.jsonl': 'aaaaaa', 'top-k.parquet': 'aaaaaa' }, sidecar: OLDER });
  });

  it('replaces a pointer that names no export it can read, whatever its run, and says so', async () => {
    const gone = '20111120T000000Z-cccccc';
    for (const [pointer, problem] of [
      [JSON.stringify({ runId: gone, metadata: `exports/online-retail/${gone}/_metadata.json` }), `object not found: memory://test/exports/online-retail/${gone}/_metadata.json`],
      ['[]', 'invalid latest export pointer memory://test/exports/online-retail/latest.json: field (root): Expected object, received array'],
    ]) {
      const lake = new MemoryStore();
      const { ctx, messages } = loggedContext(lake);
      await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv']);
      await lake.put('exports/online-retail/latest.json', pointer);
      await commitStep(ctx, OLDER, 1);
      expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
      expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'aaaaaa', 'top-k.parquet': 'aaaaaa' }, sidecar: OLDER });
      expect(messages).toEqual([`memory://test/exports/online-retail/latest.json names no export that can be read, so it is replaced: ${problem}`]);
    }
  });
});

describe('commitStep under the pipeline lock', () => {
  it('passes the fence before the pointer and before the copies, each before its first write', async () => {
    const lake = new MemoryStore();
    const asked: string[] = [];
    const ctx: StageContext = { ...context(lake), fence: async (what) => void asked.push(`${what} after ${lake.puts.filter((k) => k.startsWith('exports/online-retail/latest')).length} latest writes`) };
    await scored(ctx.catalog, OLDER, 'item-aaaaaa', ['csv']);
    await commitStep(ctx, OLDER, 1);
    expect(asked).toEqual([
      'memory://test/exports/online-retail/latest.json after 0 latest writes',
      'memory://test/exports/online-retail/latest/top-k.jsonl after 1 latest writes',
      'memory://test/exports/online-retail/latest/top-k.csv after 1 latest writes',
      'memory://test/exports/online-retail/latest/top-k.parquet after 2 latest writes',
      'memory://test/exports/online-retail/latest/_metadata.json after 3 latest writes',
    ]);
  });

  it('checks the lock before each copy: a lock lost part-way leaves the copy refused and those after it as they were', async () => {
    const lake = new MemoryStore();
    await scored(new Catalog(lake, 'online-retail'), OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(new Catalog(lake, 'online-retail'), NEWER, 'item-bbbbbb', ['csv']);
    await commitStep(context(lake), OLDER, 1);
    const refused = 'memory://test/exports/online-retail/latest/top-k.parquet';
    const { fence, asked, error } = refusingFence(refused, (what) => what === refused);
    const ctx: StageContext = { ...context(lake), fence };

    await expect(commitStep(ctx, NEWER, 1)).rejects.toBe(error);
    expect(asked).toEqual(['latest.json', 'latest/top-k.jsonl', 'latest/top-k.csv', 'latest/top-k.parquet'].map((f) => `memory://test/exports/online-retail/${f}`));
    // The pointer and the copies before the refusal were written; the refused copy and the sidecar were not.
    expect((await ctx.catalog.latest.load())!.runId).toBe(NEWER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'bbbbbb', 'top-k.parquet': 'aaaaaa' }, sidecar: OLDER });
  });

  it('writes neither the pointer nor the copies when another run took the lock over, and fails naming both runs', async () => {
    const lake = new MemoryStore();
    await scored(new Catalog(lake, 'online-retail'), OLDER, 'item-aaaaaa', ['csv', 'jsonl']);
    await scored(new Catalog(lake, 'online-retail'), NEWER, 'item-bbbbbb', ['csv']);
    await commitStep(context(lake), OLDER, 1);
    const lock = new PipelineLock(lake, 'online-retail');
    let t = Date.UTC(2011, 11, 1);
    const options = { leaseMs: 60_000, now: () => t, sleep: async () => undefined };
    const ours = ((await tryAcquireLock(lock, { host: 'host-a', pid: 1, runId: NEWER }, options)) as { lock: HeldLock }).lock;
    t += 60_000; // paused past its lease: another run takes the lock over
    expect((await tryAcquireLock(lock, { host: 'host-b', pid: 2, runId: 'other' }, options)).acquired).toBe(true);
    const ctx: StageContext = { ...context(lake), fence: (what) => ours.verify(what) };
    const latestWrites = (): string[] => lake.puts.filter((k) => k.startsWith('exports/online-retail/latest'));
    const before = latestWrites().length;

    const error = (await commitStep(ctx, NEWER, 1).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(LockLostError);
    expect(error.message).toBe(
      `lock memory://test/locks/online-retail.json of run ${NEWER} (pid 1 on host-a) was lost: now held by run other (pid 2 on host-b); memory://test/exports/online-retail/latest.json not written`,
    );
    expect(latestWrites()).toHaveLength(before);
    expect((await ctx.catalog.latest.load())!.runId).toBe(OLDER);
    expect(await copies(lake, ctx.catalog)).toEqual({ files: { 'top-k.csv': 'aaaaaa', 'top-k.jsonl': 'aaaaaa', 'top-k.parquet': 'aaaaaa' }, sidecar: OLDER });
    // Its export stays committed under its own folder, which the pointer does not name.
    expect(await ctx.catalog.exports.isCommitted(NEWER)).toBe(true);
    expect(ctx.run.snapshot().steps.map((s) => `${s.name}:${s.status}`)).toEqual(['commit:failed']);
  });
});
