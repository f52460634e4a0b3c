/**
 * pipeline/tick.ts, the runner of a `schedule` tick, over memory stores: with no
 * new raw object and a fresh champion it only ingests and logs that nothing
 * changed; without a champion it goes on into the pipeline (its events step);
 * a tick that fails after training leaves the champion pointer as it was; a
 * tick asked to stop stops inside its ingest (publishing the objects it read
 * whole) or its training (writing nothing of the model).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { ingestAll } from '../../ingest/run';
import { Catalog, type Champion, MixedConfigurationError, RawObjects } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/log';
import { NO_PROGRESS } from '../../lib/progress';
import { RunRecorder } from '../../lib/runs';
import { NO_LOCK_FENCE, type StageContext } from '../../lib/stage-context';
import { openStore } from '../../lib/store/open';
import { retrainTick } from '../../pipeline/tick';
import { RunInterruptedError } from '../../lib/interrupt';
import { retailLzop } from '../ingest/helpers';
import { MemoryStore } from '../helpers/memory-store';

const CONFIG = join(__dirname, '..', '..', 'config', 'online-retail.yaml');
const SETTINGS = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 1 };
const DAY_MS = 86_400_000;
/** A model id the tests' champion pointers name. */
const MODEL = '20111109T000000000Z-0badc0de';

function context(lake = new MemoryStore(), configPath = CONFIG): { ctx: StageContext; lines: string[] } {
  const config = loadConfig(readFileSync(configPath, 'utf8'), configPath);
  const chunks: string[] = [];
  const log = createLogger({ format: 'json', level: 'info', sink: { write: (chunk: string) => void chunks.push(chunk) } });
  const ctx: StageContext = {
    log,
    progress: NO_PROGRESS,
    catalog: new Catalog(lake, config.name),
    config,
    run: new RunRecorder({ command: 'schedule', code: { version: 'test', commit: null, dirty: false } }),
    signal: new AbortController().signal,
    fence: NO_LOCK_FENCE,
  };
  return { ctx, lines: chunks };
}

/**
 * Makes `ctx`'s champion pointer (mocked) name the repeat baseline fallback, whose record it writes: a
 * champion that can score (one whose record or model is missing is no champion, and the tick retrains).
 */
async function repeatChampion(ctx: StageContext, pointer: { promotedAt: string; challengedAt?: string }, horizonDays = 30): Promise<Champion> {
  // The record of an earlier version, which `baseline:repeat` alone names.
  const record = { baseline: 'repeat', calibration: { method: 'platt', a: 1, b: 0 }, validationCutoff: Date.parse('2011-10-10T00:00:00Z'), horizonDays, k: 10, reason: 'test' };
  await ctx.catalog.store.put(ctx.catalog.fallbacks.key('repeat'), JSON.stringify(record));
  const champion = { modelId: 'baseline:repeat', ...pointer, validation: {} };
  jest.spyOn(ctx.catalog.champion, 'load').mockResolvedValue(champion);
  return champion;
}

describe('retrainTick', () => {
  const now = Date.parse('2026-01-10T00:00:00Z');

  it('only ingests and logs "nothing changed" when no object is new and the champion is fresh', async () => {
    const { ctx, lines } = context();
    await repeatChampion(ctx, { promotedAt: new Date(now - DAY_MS).toISOString() });
    const result = await retrainTick(ctx, new RawObjects(new MemoryStore()), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now });
    expect(result).toEqual({ reason: expect.stringMatching(/^nothing changed: /), failedObjects: [], otherConfiguration: [] });
    expect(ctx.run.snapshot().rows['schedule.new_objects']).toBe(0);
    expect(lines.join('')).toContain('nothing changed: no new raw objects, champion promoted at');
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['ingest']);
  });

  it('does not retrain a champion older than the maximum age that a training challenged and kept since', async () => {
    const { ctx, lines } = context();
    const champion = await repeatChampion(ctx, { promotedAt: new Date(now - 30 * DAY_MS).toISOString(), challengedAt: new Date(now - DAY_MS).toISOString() });
    const result = await retrainTick(ctx, new RawObjects(new MemoryStore()), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now });
    expect(result.pipeline).toBeUndefined();
    expect(lines.join('')).toContain(`nothing changed: no new raw objects, champion promoted at ${champion.promotedAt}, last challenged at ${champion.challengedAt}, is 24.0 h old`);
  });

  it('retrains on raw data ingested after the champion\'s latest training, by a tick that stopped before training or by an ingest of its own', async () => {
    const lake = new MemoryStore();
    const { ctx, lines } = context(lake);
    const raw = new MemoryStore();
    await raw.put('2010-12.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.1.lzo')));
    const promotedAt = new Date(Date.now() - DAY_MS).toISOString();
    await ingestAll(raw, lake, ctx.config, { codecs: createLzoRegistry() });
    await repeatChampion(ctx, { promotedAt });
    // No new raw object for this tick, and a champion a day old: only the ledger says the data are newer than it.
    await retrainTick(ctx, new RawObjects(raw), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS }).catch(() => undefined);
    expect(ctx.run.snapshot().rows['schedule.new_objects']).toBe(0);
    expect(lines.join('')).toMatch(/raw data ingested at \S+ was never trained on: the champion's latest training \(its promotion, or the latest challenge it stood\) was at /);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(expect.arrayContaining(['ingest', 'events']));
  });

  it('takes no object read again for missing parts for new data, and retrains on one read again under newer ingest rules, saying so', async () => {
    const lake = new MemoryStore();
    const { ctx, lines } = context(lake);
    const raw = new MemoryStore();
    await raw.put('2010-12.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.1.lzo')));
    const first = await ingestAll(raw, lake, ctx.config, { codecs: createLzoRegistry(), now: () => new Date(now - 3 * DAY_MS) });
    await repeatChampion(ctx, { promotedAt: new Date(now - DAY_MS).toISOString() });
    const tick = { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now };

    await lake.delete(first.ledger.objects['2010-12.csv.lzo'].clean[0]);
    const repair = await retrainTick(ctx, new RawObjects(raw), tick);
    expect([repair.pipeline, repair.reason]).toEqual([undefined, expect.stringMatching(/^nothing changed: no new raw objects/)]);
    expect(ctx.run.snapshot().rows['schedule.new_objects']).toBe(0);
    expect((await ctx.catalog.ledger.load()).objects['2010-12.csv.lzo'].attempt).not.toBe(first.ledger.objects['2010-12.csv.lzo'].attempt);

    const ledger = await ctx.catalog.ledger.load();
    delete ledger.objects['2010-12.csv.lzo'].rules;
    await ctx.catalog.ledger.publish(ledger);
    await retrainTick(ctx, new RawObjects(raw), tick).catch(() => undefined);
    expect(lines.join('')).toContain('1 unchanged raw object read again under newer ingest rules, whose rows may differ');
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(expect.arrayContaining(['ingest', 'events']));
    // That training failed (too little data here): the next tick, which reads nothing, retrains on the new rows still.
    lines.length = 0;
    await retrainTick(ctx, new RawObjects(raw), tick).catch(() => undefined);
    expect(lines.join('')).toMatch(/raw data ingested at \S+ was never trained on/);
  });

  it('retrains when objects whose raw object is gone are forgotten, and not when they are kept, which it says', async () => {
    const lake = new MemoryStore();
    const raw = new MemoryStore();
    await raw.put('a.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.1.lzo')));
    await raw.put('b.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.9.lzo')));
    const { ctx: setup } = context(lake);
    await ingestAll(raw, lake, setup.config, { codecs: createLzoRegistry(), now: () => new Date(now - 3 * DAY_MS) });
    await raw.delete('b.csv.lzo');
    const tick = { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now };
    const { ctx: kept, lines: keptLines } = context(lake);
    await repeatChampion(kept, { promotedAt: new Date(now - DAY_MS).toISOString() });
    expect((await retrainTick(kept, new RawObjects(raw), tick)).reason).toMatch(/^nothing changed: no new raw objects/);
    expect(keptLines.join('')).toContain('1 object ingested earlier is not in the raw listing any more (archived, deleted, or no longer selected by raw.pattern): b.csv.lzo; its rows stay in the lake, and --forget-missing drops them');
    expect(kept.run.snapshot().rows['ingest.gone']).toBe(1);
    const { ctx, lines } = context(lake);
    await repeatChampion(ctx, { promotedAt: new Date(now - DAY_MS).toISOString() });
    // Too little data to train on here: the tick fails after its events step, having decided to retrain.
    await retrainTick(ctx, new RawObjects(raw), { ...tick, ingest: { forgetMissing: true } }).catch(() => undefined);
    const dropped = /objects whose raw object is gone were dropped from the lake at \S+, after the champion's latest training \(its promotion, or the latest challenge it stood\) at \S+: the data changed/;
    expect(lines.join('')).toMatch(dropped);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(expect.arrayContaining(['ingest', 'events']));
    expect(Object.keys((await ctx.catalog.ledger.load()).objects)).toEqual(['a.csv.lzo']);
    // That training failed: the next tick, which forgets nothing, retrains still (so would one after an `ingest --forget-missing` of its own).
    const { ctx: next, lines: nextLines } = context(lake);
    await repeatChampion(next, { promotedAt: new Date(now - DAY_MS).toISOString() });
    await retrainTick(next, new RawObjects(raw), tick).catch(() => undefined);
    expect(nextLines.join('')).toMatch(dropped);
  });

  it('says which objects of other csv/columns settings stay in the lake, even when it does not retrain', async () => {
    const lake = new MemoryStore();
    const { ctx } = context(lake);
    const raw = new MemoryStore();
    await raw.put('a.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.1.lzo')));
    // a.csv.lzo was ingested with other settings (in a lake of an earlier configuration) and is gone from the raw store.
    await ingestAll(raw, lake, { ...ctx.config, csv: { ...ctx.config.csv, duplicates: 'reject' } }, { codecs: createLzoRegistry() });
    await raw.delete('a.csv.lzo');
    await raw.put('b.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.9.lzo')));
    await repeatChampion(ctx, { promotedAt: new Date(now - DAY_MS).toISOString() });
    // New data makes the tick retrain: its events step then refuses the mix.
    await expect(retrainTick(ctx, new RawObjects(raw), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now })).rejects.toThrow(MixedConfigurationError);
    // Nothing new, and a champion trained after the last ingest: it does not retrain, and says so.
    const { ctx: later } = context(lake);
    await repeatChampion(later, { promotedAt: new Date().toISOString() });
    expect(await retrainTick(later, new RawObjects(raw), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS })).toEqual({ reason: expect.stringMatching(/^nothing changed: /), failedObjects: [], otherConfiguration: ['a.csv.lzo'] });
  });

  it.each([
    ['a baseline fallback whose record is gone', { modelId: 'baseline:popularity' }, 30, 'champion baseline:popularity cannot score: baseline fallback "popularity" not found: memory://test/models/online-retail/baseline-popularity/fallback.json does not exist'],
    ['a model gone from the lake', { modelId: '20111109T000000000Z-0badc0de' }, 30, 'champion 20111109T000000000Z-0badc0de cannot be loaded (model "20111109T000000000Z-0badc0de" not found: '],
    ['a blend whose record is gone', { modelId: 'blend:20111109T000000000Z-0badc0de' }, 30, 'champion blend:20111109T000000000Z-0badc0de cannot score: blend '],
    ['a fallback of another horizon', { modelId: 'baseline:repeat' }, 14, 'champion baseline:repeat gives the probability of a purchase within 30 days, not within the 14 days of this training'],
    ['a model whose card is damaged', { modelId: MODEL }, 30, `champion ${MODEL} cannot be loaded (invalid model card memory://test/models/online-retail/${MODEL}/model-card.json: expected JSON`, { 'model-card.json': '{"broken' }],
    ['a model whose manifest is damaged', { modelId: MODEL }, 30, `champion ${MODEL} cannot be loaded (invalid model manifest memory://test/models/online-retail/${MODEL}/manifest.json: expected JSON`, { 'manifest.json': '{"formatVers' }],
  ])('retrains, saying why, when the champion cannot score: %s', async (_what, named, horizonDays, why, files: Record<string, string> = {}) => {
    const { ctx, lines } = context();
    await repeatChampion(ctx, { promotedAt: new Date(now - DAY_MS).toISOString() });
    for (const [name, text] of Object.entries(files)) await ctx.catalog.store.put(`models/online-retail/${MODEL}/${name}`, text);
    jest.spyOn(ctx.catalog.champion, 'load').mockResolvedValue({ modelId: named.modelId, promotedAt: new Date(now - DAY_MS).toISOString(), validation: {} });
    // The empty lake then fails the pipeline's first step after ingest: reading the purchase events.
    const tick = retrainTick(ctx, new RawObjects(new MemoryStore()), { training: { ...SETTINGS, horizonDays }, maxModelAgeMs: 7 * DAY_MS, now: () => now });
    await expect(tick).rejects.toThrow();
    const decision = lines.map((l) => JSON.parse(l) as { level: string; retrain?: boolean; champion?: string; msg: string }).find((l) => l.retrain !== undefined)!;
    expect(decision).toMatchObject({ retrain: true, champion: named.modelId, level: 'warn', msg: expect.stringContaining(why) });
    expect(decision.msg).toMatch(/; it is no champion, so this tick retrains \(the training picks a champion or fallback anew\)$/);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['ingest', 'events']);
  });

  it('fails, keeping the champion, when its manifest is of a later format version than this one reads', async () => {
    const { ctx } = context();
    jest.spyOn(ctx.catalog.champion, 'load').mockResolvedValue({ modelId: MODEL, promotedAt: new Date(now - DAY_MS).toISOString(), validation: {} });
    await ctx.catalog.store.put(`models/online-retail/${MODEL}/manifest.json`, JSON.stringify({ formatVersion: 2 }));
    const tick = retrainTick(ctx, new RawObjects(new MemoryStore()), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now });
    await expect(tick).rejects.toThrow(`invalid model manifest memory://test/models/online-retail/${MODEL}/manifest.json: field formatVersion:`);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['ingest']);
  });

  it('retrains when the champion pointer is damaged, warning with its file, and the training\'s decision replaces it', async () => {
    const loyaltyConfig = join(__dirname, '..', 'fixtures', 'config', 'loyalty.yaml');
    const lake = new MemoryStore();
    const { ctx, lines } = context(lake, loyaltyConfig);
    const raw = new RawObjects(openStore(join(__dirname, '..', 'fixtures', 'loyalty', 'raw')));
    const training = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 42, train: { members: 1, epochs: 1, refit: false, threads: 1, budget: { groupsPerEpoch: 16 } } };
    // Nothing new to ingest, so only the damaged pointer makes this tick retrain.
    await ingestAll(raw.store, lake, ctx.config, { codecs: createLzoRegistry() });
    const key = ctx.catalog.champion.uri.slice(`${lake.uri}/`.length);
    await lake.put(key, '{"modelId": "blend:2026');
    const result = await retrainTick(ctx, raw, { training, maxModelAgeMs: 7 * DAY_MS });
    const why = `champion pointer ${ctx.catalog.champion.uri} is damaged (expected JSON, `;
    expect([result.reason.startsWith(why), result.reason]).toEqual([true, expect.stringContaining('); it is no champion, so this tick retrains')]);
    const logs = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logs.filter((l) => l.level === 'warn' && l.msg.startsWith(why)).map((l) => l.msg)).toEqual([
      expect.stringContaining('it is no champion, so this tick retrains'),
      expect.stringMatching(/: it names no champion, and this training's decision replaces it$/),
    ]);
    expect(result.pipeline).toBeDefined();
    expect(await ctx.catalog.champion.load()).toMatchObject({ modelId: result.pipeline!.modelId });
  });

  it('goes on into the pipeline when there is no champion', async () => {
    const { ctx, lines } = context();
    // The empty lake then fails the pipeline's first step after ingest: reading the purchase events.
    await expect(retrainTick(ctx, new RawObjects(new MemoryStore()), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now })).rejects.toThrow();
    expect(lines.join('')).toContain('no champion model yet');
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['ingest', 'events']);
  });

  it('fails when the ledger cannot be written, a fault of the lake rather than of the raw objects, and trains nothing', async () => {
    const lake = new MemoryStore();
    lake.failPutsMatching = /^ledger\//;
    const { ctx } = context(lake);
    const raw = new MemoryStore();
    await raw.put('2010-12.csv.lzo', readFileSync(join(__dirname, '..', 'fixtures', 'lzop', 'sample.1.lzo')));
    await expect(retrainTick(ctx, new RawObjects(raw), { training: SETTINGS, maxModelAgeMs: 7 * DAY_MS, now: () => now })).rejects.toThrow('injected failure writing ledger/online-retail.json');
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['ingest']);
    expect(ctx.run.snapshot().errors.map((e) => e.message)).toEqual(['2010-12.csv.lzo: injected failure writing ledger/online-retail.json']);
  });

  it('stops during its ingest when its signal aborts: publishes the objects read whole, fails the ingest step, and trains nothing', async () => {
    const lake = new MemoryStore();
    const { ctx: base } = context(lake);
    const stop = new AbortController();
    const ctx = { ...base, signal: stop.signal };
    const raw = new MemoryStore();
    for (const [i, key] of ['a.csv.lzo', 'b.csv.lzo', 'c.csv.lzo'].entries()) await raw.put(key, retailLzop(12, 0, 100 * i));
    const put = lake.put.bind(lake);
    lake.put = async (key, body) => {
      const info = await put(key, body);
      if (key.startsWith('clean/')) stop.abort(new Error('received SIGTERM')); // the first object's only part is written
      return info;
    };
    const tick = retrainTick(ctx, new RawObjects(raw), { training: SETTINGS, ingest: { encodeThreads: 0 }, maxModelAgeMs: 7 * DAY_MS, now: () => now });
    await expect(tick).rejects.toThrow(RunInterruptedError);
    await expect(tick).rejects.toThrow(
      'stopped during step "ingest" after reading 1 of 3 new or changed raw objects: received SIGTERM; 1 read whole is published; 2 not read (b.csv.lzo, c.csv.lzo) are left for the next run, their earlier output, if any, still published',
    );
    const record = ctx.run.snapshot();
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['ingest:failed']);
    expect(record.errors.map((e) => [e.step, e.name])).toEqual([['ingest', 'RunInterruptedError']]);
    expect(record.rows).toMatchObject({ 'ingest.read': 12, 'ingest.not_read': 2 });
    expect(record.inputs.map((i) => i.key)).toEqual(['a.csv.lzo']);
    expect(Object.keys((await ctx.catalog.ledger.load()).objects)).toEqual(['a.csv.lzo']);
    expect([...lake.objects.keys()].filter((k) => !/^(clean|ledger)\//.test(k))).toEqual([]);
  });

  it('stops in the training when its signal aborts, between draws of steps: nothing of the model, its scores or exports is written', async () => {
    const loyaltyConfig = join(__dirname, '..', 'fixtures', 'config', 'loyalty.yaml');
    const lake = new MemoryStore();
    const { ctx: base } = context(lake, loyaltyConfig);
    const stop = new AbortController();
    // As a SIGINT handled while the first epoch trains: the run aborts as that epoch's line is logged.
    const log = createLogger({ format: 'json', level: 'info', sink: { write: (line: string) => void (line.includes('"epoch":1,') && stop.abort(new Error('received SIGINT'))) } });
    const ctx = { ...base, log, signal: stop.signal };
    const raw = new RawObjects(openStore(join(__dirname, '..', 'fixtures', 'loyalty', 'raw')));
    const training = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 42, train: { members: 1, epochs: 2, refit: false, threads: 1, budget: { groupsPerEpoch: 16 } } };
    const tick = retrainTick(ctx, raw, { training, maxModelAgeMs: 7 * DAY_MS });
    await expect(tick).rejects.toThrow(/^stopped during step "train" in member 1's train epoch 2 of 2: received SIGINT; /);
    expect(ctx.run.snapshot().steps.map((s) => `${s.name}:${s.status}`)).toEqual(['ingest:ok', 'events:ok', 'features.training:ok', 'train:failed']);
    expect([...lake.objects.keys()].filter((k) => !/^(clean|ledger)\//.test(k))).toEqual([]);
  });

  it('leaves the champion pointer as it was when the tick fails after training, so the next tick trains again', async () => {
    const loyaltyConfig = join(__dirname, '..', 'fixtures', 'config', 'loyalty.yaml');
    const lake = new MemoryStore();
    const { ctx } = context(lake, loyaltyConfig);
    const raw = new RawObjects(openStore(join(__dirname, '..', 'fixtures', 'loyalty', 'raw')));
    const training = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 42, train: { members: 1, epochs: 1, refit: false, threads: 1, budget: { groupsPerEpoch: 16 } } };
    lake.failPutsMatching = /^exports\//;
    await expect(retrainTick(ctx, raw, { training, maxModelAgeMs: 7 * DAY_MS })).rejects.toThrow('injected failure writing exports/');
    // The training decided (a fallback, as no model was champion), but nothing was exported: no pointer names it yet.
    expect(ctx.run.snapshot().promotion).toMatchObject({ outcome: 'baseline' });
    expect(await ctx.catalog.champion.load()).toBeUndefined();

    lake.failPutsMatching = undefined;
    const next = context(lake, loyaltyConfig);
    const result = await retrainTick(next.ctx, raw, { training, maxModelAgeMs: 7 * DAY_MS });
    expect(next.lines.join('')).toContain('no champion model yet');
    // The fit of this tick's own training, not that of the tick that failed (which gc removes with its model once old).
    const fit = `baseline:repeat@${next.ctx.run.snapshot().promotion!.challengerId}`;
    expect(fit).not.toBe(`baseline:repeat@${ctx.run.snapshot().promotion!.challengerId}`);
    expect(result.pipeline).toMatchObject({ outcome: 'baseline', modelId: fit });
    expect(await next.ctx.catalog.champion.load()).toMatchObject({ modelId: fit });
    // Written after the commit's last write (the latest export pointer), not merely after scoring.
    const pointer = lake.puts.lastIndexOf(next.ctx.catalog.champion.uri.slice(`${lake.uri}/`.length));
    const latest = Math.max(...lake.puts.map((key, i) => (/^exports\/[^/]+\/latest\.json$/.test(key) ? i : -1)));
    expect(latest).toBeGreaterThan(-1);
    expect(pointer).toBeGreaterThan(latest);
  });
});
