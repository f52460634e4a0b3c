/**
 * Several data sets in one lake (lib/catalog): the champion, latest export,
 * lock, models, run records and scoring runs of one data set are its own, so
 * the pipeline of a second data set leaves the first's as they were; an object
 * a data set lacks is reported with the data sets the lake holds; a lake of one
 * data set per lake is refused with how to migrate.
 */
import { Catalog, checkLakeLayout, lakeDatasets, LakeLayoutError, LEGACY_KEYS, NotInLakeError, type LockRecord, type RunRecord } from '../../lib/catalog';
import { removeUncommittedRuns } from '../../scoring/leftovers';
import { MemoryStore } from '../helpers/memory-store';

const RETAIL = 'online-retail';
const LOYALTY = 'loyalty';

/** What one pipeline run of `catalog`'s data set publishes, with ids of its own: ledger, model, champion, export, latest pointer, lock, run record. */
async function publishRun(catalog: Catalog, runId: string, modelId: string): Promise<void> {
  await catalog.ledger.publish({ version: 1, dataset: catalog.dataset, objects: {} });
  await catalog.store.put(catalog.models.key(modelId, 'manifest.json'), '{}');
  await catalog.champion.publish({ modelId, promotedAt: '2011-11-09T00:00:00.000Z', validation: { 'ndcg@10': 0.4 } });
  await catalog.exports.putFile(runId, 'csv', new TextEncoder().encode('customer_id,item_id,rank,probability\r\n'));
  await catalog.exports.publishMetadata({
    runId, modelId, asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: 0, customers: 0, pairs: 0, shards: 1,
    files: [{ name: 'top-k.csv', format: 'csv', bytes: 38, sha256: '0'.repeat(64) }], scores: [],
  });
  await catalog.latest.publish(runId);
  const now = '2011-11-09T00:00:00.000Z';
  const lock: LockRecord = { schema: 'berserkr.lock/1', owner: { host: 'h', pid: 1, runId }, token: '0123456789abcdef', acquiredAt: now, renewedAt: now, expiresAt: now };
  await catalog.lock.save(lock);
  const record: RunRecord = {
    schema: 'berserkr.run/1', runId, command: 'run', params: {}, startedAt: now, finishedAt: now, durationMs: 0, status: 'ok',
    code: { version: '0.1.0', commit: null, dirty: null }, config: null, backend: null, inputs: [], outputs: [], rows: {}, steps: [], metrics: {}, errors: [],
  };
  await catalog.runs.save(record);
}

/** The objects of data set `dataset` in `store`, key → bytes as text. */
function objectsOf(store: MemoryStore, catalog: Catalog): Map<string, string> {
  const own = [...catalog.prefixes, catalog.ledger.key, catalog.lock.key];
  const out = new Map<string, string>();
  for (const [key, o] of store.objects) if (own.some((p) => key.startsWith(p))) out.set(key, Buffer.from(o.bytes).toString('utf8'));
  return out;
}

describe('two data sets in one lake', () => {
  it('publishing the second data set\'s run leaves the first\'s champion, latest export, lock and run records as they were', async () => {
    const store = new MemoryStore();
    const retail = new Catalog(store, RETAIL);
    const loyalty = new Catalog(store, LOYALTY);
    await publishRun(retail, '20111109T000000Z-aaaaaa', '20111109T000000000Z-aaaaaaaa');
    const before = objectsOf(store, retail);
    const written = store.puts.length;

    await publishRun(loyalty, '20111110T000000Z-bbbbbb', '20111110T000000000Z-bbbbbbbb');

    expect(objectsOf(store, retail)).toEqual(before);
    expect((await retail.champion.load())?.modelId).toBe('20111109T000000000Z-aaaaaaaa');
    expect((await retail.latest.load())?.runId).toBe('20111109T000000Z-aaaaaa');
    expect((await retail.lock.load())?.owner.runId).toBe('20111109T000000Z-aaaaaa');
    expect(await retail.runs.list()).toEqual(['20111109T000000Z-aaaaaa']);
    // Every key the second run wrote is its data set's.
    const loyaltyKeys = [...loyalty.prefixes, loyalty.ledger.key, loyalty.lock.key];
    for (const key of store.puts.slice(written)) expect([key, loyaltyKeys.some((p) => key.startsWith(p))]).toEqual([key, true]);
    expect((await loyalty.champion.load())?.modelId).toBe('20111110T000000000Z-bbbbbbbb');
    expect(await loyalty.runs.list()).toEqual(['20111110T000000Z-bbbbbb']);
  });

  it('a clean-up of one data set leaves the other\'s uncommitted scoring runs alone', async () => {
    const store = new MemoryStore();
    const retail = new Catalog(store, RETAIL);
    const loyalty = new Catalog(store, LOYALTY);
    await store.put(retail.scores.partKey('20111109T000000Z-aaaaaa', { index: 0, count: 2 }, 0), 'x');
    await store.put(loyalty.scores.partKey('20111109T000000Z-bbbbbb', { index: 0, count: 2 }, 0), 'x');
    const removed = await removeUncommittedRuns(loyalty, Date.now() + 1, () => false);
    expect(removed.map((r) => r.runId)).toEqual(['20111109T000000Z-bbbbbb']);
    expect([...store.objects.keys()]).toEqual(['scores/online-retail/20111109T000000Z-aaaaaa/shard-0-of-2/part-00000.parquet']);
  });

  it('names the data sets the lake holds when this one has no champion or no published export', async () => {
    const store = new MemoryStore();
    await publishRun(new Catalog(store, RETAIL), '20111109T000000Z-aaaaaa', '20111109T000000000Z-aaaaaaaa');
    const loyalty = new Catalog(store, LOYALTY);
    await expect(loyalty.requireChampion()).rejects.toThrow(NotInLakeError);
    await expect(loyalty.requireChampion()).rejects.toThrow(
      'no champion for data set "loyalty" in lake memory://test (the lake holds: online-retail): memory://test/models/loyalty/champion.json does not exist; '
        + 'train a model first (berserkr train) or pass --model',
    );
    await expect(loyalty.requireLatestExport()).rejects.toThrow(
      'no published export for data set "loyalty" in lake memory://test (the lake holds: online-retail): memory://test/exports/loyalty/latest.json does not exist; run berserkr score first',
    );
    await expect(new Catalog(new MemoryStore(), LOYALTY).requireChampion()).rejects.toThrow('(the lake holds no data set)');
    expect((await new Catalog(store, RETAIL).requireChampion()).modelId).toBe('20111109T000000000Z-aaaaaaaa');
    expect((await new Catalog(store, RETAIL).requireLatestExport()).runId).toBe('20111109T000000Z-aaaaaa');
  });

  it('lists the data sets of the lake by their ledgers', async () => {
    const store = new MemoryStore();
    expect(await lakeDatasets(store)).toEqual([]);
    for (const name of [RETAIL, LOYALTY]) await new Catalog(store, name).ledger.publish({ version: 1, dataset: name, objects: {} });
    await store.put('ledger/notes/readme.json', '{}');
    expect(await lakeDatasets(store)).toEqual([LOYALTY, RETAIL]);
  });
});

describe('a lake of one data set per lake', () => {
  it.each(LEGACY_KEYS)('is refused when it has %s, saying how to migrate', async (key) => {
    const store = new MemoryStore();
    await store.put('ledger/online-retail.json', '{}');
    await expect(new Catalog(store, RETAIL).checkLayout()).resolves.toBeUndefined();
    await store.put(key, '{}');
    const error = await checkLakeLayout(store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakeLayoutError);
    expect((error as Error).message).toContain(`lake memory://test has the layout of one data set per lake (found ${key})`);
    expect((error as Error).message).toContain('move models/, scores/, exports/, runs/ and locks/ out of the lake (clean/, rejects/ and ledger/ are per data set already and stay)');
    await expect(new Catalog(store, RETAIL).checkLayout()).rejects.toThrow(LakeLayoutError);
  });
});
