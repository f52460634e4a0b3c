/**
 * pipeline/gc.ts: the copies of the latest export left mixed by a failed commit are re-synced to
 * the pointer, unless the run lost the pipeline lock; the parts the ingest ledger lists that the lake does not hold are reported, untouched;
 * the models of runs that failed or were killed, and folders without a manifest, are removed when
 * nothing refers to them, and every other model is kept;
 * one uncommitted scoring run named by the operator is removed, and nothing else, or refused.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { Catalog, type ExportMetadata, InvalidRunIdError, type LedgerEntry, MISSING_PARTS_REMEDY, type ModelManifest, type RunRecord } from '../../lib/catalog';
import { createLogger } from '../../lib/log';
import { RunRecorder } from '../../lib/runs';
import { gcRunStep, gcStep, MISSING_PARTS_SHOWN } from '../../pipeline/gc';
import { RunIdRefusedError } from '../../scoring/errors';
import { refusingFence } from '../helpers/fence';
import { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

const OLD = '20111109T000000Z-aaaaaa';
const NEW = '20111110T000000Z-bbbbbb';

const context = (lake: MemoryStore) => retailContext(lake, 'gc');
const HOUR = 3_600_000;
const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: kill(pid, 0) fails with ESRCH
/** Every object of `lake` with its bytes, to show what was deleted or rewritten. */
const contents = (lake: MemoryStore): [string, string][] => [...lake.objects].map(([key, o]) => [key, Buffer.from(o.bytes).toString('base64')]);

/** Writes a `running` record of `command` by process `pid` on `host`, started an hour before now, with `params`. */
async function running(catalog: Catalog, suffix: string, command: string, host: string, pid: number, params: RunRecord['params'] = {}): Promise<RunRecord> {
  const recorder = new RunRecorder({ command, params, code: { version: '0.1.0', commit: null, dirty: null }, suffix, now: () => Date.now() - HOUR });
  const record: RunRecord = { ...recorder.snapshot('running'), process: { host, pid } };
  await catalog.runs.save(record);
  return record;
}

/** Commits an export of `runId` holding `csv` (and `jsonl` when given), scored with `modelId`. */
async function commit(catalog: Catalog, runId: string, csv: string, jsonl?: string, modelId = 'm'): Promise<ExportMetadata> {
  const files: ExportMetadata['files'] = [];
  for (const [format, body] of [['csv', csv], ['jsonl', jsonl]] as const) {
    if (body === undefined) continue;
    await catalog.exports.putFile(runId, format, Buffer.from(body));
    files.push({ name: catalog.exports.fileName(format), format, bytes: body.length, sha256: 'a'.repeat(64) });
  }
  const metadata: ExportMetadata = { runId, modelId, asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: 1, customers: 1, pairs: 1, shards: 1, files, scores: [] };
  await catalog.exports.publishMetadata(metadata);
  return metadata;
}

describe('gcStep and the copies of the latest export', () => {
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true };

  it('re-copies the export the pointer names when a failed commit left the copies of another run', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { latest } = ctx.catalog;
    await latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n', 'old jsonl\n'));
    await latest.publish(OLD);
    expect((await gcStep(ctx, options)).latestResynced).toBeUndefined();

    // The next commit flipped the pointer, copied its CSV, and died before the sidecar.
    await commit(ctx.catalog, NEW, 'new csv\n');
    await latest.publish(NEW);
    await latest.copyFile(NEW, 'csv');
    expect(await latest.copiedRunId()).toBe(OLD);

    expect((await gcStep(ctx, options)).latestResynced).toBe(NEW);
    expect(await latest.copiedRunId()).toBe(NEW);
    expect((await lake.list('exports/online-retail/latest/')).map((o) => o.key)).toEqual(['exports/online-retail/latest/_metadata.json', 'exports/online-retail/latest/top-k.csv']);
    expect(Buffer.from(await lake.get('exports/online-retail/latest/top-k.csv')).toString()).toBe('new csv\n');
    expect((await gcStep(ctx, options)).latestResynced).toBeUndefined();
  });

  it('re-copies nothing when its fence says the run lost the lock, and throws its error', async () => {
    const lake = new MemoryStore();
    const { fence, asked, error: refused } = refusingFence('copies');
    const ctx = { ...context(lake), fence };
    const { latest } = ctx.catalog;
    await latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n'));
    await commit(ctx.catalog, NEW, 'new csv\n');
    await latest.publish(NEW); // a commit died after the flip: the copies are OLD's
    const before = contents(lake);
    await expect(gcStep(ctx, options)).rejects.toBe(refused);
    expect(asked).toEqual(['memory://test/exports/online-retail/latest/top-k.parquet']);
    expect(contents(lake).filter(([key]) => key.startsWith('exports/'))).toEqual(before.filter(([key]) => key.startsWith('exports/')));
    expect(await latest.copiedRunId()).toBe(OLD);
  });

  it('keeps every object of the run the pointer names when its sidecar is lost, where an uncommitted run would be removed', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    await ctx.catalog.latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n'));
    await ctx.catalog.latest.publish(OLD);
    await lake.put(`scores/online-retail/${OLD}/shard-0-of-1/part-00000.parquet`, 'x');
    await lake.delete(ctx.catalog.exports.metadataKey(OLD));
    const before = contents(lake).filter(([key]) => !key.startsWith('runs/'));
    const r = await gcStep(ctx, { ...options, now: () => Date.now() + HOUR });
    expect(r.uncommittedRuns).toEqual([]);
    expect(contents(lake).filter(([key]) => !key.startsWith('runs/'))).toEqual(before);
  });

  it('leaves the copies of an export committed while it runs (score takes no lock) as the commit made them', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { latest } = ctx.catalog;
    await latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n'));
    await latest.publish(OLD);
    const byRun = ctx.catalog.scoringRuns.byRun.bind(ctx.catalog.scoringRuns);
    jest.spyOn(ctx.catalog.scoringRuns, 'byRun').mockImplementation(async () => {
      await latest.refreshCopies(await commit(ctx.catalog, NEW, 'new csv\n'));
      await latest.publish(NEW);
      return byRun();
    });
    expect((await gcStep(ctx, options)).latestResynced).toBeUndefined();
    expect([(await latest.load())?.runId, await latest.copiedRunId()]).toEqual([NEW, NEW]);
  });

  it('takes a damaged pointer for no published run, with a warning: the leftovers are removed and nothing is re-copied', async () => {
    const lake = new MemoryStore();
    const lines: string[] = [];
    const ctx = { ...context(lake), log: createLogger({ format: 'json', level: 'info', sink: { write: (chunk: string) => void lines.push(chunk) } }) };
    await ctx.catalog.latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n'));
    await lake.put('exports/online-retail/latest.json', '{broken');
    const leftover = '20111111T000000Z-cccccc';
    await lake.put(`scores/online-retail/${leftover}/shard-0-of-1/part-00000.parquet`, 'x');
    const r = await gcStep(ctx, { ...options, now: () => Date.now() + HOUR });
    expect([r.uncommittedRuns, r.latestResynced]).toEqual([[leftover], undefined]);
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'warn' && l.msg.includes('latest.json'));
    expect(warnings).toEqual([expect.objectContaining({ msg: expect.stringContaining('invalid latest export pointer memory://test/exports/online-retail/latest.json') })]);
    expect(warnings[0].msg).toContain('it names no export gc could keep; the next commit replaces it');
  });

  it('skips a run record it cannot read, naming it, and does the rest of its work', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { latest, runs } = ctx.catalog;
    await lake.put(runs.key(OLD), '{');
    await latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n'));
    await commit(ctx.catalog, NEW, 'new csv\n');
    await latest.publish(NEW);
    const r = await gcStep(ctx, options);
    expect(r).toMatchObject({ unreadableRecords: [runs.uri(OLD)], latestResynced: NEW });
  });
});

describe('gcStep and gcRunStep under a lost pipeline lock', () => {
  /** Lease 2 minutes; the objects of the lake, written now, are an hour old by this clock. */
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true, now: () => Date.now() + HOUR };
  const LEFTOVER = '20111111T000000Z-cccccc';
  const MODEL = '20111109T000000001Z-3fa2c001';

  /**
   * A lake where gc, holding the lock, would finish the `running` record of a `run` on another host (the run
   * that took the lock over, as gc sees it once it lost the lock), remove the uncommitted scoring run LEFTOVER
   * and the model MODEL, saved without a manifest.
   */
  async function lake(): Promise<{ lake: MemoryStore; catalog: Catalog; holder: RunRecord }> {
    const store = new MemoryStore();
    const catalog = new Catalog(store, 'online-retail');
    const holder = await running(catalog, 'b0b0b0', 'run', 'host-b', 4242);
    await store.put(`scores/online-retail/${LEFTOVER}/shard-0-of-1/part-00000.parquet`, 'x');
    await store.put(catalog.models.key(MODEL, 'weights.bin'), 'w');
    return { lake: store, catalog, holder };
  }
  const [leftoverUri, modelUri] = [
    `memory://test/exports/online-retail/${LEFTOVER}/ and memory://test/scores/online-retail/${LEFTOVER}/`,
    `memory://test/models/online-retail/${MODEL}/`,
  ];

  it('rewrites no run record and removes nothing when its fence refuses: the new holder\'s running record stays running', async () => {
    const { lake: store, catalog, holder } = await lake();
    const before = contents(store);
    const { fence, asked, error } = refusingFence();
    await expect(gcStep({ ...context(store), fence }, options)).rejects.toBe(error);
    expect(asked).toEqual([catalog.runs.uri(holder.runId)]);
    expect(contents(store)).toEqual(before);
    expect((await catalog.runs.load(holder.runId)).status).toBe('running');
  });

  it('checks the lock before each record, run and model it removes, and removes none after a refusal', async () => {
    // Let through: the lock lost after that point.
    for (const [refused, left] of [[leftoverUri, [LEFTOVER, MODEL]], [modelUri, [MODEL]]] as const) {
      const { lake: store, catalog, holder } = await lake();
      const { fence, asked, error } = refusingFence(refused, (what) => what === refused);
      await expect(gcStep({ ...context(store), fence }, options)).rejects.toBe(error);
      expect(asked).toEqual([catalog.runs.uri(holder.runId), leftoverUri, modelUri].slice(0, refused === leftoverUri ? 2 : 3));
      expect((await catalog.runs.load(holder.runId)).status).toBe('unknown');
      expect([LEFTOVER, MODEL].filter((id) => [...store.objects.keys()].some((key) => key.includes(`/${id}/`)))).toEqual(left);
    }
    // A fence that lets everything through is asked before each, and gc removes them all.
    const { lake: store, catalog, holder } = await lake();
    const { fence, asked } = refusingFence('nothing', () => false);
    const r = await gcStep({ ...context(store), fence }, options);
    expect(asked).toEqual([catalog.runs.uri(holder.runId), leftoverUri, modelUri]);
    expect([r.abandonedRuns, r.uncommittedRuns, r.unusedModels]).toEqual([[holder.runId], [LEFTOVER], [MODEL]]);
  });

  it('gcRunStep finishes no record and removes nothing of the run when its fence refuses', async () => {
    const store = new MemoryStore();
    const catalog = new Catalog(store, 'online-retail');
    await store.put(`scores/online-retail/${LEFTOVER}/shard-0-of-1/part-00000.parquet`, 'x');
    const shard = await running(catalog, 'aaaaa1', 'score', hostname(), dead, { runId: LEFTOVER });
    const before = contents(store);
    const all = refusingFence();
    await expect(gcRunStep({ ...context(store), fence: all.fence }, LEFTOVER, options)).rejects.toBe(all.error);
    expect(all.asked).toEqual([catalog.runs.uri(shard.runId)]);
    expect(contents(store)).toEqual(before);

    // The lock lost after the record was finished: the run's objects stay.
    const objects = refusingFence(leftoverUri, (what) => what === leftoverUri);
    await expect(gcRunStep({ ...context(store), fence: objects.fence }, LEFTOVER, options)).rejects.toBe(objects.error);
    expect(objects.asked).toEqual([catalog.runs.uri(shard.runId), leftoverUri]);
    expect((await catalog.runs.load(shard.runId)).status).toBe('killed');
    expect(store.objects.has(`scores/online-retail/${LEFTOVER}/shard-0-of-1/part-00000.parquet`)).toBe(true);
  });
});

describe('gcStep and the parts the ledger lists that the lake does not hold', () => {
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true, checkParts: true };
  const entry = (clean: string[], rejects: string[] = []): LedgerEntry => ({
    etag: 'e', size: 1, configHash: 'h', rowsHash: 'r', attempt: 'a1', ingestedAt: '', clean, rejects, counts: { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} },
  });

  /** A lake whose ledger lists, for raw objects `raws`, `parts` clean parts and one reject part each, all present. */
  async function ingested(raws: string[], parts = 1): Promise<{ lake: MemoryStore; catalog: Catalog; clean: string[][]; rejects: string[] }> {
    const lake = new MemoryStore();
    const catalog = new Catalog(lake, 'online-retail');
    const clean = raws.map((raw) => Array.from({ length: parts }, (_, i) => catalog.clean.partKey(raw, 'a1', i)));
    const rejects = raws.map((raw) => catalog.rejects.partKey(raw, 'a1', 0));
    for (const key of [...clean.flat(), ...rejects]) await lake.put(key, 'parquet');
    await catalog.ledger.publish({ version: 1, dataset: 'online-retail', objects: Object.fromEntries(raws.map((raw, i) => [raw, entry(clean[i], [rejects[i]])])) });
    return { lake, catalog, clean, rejects };
  }

  it('names the missing clean and reject parts with their raw objects and what to do, counts them, and deletes or rewrites nothing', async () => {
    const { lake, catalog, clean, rejects } = await ingested(['2011-05.csv.lzo', '2011-04.csv.lzo', '2011-06.csv.lzo'], 2);
    await lake.delete(clean[0][1]);
    await lake.delete(rejects[0]);
    await lake.delete(clean[1][0]);
    const [before, puts] = [contents(lake), lake.puts.length];
    const ctx = retailContext(lake, 'gc');

    const r = await gcStep(ctx, options);
    expect(r.partsMissing).toEqual({
      count: 3,
      objects: 2,
      first: [
        { part: catalog.uri(clean[1][0]), object: '2011-04.csv.lzo' },
        { part: catalog.uri(clean[0][1]), object: '2011-05.csv.lzo' },
        { part: catalog.uri(rejects[0]), object: '2011-05.csv.lzo' },
      ],
      remedy: MISSING_PARTS_REMEDY,
    });
    expect(ctx.run.snapshot().rows['gc.parts_missing']).toBe(3);
    expect([contents(lake), lake.puts.length]).toEqual([before, puts]);
  });

  it(`names the first ${MISSING_PARTS_SHOWN} parts and counts them all`, async () => {
    const raws = Array.from({ length: MISSING_PARTS_SHOWN + 2 }, (_, i) => `2011-${String(i + 1).padStart(2, '0')}.csv.lzo`);
    const { lake, clean } = await ingested(raws);
    for (const [part] of clean) await lake.delete(part);
    const r = await gcStep(retailContext(lake, 'gc'), options);
    expect(r.partsMissing).toMatchObject({ count: raws.length, objects: raws.length });
    expect(r.partsMissing?.first.map((p) => p.object)).toEqual(raws.slice(0, MISSING_PARTS_SHOWN));
  });

  it('reports none when the lake holds every part, or nothing was ingested; and looks only when asked', async () => {
    const none = { count: 0, objects: 0, first: [], remedy: null };
    const { lake } = await ingested(['2011-05.csv.lzo']);
    const ctx = retailContext(lake, 'gc');
    expect((await gcStep(ctx, options)).partsMissing).toEqual(none);
    expect(ctx.run.snapshot().rows['gc.parts_missing']).toBeUndefined();
    expect((await gcStep(retailContext(new MemoryStore(), 'gc'), options)).partsMissing).toEqual(none);
    await lake.delete(new Catalog(lake, 'online-retail').clean.partKey('2011-05.csv.lzo', 'a1', 0));
    expect((await gcStep(retailContext(lake, 'gc'), { ...options, checkParts: false })).partsMissing).toBeUndefined();
  });
});

describe('gcStep and the models that nothing refers to', () => {
  /** Lease 2 minutes; the objects of the lake, written now, are an hour old by this clock. */
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true, now: () => Date.now() + HOUR };
  /** A model id as training makes them, `n` making it unique (and ordering the ids). */
  const model = (n: number): string => `20111109T0000000${String(n).padStart(2, '0')}Z-3fa2c0${String(n).padStart(2, '0')}`;
  const manifest = (modelId: string, runId?: string): ModelManifest => ({
    formatVersion: 1,
    modelId,
    createdAt: '2011-11-09T00:00:00.000Z',
    backend: 'cpu',
    configHash: 'h',
    featureNames: ['f'],
    vocab: { customers: 1, items: 1 },
    spec: { features: 1, customers: 1, items: 1, hidden: [1], itemEmbedding: 0, customerEmbedding: 0, l2: 0, seed: 1 },
    preprocessing: { version: 1, transforms: [] },
    calibration: { method: 'identity' },
    metrics: {},
    history: [],
    artefacts: [],
    ...(runId === undefined ? {} : { runId }),
  });

  /** Writes model `modelId` as "save model" does, its manifest naming `runId` when given (`null`: no manifest, as a run killed while saving leaves it); returns its keys. */
  async function saveModel(catalog: Catalog, modelId: string, runId: string | undefined | null): Promise<string[]> {
    for (const file of ['weights.bin', 'model.json', 'model-card.json', 'model-card.md']) await catalog.store.put(catalog.models.key(modelId, file), file);
    if (runId !== null) await catalog.models.publishManifest(manifest(modelId, runId));
    return (await catalog.store.list(catalog.models.prefix(modelId))).map((o) => o.key);
  }

  /** Writes the record of a `command` that finished an hour ago with `status`, as `build` sets it up. */
  async function finished(catalog: Catalog, suffix: string, command: string, status: 'ok' | 'failed', build: (r: RunRecorder) => void = () => undefined, params: RunRecord['params'] = {}): Promise<string> {
    const recorder = new RunRecorder({ command, params, code: { version: '0.1.0', commit: null, dirty: null }, suffix, now: () => Date.now() - HOUR });
    build(recorder);
    await recorder.finish(catalog.runs, status);
    return recorder.runId;
  }

  it('removes, once old, the models of runs that failed or were killed and the folders without a manifest, manifest first, and nothing else', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { catalog } = ctx;
    const [failedId, killedId, incompleteId, olderId] = [model(1), model(2), model(3), model(4)];
    const failed = await finished(catalog, 'b00001', 'train', 'failed');
    const killed = await running(catalog, 'b00002', 'run', hostname(), dead);
    await saveModel(catalog, failedId, failed);
    const killedKeys = await saveModel(catalog, killedId, killed.runId);
    await catalog.blends.save({ modelId: killedId, baseline: 'repeat', weight: 0.5, calibration: { method: 'identity' }, validationCutoff: 0, k: 10, reason: 'r' });
    await saveModel(catalog, incompleteId, null);
    // Saved before manifests named their run: its run's record lists its files among its outputs.
    const olderKeys = await saveModel(catalog, olderId, undefined);
    await finished(catalog, 'b00003', 'run', 'failed', (r) => olderKeys.forEach((key) => r.output(lake.uri, key, 'e')));
    // The fallback fit of a training that failed after saving it: its model's, removed with it.
    await catalog.fallbacks.save(failedId, { baseline: 'repeat', calibration: { method: 'identity' }, validationCutoff: 0, k: 10, reason: 'r' });
    // What the models' folder holds besides models: the record an earlier version kept per baseline, and a pointer naming it.
    await lake.put(catalog.fallbacks.key('repeat'), JSON.stringify({ baseline: 'repeat', calibration: { method: 'identity' }, validationCutoff: 0, k: 10, reason: 'r' }));
    await catalog.champion.publishFallback({ modelId: 'baseline:repeat', promotedAt: '2011-11-09T00:00:00.000Z', validation: {} });
    const kept = contents(lake).filter(([key]) => !key.startsWith(catalog.models.root) || !/\/\d{8}T\d{9}Z-/.test(key));

    const r = await gcStep(ctx, options);
    expect(r).toMatchObject({ abandonedRuns: [killed.runId], unusedModels: [failedId, killedId, incompleteId, olderId] });
    expect(contents(lake).filter(([key]) => key !== catalog.runs.key(killed.runId))).toEqual(kept.filter(([key]) => key !== catalog.runs.key(killed.runId)));
    expect((await catalog.runs.load(killed.runId)).status).toBe('killed');
    // The manifest first: a removal cut short leaves a folder without one, which the next gc removes.
    const manifestKey = catalog.models.key(killedId, 'manifest.json');
    expect(lake.deletes.filter((key) => key.startsWith(catalog.models.prefix(killedId)))).toEqual([manifestKey, ...[...killedKeys, catalog.blends.key(killedId)].filter((k) => k !== manifestKey).sort()]);
    expect(lake.deletes).toContain(catalog.fallbacks.key('repeat', failedId));
    expect(ctx.run.snapshot().rows).toMatchObject({ 'gc.abandoned_runs': 1, 'gc.unused_models': 4 });
    expect((await gcStep(context(lake), options)).unusedModels).toEqual([]);
  });

  it('keeps every model something refers to or may still write, and removes the one nothing refers to', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { catalog } = ctx;
    const failed = await finished(catalog, 'c00001', 'run', 'failed');
    const ids = {
      unused: model(1),
      lostPromotion: model(2),
      champion: model(3),
      exported: model(4),
      sharded: model(5),
      scoredBy: model(6),
      scoring: model(7),
      committedRun: model(8),
      fresh: model(9),
      olderKilled: model(10),
      noRecord: model(11),
      stillTraining: model(12),
      unreadableManifest: model(13),
      unreadableRecord: model(14),
    };
    for (const id of [ids.unused, ids.champion, ids.exported, ids.sharded, ids.scoredBy, ids.scoring, ids.fresh, ids.unreadableManifest, ids.unreadableRecord]) await saveModel(catalog, id, failed);
    // A challenger that lost promotion, of a run that finished: its report shows it.
    const lostKeys = await saveModel(catalog, ids.lostPromotion, undefined);
    await finished(catalog, 'c00002', 'run', 'ok', (r) => {
      lostKeys.forEach((key) => r.output(lake.uri, key, 'e'));
      r.setPromotion({ challengerId: ids.lostPromotion, outcome: 'kept-champion', championId: 'baseline:repeat', decision: 'd' });
    });
    await catalog.champion.publishFallback({ modelId: `blend:${ids.champion}`, promotedAt: '2011-11-09T00:00:00.000Z', validation: {} });
    await commit(catalog, OLD, 'csv\n', undefined, ids.exported);
    // A shard of two is done, the other not yet: its marker names the model the other scores with.
    const shardRun = '20111111T000000Z-cccccc';
    await lake.put(catalog.shards.markerKey(shardRun, { index: 0, count: 2 }), JSON.stringify({ runId: shardRun, modelId: ids.sharded }));
    await finished(catalog, 'c00003', 'score', 'ok', () => undefined, { model: ids.scoredBy });
    await running(catalog, 'c00004', 'score', hostname(), process.pid, { model: ids.scoring });
    // A run killed after committing its export (before its record was finished): the export names the run.
    const committedRun = await running(catalog, 'c00005', 'run', hostname(), dead);
    await saveModel(catalog, ids.committedRun, committedRun.runId);
    await commit(catalog, committedRun.runId, 'csv\n', undefined, 'baseline:repeat');
    const [fresh] = await saveModel(catalog, ids.fresh, failed);
    lake.objects.get(fresh)!.info.lastModified = Date.now() + HOUR;
    // Saved before manifests named their run, by a run killed: its record names nothing it wrote.
    await saveModel(catalog, ids.olderKilled, undefined);
    await running(catalog, 'c00006', 'run', hostname(), dead);
    await saveModel(catalog, ids.noRecord, '20111109T000000Z-dddddd');
    const training = await running(catalog, 'c00007', 'train', hostname(), process.pid);
    await saveModel(catalog, ids.stillTraining, training.runId);
    const newer = catalog.models.key(ids.unreadableManifest, 'manifest.json');
    await lake.put(newer, JSON.stringify({ ...manifest(ids.unreadableManifest, failed), formatVersion: 2 }));
    await lake.put(catalog.runs.key('20111109T000000Z-eeeeee'), JSON.stringify({ schema: 'berserkr.run/2', status: 'ok', params: { model: ids.unreadableRecord } }));
    const before = contents(lake).filter(([key]) => !key.startsWith(catalog.runs.root));

    const r = await gcStep(ctx, options);
    expect(r.unusedModels).toEqual([ids.unused]);
    expect(r.abandonedRuns).toHaveLength(2);
    expect(contents(lake).filter(([key]) => !key.startsWith(catalog.runs.root))).toEqual(before.filter(([key]) => !key.startsWith(catalog.models.prefix(ids.unused))));
  });

  it('keeps the fallback fits that the champion pointer, an export or a shard marker names, with their models, and removes an unused one with its model', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { catalog } = ctx;
    // Every fit here was saved by a training that failed or was killed later: only what names it keeps it.
    const failed = await finished(catalog, 'd00001', 'run', 'failed');
    const ids = { champion: model(1), exported: model(2), sharded: model(3), unused: model(4) };
    const fit = (baseline: 'repeat' | 'popularity', validationCutoff: number) => ({ baseline, calibration: { method: 'identity' as const }, validationCutoff, horizonDays: 30, k: 10, reason: 'r' });
    for (const [i, id] of Object.values(ids).entries()) {
      await saveModel(catalog, id, failed);
      await catalog.fallbacks.save(id, fit(i % 2 === 0 ? 'repeat' : 'popularity', i));
    }
    await catalog.champion.publishFallback({ modelId: `baseline:repeat@${ids.champion}`, promotedAt: '2011-11-09T00:00:00.000Z', validation: { validationCutoff: 0 } });
    await commit(catalog, OLD, 'csv\n', undefined, `baseline:popularity@${ids.exported}`);
    const shardRun = '20111111T000000Z-cccccc';
    await lake.put(catalog.shards.markerKey(shardRun, { index: 0, count: 2 }), JSON.stringify({ runId: shardRun, modelId: `baseline:repeat@${ids.sharded}` }));
    const before = contents(lake).filter(([key]) => !key.startsWith(catalog.runs.root));

    const r = await gcStep(ctx, options);
    expect(r.unusedModels).toEqual([ids.unused]);
    expect(contents(lake).filter(([key]) => !key.startsWith(catalog.runs.root))).toEqual(before.filter(([key]) => !key.startsWith(catalog.models.prefix(ids.unused))));
    expect(lake.deletes.filter((key) => key.startsWith(catalog.models.root))).toEqual(expect.arrayContaining([catalog.fallbacks.key('repeat', ids.unused)]));
    expect(await catalog.fallbacks.load('repeat', ids.champion)).toEqual(fit('repeat', 0));
  });

  it('keeps the model of a run that failed after committing its export without reading the exports\' objects', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { catalog } = ctx;
    // The run committed its export, then failed (its report could not be written): its model stays for good.
    const failed = await finished(catalog, 'c00001', 'run', 'failed');
    await saveModel(catalog, model(1), failed);
    await commit(catalog, failed, 'csv\n', undefined, model(1));
    const get = jest.spyOn(lake, 'get');
    expect((await gcStep(ctx, options)).unusedModels).toEqual([]);
    // Only the latest pointer, which the re-sync of the latest export's copies reads.
    expect(new Set(get.mock.calls.map(([key]) => key).filter((key) => key.startsWith(catalog.exports.root)))).toEqual(new Set([`${catalog.exports.root}latest.json`]));
    expect(await catalog.models.readManifest(model(1))).toMatchObject({ modelId: model(1) });
  });

  /**
   * A lake holding model 1, saved by a failed training, and model 2, without a manifest, with a
   * context whose JSON logs are kept: `gcLogs()` gives gc's records.
   */
  async function twoUnusedModels() {
    const lake = new MemoryStore();
    const lines: string[] = [];
    const ctx = { ...context(lake), log: createLogger({ format: 'json', level: 'info', sink: { write: (chunk: string) => void lines.push(chunk) } }) };
    const failed = await finished(ctx.catalog, 'd00001', 'train', 'failed');
    await saveModel(ctx.catalog, model(1), failed);
    await saveModel(ctx.catalog, model(2), null);
    const gcLogs = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.stage === 'gc');
    return { lake, ctx, catalog: ctx.catalog, failed, gcLogs };
  }

  it('logs and counts each model as it is removed, so a store error on a later one leaves none removed unsaid', async () => {
    const { lake, ctx, catalog, gcLogs } = await twoUnusedModels();
    const remove = lake.delete.bind(lake);
    jest.spyOn(lake, 'delete').mockImplementation((key: string) => (key.startsWith(catalog.models.prefix(model(2))) ? Promise.reject(new Error('store down')) : remove(key)));

    await expect(gcStep(ctx, options)).rejects.toThrow('store down');
    const logs = gcLogs();
    expect(logs.map((l) => l.modelId)).toEqual([model(1)]);
    expect(ctx.run.snapshot().rows).toMatchObject({ 'gc.unused_models': 1 });
  });

  it('logs each model removed, with the run that saved it and how it ended, and a model kept because its manifest cannot be read', async () => {
    const { lake, ctx, catalog, failed, gcLogs } = await twoUnusedModels();
    await lake.put(catalog.models.key(model(3), 'manifest.json'), '{');

    expect((await gcStep(ctx, options)).unusedModels).toEqual([model(1), model(2)]);
    const logs = gcLogs();
    const bytes = (n: number) => ['weights.bin', 'model.json', 'model-card.json', 'model-card.md'].reduce((sum, f) => sum + f.length, n);
    const manifestBytes = JSON.stringify(manifest(model(1), failed), null, 2).length;
    expect(logs.map((l) => [l.level, l.msg])).toEqual([
      ['warn', expect.stringMatching(new RegExp(`^kept a model whose manifest cannot be read: invalid model manifest memory://test/models/online-retail/${model(3)}/manifest.json: expected JSON`))],
      ['info', `removed 5 objects (${bytes(manifestBytes)} bytes) of model ${model(1)}: saved by run ${failed}, which failed; nothing refers to it`],
      ['info', `removed 4 objects (${bytes(0)} bytes) of model ${model(2)}: never completed (no memory://test/models/online-retail/${model(2)}/manifest.json); nothing refers to it`],
    ]);
    expect(logs[1]).toMatchObject({ modelId: model(1), runId: failed, objects: 5 });
  });
});

describe('gcRunStep: the leftovers of one uncommitted scoring run the operator names', () => {
  const RUN = '20111111T000000Z-cccccc';
  const OTHER = '20111112T000000Z-dddddd';
  /** Lease 2 minutes; the objects of the lake, written now, are an hour old by this clock. */
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true, now: () => Date.now() + HOUR };
  const RUN_KEYS = [
    `exports/online-retail/${RUN}/shards/shard-0-of-2._SUCCESS.json`, `exports/online-retail/${RUN}/shards/shard-0-of-2.parquet`, `scores/online-retail/${RUN}/shard-0-of-2/part-00000.parquet`,
  ];
  /** Lease 2 minutes; the objects of the lake, written now, are an hour old by this clock. */
  /**
   * A lake holding shard 0 of 2 of RUN (which gc alone keeps: it may wait for shard 1), the uncommitted
   * OTHER (which gc alone removes) and a committed export, each written now.
   */
  async function lake(): Promise<{ lake: MemoryStore; ctx: ReturnType<typeof context> }> {
    const store = new MemoryStore();
    const ctx = context(store);
    for (const key of [...RUN_KEYS, `scores/online-retail/${OTHER}/shard-0-of-1/part-00000.parquet`]) await store.put(key, 'x');
    await commit(ctx.catalog, OLD, 'csv\n');
    return { lake: store, ctx };
  }

  it("removes the run's objects, sharded or not, finishes its records that are over, and leaves everything else as it is", async () => {
    const { lake: store, ctx } = await lake();
    const shard = await running(ctx.catalog, 'aaaaa1', 'score', hostname(), dead, { runId: RUN });
    const otherKilled = await running(ctx.catalog, 'aaaaa2', 'score', hostname(), dead, { runId: OTHER });
    const others = contents(store).filter(([key]) => !RUN_KEYS.includes(key) && key !== ctx.catalog.runs.key(shard.runId));

    const r = await gcRunStep(ctx, RUN, options);
    expect(r).toEqual({ run: RUN, objects: RUN_KEYS, abandonedRuns: [shard.runId], tempFiles: [], unreadableRecords: [] });
    expect(contents(store).filter(([key]) => key !== ctx.catalog.runs.key(shard.runId))).toEqual(others);
    expect((await ctx.catalog.runs.load(shard.runId)).status).toBe('killed');
    expect((await ctx.catalog.runs.load(otherKilled.runId)).status).toBe('running');
    expect(ctx.run.snapshot().rows).toEqual({ 'gc.abandoned_runs': 1, 'gc.uncommitted_runs': 1 });
  });

  it.each([
    ['of no scoring run of the data set', '20111113T000000Z-eeeeee', `no scoring run 20111113T000000Z-eeeeee in data set "online-retail": nothing under memory://test/exports/online-retail/20111113T000000Z-eeeeee/ and memory://test/scores/online-retail/20111113T000000Z-eeeeee/`],
    ['committed', OLD, `run ${OLD} is committed (memory://test/exports/online-retail/${OLD}/_metadata.json): only an uncommitted scoring run is removed, never a published export`],
    ['that latest.json names, its sidecar lost', RUN, `run ${RUN} is the published export (memory://test/exports/online-retail/latest.json) although its sidecar memory://test/exports/online-retail/${RUN}/_metadata.json is missing: it is never removed; restore the sidecar`],
  ])('refuses, writing nothing, a run id %s', async (_what, runId, message) => {
    const { lake: store, ctx } = await lake();
    if (runId === RUN) await ctx.catalog.latest.publish(RUN);
    const before = [contents(store), store.puts.length];
    const error = await gcRunStep(ctx, runId, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunIdRefusedError);
    expect((error as Error).message).toContain(message);
    expect([contents(store), store.puts.length]).toEqual(before);
  });

  it('refuses a malformed run id, quoting it', async () => {
    const { ctx } = await lake();
    await expect(gcRunStep(ctx, `${RUN}/`, options)).rejects.toThrow(new InvalidRunIdError(`${RUN}/`));
  });

  it('refuses, writing nothing, a run that may still be running: a live shard of it, or an object written within the lease', async () => {
    const { lake: store, ctx } = await lake();
    const killed = await running(ctx.catalog, 'aaaaa1', 'score', hostname(), dead, { runId: RUN });
    const alive = await running(ctx.catalog, 'aaaaa2', 'score', hostname(), process.pid, { runId: RUN });
    const before = [contents(store), store.puts.length];
    const live = await gcRunStep(ctx, RUN, options).catch((e: unknown) => e);
    expect(live).toBeInstanceOf(RunIdRefusedError);
    expect((live as Error).message).toBe(
      `run ${RUN} may still be running: the record ${ctx.catalog.runs.uri(alive.runId)} of \`score\` (pid ${process.pid} on ${hostname()}, started ${alive.startedAt}) is "running" and gc cannot tell that it is over; `
        + 'wait for it to end, or, when its process is gone on another host, add --runs-older-than <age>',
    );
    expect([contents(store), store.puts.length]).toEqual(before);
    expect((await ctx.catalog.runs.load(killed.runId)).status).toBe('running');

    await store.delete(ctx.catalog.runs.key(alive.runId));
    const fresh = await gcRunStep(ctx, RUN, { ...options, now: Date.now }).catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(RunIdRefusedError);
    expect((fresh as Error).message).toMatch(new RegExp(`^run ${RUN} was written to at \\S+ \\(memory://test/(exports|scores)/online-retail/${RUN}/\\S+\\), within the lock lease of 120 s \\(BERSERKR_LOCK_LEASE\\): it may still be running; try again after \\S+$`));
    expect((await ctx.catalog.runs.load(killed.runId)).status).toBe('running');
    expect(RUN_KEYS.every((key) => store.objects.has(key))).toBe(true);
  });

  it('takes a shard of another host for over once it started longer ago than --runs-older-than', async () => {
    const { lake: store, ctx } = await lake();
    const elsewhere = await running(ctx.catalog, 'aaaaa1', 'score', 'host-b', 1, { runId: RUN });
    await expect(gcRunStep(ctx, RUN, options)).rejects.toThrow(`run ${RUN} may still be running: the record ${ctx.catalog.runs.uri(elsewhere.runId)} of \`score\` (pid 1 on host-b`);
    expect((await gcRunStep(ctx, RUN, { ...options, runsOlderThanMs: HOUR / 2 })).abandonedRuns).toEqual([elsewhere.runId]);
    expect((await ctx.catalog.runs.load(elsewhere.runId)).status).toBe('unknown');
    expect(RUN_KEYS.some((key) => store.objects.has(key))).toBe(false);
  });
});
