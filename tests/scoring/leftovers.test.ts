/** scoring/leftovers.ts: uncommitted scoring runs are removed once old enough, committed and live ones kept, sharded ones only by the operator's age. */
import { Catalog } from '../../lib/catalog';
import { PartialRemovalError } from '../../scoring/errors';
import { removeRun, removeUncommittedRuns } from '../../scoring/leftovers';
import { MemoryStore } from '../helpers/memory-store';

const A = '20111109T000000Z-aaaaaa';
const B = '20111110T000000Z-bbbbbb';
const C = '20111111T000000Z-cccccc';
const D = '20111112T000000Z-dddddd';
const E = '20111113T000000Z-eeeeee';
const E_KEYS = [`exports/online-retail/${E}/shards/shard-0-of-1._SUCCESS.json`, `exports/online-retail/${E}/shards/shard-0-of-1.parquet`, `scores/online-retail/${E}/shard-0-of-1/part-00000.parquet`];

async function lake(): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const key of [
    `exports/online-retail/${A}/top-k.csv`, `exports/online-retail/${A}/_metadata.json`, `scores/online-retail/${A}/shard-0-of-1/part-00000.parquet`, // committed
    `exports/online-retail/${B}/shards/shard-0-of-2.parquet`, `exports/online-retail/${B}/shards/shard-0-of-2._SUCCESS.json`, `scores/online-retail/${B}/shard-0-of-2/part-00000.parquet`, // shard 0 done, shard 1 not yet
    `scores/online-retail/${C}/shard-0-of-1/part-00000.parquet`, // killed before any export object
    `scores/online-retail/${D}/shard-0-of-1/part-00000.parquet`, // a live run's
    ...E_KEYS, // a run of one shard, stopped before its commit
    'exports/online-retail/latest.json', 'exports/online-retail/latest/top-k.csv', 'exports/online-retail/notes.txt',
  ]) await store.put(key, 'x');
  return store;
}

describe('removeUncommittedRuns', () => {
  it('removes every object of the uncommitted runs written before the cut-off, except runs to keep and runs of N > 1 shards with a finished shard', async () => {
    const store = await lake();
    const removed = await removeUncommittedRuns(new Catalog(store, 'online-retail'), Date.now() + 1, (runId) => runId === D);
    expect(removed).toEqual([{ runId: C, keys: [`scores/online-retail/${C}/shard-0-of-1/part-00000.parquet`] }, { runId: E, keys: E_KEYS }]);
    expect([...store.objects.keys()].sort()).toEqual([
      `exports/online-retail/${A}/_metadata.json`, `exports/online-retail/${A}/top-k.csv`,
      `exports/online-retail/${B}/shards/shard-0-of-2._SUCCESS.json`, `exports/online-retail/${B}/shards/shard-0-of-2.parquet`,
      'exports/online-retail/latest.json', 'exports/online-retail/latest/top-k.csv', 'exports/online-retail/notes.txt',
      `scores/online-retail/${A}/shard-0-of-1/part-00000.parquet`, `scores/online-retail/${B}/shard-0-of-2/part-00000.parquet`, `scores/online-retail/${D}/shard-0-of-1/part-00000.parquet`,
    ]);
  });

  it('removes a sharded run with a finished shard only when untouched since the cut-off for sharded runs', async () => {
    const store = await lake();
    const catalog = new Catalog(store, 'online-retail');
    expect((await removeUncommittedRuns(catalog, Date.now() + 1, () => true, Date.now() + 1)).map((r) => r.runId)).toEqual([]);
    const removed = await removeUncommittedRuns(catalog, Date.now() + 1, (runId) => runId !== B, Date.now() + 1);
    expect(removed).toEqual([
      { runId: B, keys: [`exports/online-retail/${B}/shards/shard-0-of-2._SUCCESS.json`, `exports/online-retail/${B}/shards/shard-0-of-2.parquet`, `scores/online-retail/${B}/shard-0-of-2/part-00000.parquet`] },
    ]);
    expect(await removeUncommittedRuns(catalog, Date.now() + 1, () => false, 0)).toEqual([
      { runId: C, keys: [`scores/online-retail/${C}/shard-0-of-1/part-00000.parquet`] },
      { runId: D, keys: [`scores/online-retail/${D}/shard-0-of-1/part-00000.parquet`] },
      { runId: E, keys: E_KEYS },
    ]);
  });

  it('keeps an uncommitted run with an object written after the cut-off: it may still be written', async () => {
    const store = await lake();
    const cutoff = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    await store.put(`scores/online-retail/${B}/shard-1-of-2/part-00000.parquet`, 'x'); // shard 1 still scoring
    const removed = await removeUncommittedRuns(new Catalog(store, 'online-retail'), cutoff, () => false, cutoff);
    expect(removed.map((r) => r.runId)).toEqual([C, D, E]);
    expect(await store.head(`exports/online-retail/${B}/shards/shard-0-of-2.parquet`)).toBeDefined();
  });
});

describe('removeRun', () => {
  it('names the run, the objects removed and the one that failed when the store fails part-way, and keeps the rest', async () => {
    const store = await lake();
    const failing = `exports/online-retail/${E}/shards/shard-0-of-1.parquet`;
    const remove = store.delete.bind(store);
    store.delete = async (key: string) => (key === failing ? Promise.reject(new Error('HTTP 503 SlowDown')) : remove(key));
    const catalog = new Catalog(store, 'online-retail');
    const objects = (await catalog.scoringRuns.byRun()).get(E)!;
    const error = await removeRun(catalog, E, objects).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialRemovalError);
    expect((error as PartialRemovalError).removed).toEqual({ runId: E, keys: [E_KEYS[0]] });
    expect((error as Error).message).toBe(
      `removed 1 of the 3 objects of uncommitted scoring run ${E} (${E_KEYS[0]}), then could not delete ${catalog.uri(failing)}: HTTP 503 SlowDown; `
        + `the rest stay until gc runs again (berserkr gc --run ${E})`,
    );
    expect(store.deletes).toEqual([E_KEYS[0]]);
    expect(await store.head(E_KEYS[2])).toBeDefined();
  });
});
