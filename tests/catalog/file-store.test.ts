/**
 * lib/catalog on a folder lake: every data set round-trips through the file
 * store, and what it writes is byte for byte what lakes written before the
 * catalog hold, so existing lakes still read and new objects read in older code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, type Table } from 'apache-arrow';
import {
  Catalog,
  DatasetExistsError,
  DatasetFormatError,
  DatasetNotFoundError,
  RawObjects,
  type ExportMetadata,
  type LockRecord,
  type ModelManifest,
  type RunRecord,
  type ShardMarker,
} from '../../lib/catalog';
import { tableToParquet } from '../../lib/parquet';
import { FileStore } from '../../lib/store/file';

const RUN = '20111109T000000Z-3fa9c1';
const MODEL = '20111109T000000000Z-3fa2c01b';

let dir: string;
let store: FileStore;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berserkr-catalog-'));
  store = new FileStore(dir);
  catalog = new Catalog(store, 'online-retail');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The text of the object at `key` of the lake folder. */
const text = (key: string): string => readFileSync(join(dir, ...key.split('/')), 'utf8');

/** A SCORES-like table of `n` rows. */
const scores = (n: number, customer = 'c'): Table =>
  tableFromArrays({
    customer_id: Array.from({ length: n }, (_, i) => `${customer}${i}`),
    item_id: Array.from({ length: n }, (_, i) => `i${i}`),
    rank: Int32Array.from({ length: n }, (_, i) => i + 1),
    probability: Float64Array.from({ length: n }, (_, i) => 1 / (i + 2)),
  });

const rows = (t: Table): unknown[] => t.toArray().map((r) => ({ ...r.toJSON() }));

const marker = (index: number, count: number): ShardMarker => ({
  runId: RUN,
  shard: { index, count },
  modelId: MODEL,
  asOf: '2011-11-09T00:00:00.000Z',
  horizonDays: 30,
  k: 10,
  formats: ['csv', 'parquet'],
  customers: 3,
  pairs: 30,
  rows: 3,
  lists: catalog.shards.listsKey(RUN, { index, count }),
  scores: [catalog.scores.partKey(RUN, { index, count }, 0)],
});

const metadata = (runId = RUN): ExportMetadata => ({
  runId,
  modelId: MODEL,
  asOf: '2011-11-09T00:00:00.000Z',
  horizonDays: 30,
  k: 10,
  rows: 3,
  customers: 3,
  pairs: 30,
  shards: 1,
  files: [{ name: 'top-k.csv', format: 'csv', bytes: 4, sha256: 'a'.repeat(64) }],
  scores: [catalog.scores.partKey(runId, { index: 0, count: 1 }, 0)],
});

describe('catalog on a file store', () => {
  it('ledger: absent is empty; published as indent-1 JSON; read back', async () => {
    expect(await catalog.ledger.load()).toEqual({ version: 1, dataset: 'online-retail', objects: {} });
    const ledger = {
      version: 1 as const,
      dataset: 'online-retail',
      objects: {
        'x.lzo': {
          etag: 'e1', size: 10, configHash: 'h', attempt: 'a1', ingestedAt: '2011-11-09T00:00:00.000Z',
          clean: [catalog.clean.partKey('x.lzo', 'a1', 0)], rejects: [], counts: { read: 2, clean: 2, rejected: 0, duplicates: 0, byReason: {} },
        },
      },
    };
    await catalog.ledger.publish(ledger);
    expect(text('ledger/online-retail.json')).toBe(JSON.stringify(ledger, null, 1));
    expect(await catalog.ledger.load()).toEqual(ledger);
  });

  it('clean parts: loads what the ledger lists, in raw-key order, and finds every attempt of an object', async () => {
    const part = (n: number, c: string) => tableToParquet(scores(n, c));
    const x0 = catalog.clean.partKey('x.lzo', 'a2', 0);
    const w0 = catalog.clean.partKey('w.lzo', 'a1', 0);
    const stale = catalog.clean.partKey('x.lzo', 'a1', 0);
    const nested = catalog.clean.partKey('x.lzo/y.lzo', 'a1', 0);
    for (const [key, bytes] of [[x0, part(2, 'x')], [w0, part(1, 'w')], [stale, part(5, 's')], [nested, part(1, 'n')]] as const) await catalog.clean.put(key, bytes);
    expect((await catalog.clean.load()).numRows).toBe(0); // nothing published yet
    const entry = (clean: string[]) => ({ etag: 'e', size: 1, configHash: 'h', attempt: 'a', ingestedAt: '', clean, rejects: [], counts: { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} } });
    await catalog.ledger.publish({ version: 1, dataset: 'online-retail', objects: { 'x.lzo': entry([x0]), 'w.lzo': entry([w0]) } });
    expect((await catalog.clean.load()).getChild('customer_id')!.toArray()).toEqual(['w0', 'x0', 'x1']);
    expect((await catalog.rejects.load()).numRows).toBe(0);
    expect(await catalog.clean.attemptKeys('x.lzo')).toEqual([stale, x0]);
    await catalog.clean.delete(stale);
    expect(await catalog.clean.attemptKeys('x.lzo')).toEqual([x0]);
  });

  it('clean parts: a part an ingest replaced and deleted mid-read is read again from the new ledger', async () => {
    const entry = (clean: string[]) => ({ etag: 'e', size: 1, configHash: 'h', attempt: 'a', ingestedAt: '', clean, rejects: [], counts: { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} } });
    const [old, replacement] = [catalog.clean.partKey('x.lzo', 'a1', 0), catalog.clean.partKey('x.lzo', 'a2', 0)];
    await catalog.clean.put(old, tableToParquet(scores(2, 'o')));
    await catalog.ledger.publish({ version: 1, dataset: 'online-retail', objects: { 'x.lzo': entry([old]) } });
    // An ingest publishes the replacement and deletes the old part after the reader read the ledger.
    const get = store.get.bind(store);
    let ingested = false;
    store.get = async (key: string) => {
      if (key === old && !ingested) {
        ingested = true;
        await catalog.clean.put(replacement, tableToParquet(scores(3, 'r')));
        await catalog.ledger.publish({ version: 1, dataset: 'online-retail', objects: { 'x.lzo': entry([replacement]) } });
        await catalog.clean.delete(old);
      }
      return get(key);
    };
    const read = await catalog.clean.read();
    expect(read.table.getChild('customer_id')!.toArray()).toEqual(['r0', 'r1', 'r2']);
    expect(read.parts.map((p) => p.key)).toEqual([replacement]);
    // A part the current ledger still lists and that is gone is an error.
    await catalog.clean.delete(replacement);
    await expect(catalog.clean.read()).rejects.toThrow(`object not found: ${store.uri}/${replacement}`);
  });

  it('models: artefacts, then the manifest; read back with the artefacts checked; never overwritten', async () => {
    expect(await catalog.models.exists(MODEL)).toBe(false);
    await expect(catalog.models.loadManifest(MODEL)).rejects.toThrow(DatasetNotFoundError);
    await expect(catalog.models.loadManifest(MODEL)).rejects.toThrow(`model "${MODEL}" not found: ${store.uri}/models/online-retail/${MODEL}/manifest.json does not exist`);
    const w = await catalog.models.putArtefact(MODEL, 'weights.bin', new Uint8Array([1, 2, 3, 4]), 'application/octet-stream');
    const m = await catalog.models.putArtefact(MODEL, 'model.json', JSON.stringify({ modelTopology: { a: 1 }, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }] }), 'application/json');
    const manifest: ModelManifest = {
      formatVersion: 1, modelId: MODEL, createdAt: '2011-11-09T00:00:00.000Z', backend: 'wasm', configHash: 'h', featureNames: ['f'],
      vocab: { customers: 2, items: 3 }, spec: { features: 1, customers: 2, items: 3, hidden: [4], itemEmbedding: 0, customerEmbedding: 0, l2: 0, seed: 1 },
      preprocessing: { version: 1, transforms: [{ name: 'f', log: false, mean: 0, scale: 1 }] }, calibration: { method: 'identity' }, metrics: { 'ndcg@10': 0.5 },
      history: [{ phase: 'train', epoch: 1, epochs: 1, trainLoss: 0.3, groups: 1, rows: 2, rowsPerSecond: 10 }],
      artefacts: [w, m].map(({ key, size, etag }) => ({ key, size, etag })),
    };
    await catalog.models.publishManifest(manifest);
    expect(text(`models/online-retail/${MODEL}/manifest.json`)).toBe(JSON.stringify(manifest, null, 2));
    // The artefacts' sizes come from one listing of keys: no HEAD, no file read to hash it.
    const [head, list] = [jest.spyOn(store, 'head'), jest.spyOn(store, 'list')];
    expect(await catalog.models.loadManifest(MODEL)).toEqual(manifest);
    expect([head.mock.calls, list.mock.calls]).toEqual([[], [[`models/online-retail/${MODEL}/`, { etags: false }]]]);
    [head, list].forEach((spy) => spy.mockRestore());
    expect((await catalog.models.loadModelJson(MODEL)).weightsManifest[0].weights[0]).toEqual({ name: 'w', shape: [1], dtype: 'float32' });
    expect([...(await catalog.models.getWeights(MODEL, 'weights.bin'))]).toEqual([1, 2, 3, 4]);
    await expect(catalog.models.assertNew(MODEL)).rejects.toThrow(DatasetExistsError);

    await catalog.models.putArtefact(MODEL, 'weights.bin', new Uint8Array(3), 'application/octet-stream');
    await expect(catalog.models.loadManifest(MODEL)).rejects.toThrow(
      `invalid model artefact ${store.uri}/models/online-retail/${MODEL}/weights.bin: expected 4 bytes as recorded in ${store.uri}/models/online-retail/${MODEL}/manifest.json, found 3`,
    );
  });

  it('champion: absent until promoted; only a published model; read back', async () => {
    const champion = { modelId: MODEL, promotedAt: '2011-11-09T00:00:00.000Z', validation: { 'ndcg@10': 0.5 } };
    expect(await catalog.champion.load()).toBeUndefined();
    await expect(catalog.champion.publish(champion)).rejects.toThrow(DatasetNotFoundError);
    await store.put(catalog.models.key(MODEL, 'manifest.json'), '{}');
    await catalog.champion.publish(champion);
    expect(text('models/online-retail/champion.json')).toBe(JSON.stringify(champion, null, 2));
    expect(await catalog.champion.load()).toEqual(champion);
  });

  it('baseline fallbacks: each fit saved once in its model\'s folder and read back; the record of an earlier version read as before', async () => {
    const fallback = { baseline: 'repeat' as const, calibration: { method: 'platt' as const, a: 1, b: 0 }, validationCutoff: 1, k: 10, reason: 'no model beat it' };
    const fitKey = `models/online-retail/${MODEL}/fallback.json`;
    await expect(catalog.fallbacks.save(MODEL, fallback)).rejects.toThrow(DatasetNotFoundError);
    await store.put(catalog.models.key(MODEL, 'manifest.json'), '{}');
    await expect(catalog.fallbacks.load('repeat', MODEL)).rejects.toThrow(`baseline fallback "repeat" fitted by the training of model "${MODEL}" not found: ${store.uri}/${fitKey} does not exist`);
    expect((await catalog.fallbacks.save(MODEL, fallback)).key).toBe(fitKey);
    expect(await catalog.fallbacks.load('repeat', MODEL)).toEqual(fallback);
    // Never rewritten, and not read as a fit of another baseline.
    await expect(catalog.fallbacks.save(MODEL, { ...fallback, validationCutoff: 2 })).rejects.toThrow(`fallback fits are never rewritten`);
    expect(await catalog.fallbacks.load('repeat', MODEL)).toEqual(fallback);
    await expect(catalog.fallbacks.load('popularity', MODEL)).rejects.toThrow(`it is a fit of baseline "repeat", not of "popularity"`);
    expect(await catalog.fallbacks.fits('repeat')).toEqual([{ modelId: MODEL, fallback }]);
    expect(await catalog.fallbacks.fits('popularity')).toEqual([]);

    await expect(catalog.fallbacks.load('repeat')).rejects.toThrow(`baseline fallback "repeat" not found: ${store.uri}/models/online-retail/baseline-repeat/fallback.json does not exist`);
    await store.put('models/online-retail/baseline-repeat/fallback.json', JSON.stringify(fallback));
    expect(await catalog.fallbacks.load('repeat')).toEqual(fallback);
    await expect(catalog.fallbacks.load('popularity')).rejects.toThrow(DatasetNotFoundError);
  });

  it('scoring run: scored parts, shard lists and markers, the export and its sidecar', async () => {
    const part = await catalog.scores.save(RUN, { index: 0, count: 2 }, 0, scores(4));
    expect(rows(await catalog.scores.load(part.key))).toEqual(rows(scores(4)));

    expect(await catalog.shards.loadMarkers(RUN)).toEqual([]);
    for (const index of [1, 0]) {
      await catalog.shards.saveLists(RUN, { index, count: 2 }, scores(index + 1, `s${index}`));
      await catalog.shards.publishMarker(marker(index, 2));
    }
    expect(text(catalog.shards.markerKey(RUN, { index: 0, count: 2 }))).toBe(JSON.stringify(marker(0, 2), null, 2) + '\n');
    const markers = await catalog.shards.loadMarkers(RUN);
    expect(markers).toEqual([marker(0, 2), marker(1, 2)]);
    expect(rows(await catalog.shards.loadLists(markers[1]))).toEqual(rows(scores(2, 's1')));

    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('a,b\n');
      yield Buffer.from('1,2\n');
    }
    const csv = await catalog.exports.putFile(RUN, 'csv', chunks());
    expect(csv.key).toBe(`exports/online-retail/${RUN}/top-k.csv`);
    expect(text(csv.key)).toBe('a,b\n1,2\n');
    expect((await catalog.exports.headFile(RUN, 'csv'))?.size).toBe(8);
    expect(await catalog.exports.headFile(RUN, 'parquet')).toBeUndefined();
    const parquet = tableToParquet(scores(3));
    await catalog.exports.putFile(RUN, 'parquet', parquet);
    const file = { name: 'top-k.parquet', format: 'parquet' as const, bytes: parquet.length, sha256: createHash('sha256').update(parquet).digest('hex') };
    expect(rows(await catalog.exports.loadLists(RUN, file))).toEqual(rows(scores(3)));
    const changed = { ...file, sha256: '0'.repeat(64) };
    await expect(catalog.exports.loadLists(RUN, changed)).rejects.toThrow(
      `invalid export file ${catalog.exports.fileUri(RUN, 'parquet')}: it holds ${file.bytes} bytes of SHA-256 ${file.sha256}, where its sidecar ${catalog.exports.metadataUri(RUN)} records ${file.bytes} bytes of SHA-256 ${changed.sha256}; the file was changed or damaged after its commit; score the run again (berserkr score)`,
    );
    await catalog.exports.publishMetadata(metadata());
    expect(text(`exports/online-retail/${RUN}/_metadata.json`)).toBe(JSON.stringify(metadata(), null, 2) + '\n');
    expect(await catalog.exports.loadMetadata(RUN)).toEqual(metadata());
  });

  it('latest export: absent before the first publication; the pointer, then the copies', async () => {
    expect(await catalog.latest.load()).toBeUndefined();
    expect(await catalog.latest.loadMetadata()).toBeUndefined();
    await catalog.exports.putFile(RUN, 'csv', Buffer.from('customer_id\n'));
    await catalog.exports.publishMetadata(metadata());
    await catalog.latest.publish(RUN);
    expect(text('exports/online-retail/latest.json')).toBe(JSON.stringify({ runId: RUN, metadata: `exports/online-retail/${RUN}/_metadata.json` }, null, 2) + '\n');
    expect(await catalog.latest.load()).toEqual({ runId: RUN, metadata: `exports/online-retail/${RUN}/_metadata.json` });
    expect(await catalog.latest.loadMetadata()).toEqual(metadata());
    await catalog.latest.copyFile(RUN, 'csv');
    await catalog.latest.copyMetadata(metadata());
    expect(text('exports/online-retail/latest/top-k.csv')).toBe('customer_id\n');
    expect(text('exports/online-retail/latest/_metadata.json')).toBe(text(`exports/online-retail/${RUN}/_metadata.json`));
    expect(await catalog.latest.copiedRunId()).toBe(RUN);
    // Copies of an earlier export in another format are removed when the copies are refreshed.
    await store.put('exports/online-retail/latest/top-k.jsonl', '{}\n');
    expect((await catalog.latest.refreshCopies(metadata())).map((o) => o.key)).toEqual(['exports/online-retail/latest/top-k.csv', 'exports/online-retail/latest/_metadata.json']);
    expect((await store.list('exports/online-retail/latest/')).map((o) => o.key)).toEqual(['exports/online-retail/latest/_metadata.json', 'exports/online-retail/latest/top-k.csv']);
  });

  it('scoring runs: objects by run, committed or not', async () => {
    const other = '20111110T000000Z-bbbbbb';
    await catalog.scores.save(RUN, { index: 0, count: 1 }, 0, scores(1));
    await catalog.exports.publishMetadata(metadata());
    await catalog.scores.save(other, { index: 0, count: 1 }, 0, scores(1));
    await catalog.latest.publish(RUN);
    // Keys and times only: each folder is listed once, without hashing its files.
    const list = jest.spyOn(store, 'list');
    const byRun = await catalog.scoringRuns.byRun();
    expect(list.mock.calls).toEqual([['exports/online-retail/', { etags: false }], ['scores/online-retail/', { etags: false }]]);
    list.mockRestore();
    expect([...byRun.keys()]).toEqual([RUN, other]);
    expect(byRun.get(RUN)!.map((o) => o.key)).toEqual([`exports/online-retail/${RUN}/_metadata.json`, `scores/online-retail/${RUN}/shard-0-of-1/part-00000.parquet`]);
    expect(catalog.scoringRuns.isCommitted(RUN, byRun.get(RUN)!)).toBe(true);
    expect(catalog.scoringRuns.isCommitted(other, byRun.get(other)!)).toBe(false);
  });

  it('run records: saved as indent-2 JSON with a newline, listed newest first, read back', async () => {
    const record = (runId: string): RunRecord => ({
      schema: 'berserkr.run/1', runId, command: 'run', params: {}, startedAt: '2011-11-09T00:00:00.000Z', finishedAt: null, durationMs: null, status: 'running',
      code: { version: '0.1.0', commit: null, dirty: null }, config: null, backend: null, inputs: [], outputs: [], rows: {}, steps: [], metrics: {}, errors: [],
    });
    const later = '20111110T000000Z-bbbbbb';
    await catalog.runs.save(record(RUN));
    await catalog.runs.save(record(later));
    expect(text(`runs/online-retail/${RUN}.json`)).toBe(JSON.stringify(record(RUN), null, 2) + '\n');
    expect(await catalog.runs.list()).toEqual([later, RUN]);
    expect(await catalog.runs.load(RUN)).toEqual(record(RUN));
  });

  it('lock: absent, saved, read back, deleted', async () => {
    const lock: LockRecord = {
      schema: 'berserkr.lock/1', owner: { host: 'h', pid: 1, runId: RUN }, token: '0123456789abcdef',
      acquiredAt: '2011-11-09T00:00:00.000Z', renewedAt: '2011-11-09T00:00:00.000Z', expiresAt: '2011-11-09T00:02:00.000Z',
    };
    expect(await catalog.lock.load()).toBeUndefined();
    await catalog.lock.save(lock);
    expect(text('locks/online-retail.json')).toBe(JSON.stringify(lock, null, 2) + '\n');
    expect(await catalog.lock.load()).toEqual(lock);
    await catalog.lock.delete();
    expect(await catalog.lock.load()).toBeUndefined();
  });

  it('reports: published beside the run record, with their URI', async () => {
    const written = await catalog.reports.publish(RUN, '<html></html>');
    expect(written).toMatchObject({ key: `runs/online-retail/${RUN}.html`, uri: `${store.uri}/runs/online-retail/${RUN}.html` });
    expect(text(`runs/online-retail/${RUN}.html`)).toBe('<html></html>');
  });

  it('raw objects: split by raw.pattern and compression, streamed, named by URI', async () => {
    const raw = new RawObjects(new FileStore(join(dir, 'raw')));
    await raw.store.put('landing/a.csv.lzo', 'lzop');
    await raw.store.put('landing/notes.txt', 'x');
    const { taken, skipped } = await raw.select({ raw: { pattern: '**/*.csv*' }, csv: { compression: 'auto' } }, 'landing/');
    expect(taken.map((o) => o.key)).toEqual(['landing/a.csv.lzo']);
    expect(skipped.map((o) => o.key)).toEqual(['landing/notes.txt']);
    const chunks: Uint8Array[] = [];
    for await (const chunk of raw.stream('landing/a.csv.lzo')) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('lzop');
    expect(raw.uri('landing/a.csv.lzo')).toBe(`${raw.store.uri}/landing/a.csv.lzo`);
  });

  it('reads an invalid object of a folder lake as a DatasetFormatError naming its file URI', async () => {
    await store.put(catalog.shards.markerKey(RUN, { index: 0, count: 1 }), JSON.stringify({ ...marker(0, 1), formats: ['xlsx'] }));
    await expect(catalog.shards.loadMarkers(RUN)).rejects.toThrow(DatasetFormatError);
    await expect(catalog.shards.loadMarkers(RUN)).rejects.toThrow(`invalid shard marker ${store.uri}/exports/online-retail/${RUN}/shards/shard-0-of-1._SUCCESS.json: field formats.0: Invalid enum value`);
  });
});
