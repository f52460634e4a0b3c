/**
 * training/runner.ts on the loyalty fixture (tests/fixtures/loyalty: four months,
 * 795 members), where a challenger trained briefly (one member, one epoch, a
 * few customer groups) ends below the repeat baseline on the validation cut-off:
 * it is not promoted and, no champion existing, scoring uses the better on
 * validation of the repeat baseline and the blend of the model with it. At 64
 * groups per epoch the blend (weight 0.001: the repeat lists, completed by the
 * model where they are short) is ahead out of fold, NDCG@10 0.2840 against
 * 0.2822; at 16 it is behind, 0.2734 against 0.2822, and the baseline scores.
 * Every setting that moves the figures is fixed (members, epochs, no refit, one
 * training thread, groups, seed). Either way the decision says which and why, in
 * the log, the run record and the model card, which is written with the model
 * and quotes the latest backtest of the same procedure.
 */
import * as tf from '@tensorflow/tfjs';
import type { EventIndex } from '../../features/event-index';
import { decideRetrain } from '../../lib/schedule';
import type { StageContext } from '../../lib/stage-context';
import { repeatBaseline } from '../../evaluation/baselines';
import { CARD_SECTIONS } from '../../training/model-card-markdown';
import { backtest } from '../../pipeline/backtest';
import { trainStep } from '../../training/runner';
import { resolveModelId, scoreStep } from '../../scoring/runner';
import { loyaltyContext } from '../helpers/loyalty-lake';
import type { MemoryStore } from '../helpers/memory-store';
import { NoTruthError } from '../../evaluation/errors';


const settings = (asOf: number, groups: number) => ({
  asOf,
  horizonDays: 30,
  trainCutoffs: 1,
  k: 10,
  seed: 42,
  train: { members: 1, epochs: 1, refit: false, threads: 1, budget: { groupsPerEpoch: groups } },
});

describe('trainStep when the challenger is not significantly better and there is no champion', () => {
  let ctx: StageContext;
  let lake: MemoryStore;
  let lines: string[];
  let index: EventIndex;
  let asOf: number;
  beforeAll(async () => {
    ({ ctx, lake, lines, index, asOf } = await loyaltyContext());
  });

  test('scores with the blend when it is the better on validation, and says so everywhere', async () => {
    const tensors = tf.memory().numTensors;
    const r = await trainStep(ctx, index, settings(asOf, 64));
    expect(r).toMatchObject({ promoted: false, outcome: 'blend', championId: `blend:${r.modelId}` });
    expect(r.decision).toMatch(/^not promoted: challenger NDCG@10 0\.\d{4} is not significantly above best baseline repeat 0\.2822: −0\.\d{4}, 95 % lower bound −0\.\d{4}, p \d\.\d{3} \(paired bootstrap over 259 validation customers, 1000 resamples, seed 42\); /);
    expect(r.decision).toContain(`; no champion exists, so scoring uses the blend of ${r.modelId} with baseline repeat (weight 0.001 on the model), better on validation: out-of-fold NDCG@10 0.2840 against best baseline repeat 0.2822: +0.0019`);
    expect(lines.join('')).toContain(JSON.stringify(r.decision).slice(1, -1));
    // The champion pointer names the blend, so that a later score uses it too.
    expect(await ctx.catalog.champion.load()).toMatchObject({ modelId: r.championId, validation: { 'ndcg@10': expect.any(Number), weight: 0.001 } });
    expect(await resolveModelId(ctx.catalog, undefined)).toBe(r.championId);

    const record = ctx.run.snapshot();
    expect(record.promotion).toEqual({ challengerId: r.modelId, outcome: 'blend', championId: r.championId, decision: r.decision });
    expect(record.metrics).toMatchObject({ 'training.promoted': 0, 'training.blend_fallback': 1, 'validation.blend.weight': 0.001 });
    expect(record.metrics['validation.vs_best_baseline.lower_bound']).toBeLessThan(0);
    expect(record.metrics['validation.blend.ndcg@10']).toBeGreaterThan(record.metrics['validation.best_baseline.ndcg@10']);

    expect(await ctx.catalog.blends.load(r.modelId)).toEqual(r.blend);
    expect(r.blend).toMatchObject({ modelId: r.modelId, baseline: 'repeat', weight: 0.001, k: 10, reason: r.decision });
    // The manifest names the run that saved the model, so that gc can tell when that run failed or was killed.
    expect((await ctx.catalog.models.loadManifest(r.modelId)).runId).toBe(ctx.run.runId);
    // Carried to the horizon's forecast base rate as the model's own probabilities are.
    const modelShift = (await ctx.catalog.models.loadManifest(r.modelId)).calibration.priorShift;
    expect(modelShift).not.toBe(0);
    expect(r.blend!.calibration.priorShift).toBe(modelShift);

    // The card is written with the model, before its manifest, and says what scoring uses.
    const prefix = `models/loyalty-club/${r.modelId}/`;
    expect(lake.puts.filter((k) => k.startsWith(prefix))).toEqual(['weights.bin', 'model.json', 'model-card.json', 'model-card.md', 'manifest.json', 'blend.json'].map((f) => prefix + f));
    const card = await ctx.catalog.models.loadCard(r.modelId);
    expect(card).toEqual(r.card);
    expect(card!.promotion).toMatchObject({ outcome: 'blend', scoringWith: r.championId, decision: r.decision, blend: { baseline: 'repeat', weight: 0.001 } });
    expect(card!.validation.systems.map((s) => `${s.system}:${s.role}`)).toEqual(['challenger:challenger', 'popularity:baseline', 'repeat:baseline', 'blend:blend']);
    const md = new TextDecoder().decode(await lake.get(`${prefix}model-card.md`));
    for (const section of CARD_SECTIONS) expect(md).toContain(`\n## ${section}\n`);

    // Scoring the blend: each member's list starts with its repeat list, in that order; the model fills the rest.
    const scored = await scoreStep(ctx, index, { asOf, horizonDays: 30, k: 10, modelId: r.championId, threads: 1 });
    expect(scored.committed).toMatchObject({ modelId: r.championId, customers: 795 });
    expect(ctx.run.snapshot().inputs.map((i) => i.key)).toEqual(expect.arrayContaining([`${prefix}blend.json`, `${prefix}manifest.json`, `${prefix}weights.bin`]));
    const repeat = repeatBaseline(index, asOf, { k: 10 });
    let checked = 0;
    for (let row = 0; row < repeat.rank.length; row++) {
      const at = scored.lists.customer.findIndex((c, j) => c === repeat.customer[row] && scored.lists.rank[j] === repeat.rank[row]);
      expect(scored.lists.item[at]).toBe(repeat.item[row]);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
    for (let j = 1; j < scored.lists.rank.length; j++) {
      if (scored.lists.customer[j] === scored.lists.customer[j - 1]) expect(scored.lists.probability[j]).toBeLessThanOrEqual(scored.lists.probability[j - 1]);
    }
    // Neither training nor scoring leaves a model's tensors behind (a schedule runs both tick after tick in one process).
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test('scores with the baseline when the blend is not better on validation', async () => {
    const { ctx: fresh } = await loyaltyContext();
    const r = await trainStep(fresh, index, settings(asOf, 16));
    // The fit's own id, of the challenger whose training fitted it: written once beside it, never rewritten.
    expect(r).toMatchObject({ promoted: false, outcome: 'baseline', championId: `baseline:repeat@${r.modelId}` });
    expect(r.decision).toContain('; no champion exists, so scoring uses baseline repeat (Platt on rank with a level from the customer\'s recency and frequency, fitted at 2011-10-30T23:00:00.001Z): the blend of the model with it (weight 0.001 on the model) is not better on validation, out-of-fold NDCG@10 0.2734 against best baseline repeat 0.2822: −0.0088');
    expect((await fresh.catalog.fallbacks.load('repeat', r.modelId)).reason).toBe(r.decision);
    expect(fresh.run.snapshot().outputs.map((o) => o.key)).toContain(`models/loyalty-club/${r.modelId}/fallback.json`);
    expect(await fresh.catalog.store.head(fresh.catalog.fallbacks.key('repeat'))).toBeUndefined();
    expect(fresh.run.snapshot().metrics).toMatchObject({ 'training.baseline_fallback': 1 });
    expect(fresh.run.snapshot().promotion).toMatchObject({ outcome: 'baseline', championId: r.championId });
    const card = await fresh.catalog.models.loadCard(r.modelId);
    expect(card!.promotion).toMatchObject({ outcome: 'baseline', scoringWith: r.championId });
    expect(card!.promotion.blend!.comparison).toMatchObject({ role: 'baseline', against: 'repeat', significant: false });
    expect(card!.promotion.blend!.comparison.meanDifference).toBeLessThan(0);
    expect(await resolveModelId(fresh.catalog, undefined)).toBe(r.championId);

    // A fallback is no champion to keep: the next challenger that is not promoted gets a fallback fitted anew.
    const again = await trainStep(fresh, index, settings(asOf, 16));
    expect(again.outcome).not.toBe('kept-champion');
    expect((await fresh.catalog.champion.load())!.modelId).toBe(again.championId);
  });
});

describe('the model card and the backtest of the same procedure', () => {
  test('quotes the latest backtest of the same configuration and settings, up to its as-of time, and no other', async () => {
    const { ctx, lake, index, asOf } = await loyaltyContext();
    const { asOf: _, ...procedure } = settings(asOf, 16);
    const earlier = asOf - 30 * 86_400_000;
    const rows = await backtest(ctx, index, procedure, [earlier]);
    const record = await ctx.catalog.backtests.load();
    expect(lake.puts).toContain('models/loyalty-club/backtest.json');
    expect(record).toMatchObject({ runId: ctx.run.runId, settings: { horizonDays: 30, k: 10, trainCutoffs: 1, cutoffStepDays: 30 } });
    expect(record!.rows.map((r) => [r.asOf, r.systems.map((s) => [s.system, s.ndcg])])).toEqual(
      rows.map((r) => [new Date(r.asOf).toISOString(), r.metrics.map((m) => [m.system, m.ndcg])]),
    );

    const same = await trainStep(ctx, index, settings(asOf, 16));
    expect(same.card.backtestRunId).toBe(ctx.run.runId);
    // A record of the version before the defaults were filled in holds the options as given, threads too: still the same procedure.
    const { asOf: __, seed: ___, ...given } = settings(asOf, 16);
    await ctx.catalog.backtests.save({ ...record!, settings: JSON.parse(JSON.stringify(given)) });
    expect((await ctx.catalog.backtests.load())!.settings).toMatchObject({ train: { threads: 1, members: 1 } });
    expect((await trainStep(ctx, index, settings(asOf, 16))).card.backtestRunId).toBe(ctx.run.runId);
    expect(same.card.backtest!.map((r) => r.system)).toEqual(['model', 'popularity', 'repeat']);
    expect(same.card.backtest![0]).toMatchObject({ asOf: new Date(earlier).toISOString(), ndcg: rows[0].metrics[0].ndcg });

    const otherSettings = await trainStep(ctx, index, settings(asOf, 64));
    expect(otherSettings.card).toMatchObject({ backtest: null, backtestRunId: null });
    const beforeTheBacktest = await trainStep(ctx, index, { ...settings(earlier - 86_400_000, 16) });
    expect(beforeTheBacktest.card.backtest).toBeNull();
  });
});

describe('trainStep at an as-of time after the data', () => {
  test('refuses it before building any feature: the validation labels would miss the days after the data', async () => {
    const { ctx, index, asOf: last } = await loyaltyContext();
    const asOf = last + 14 * 86_400_000;
    await expect(trainStep(ctx, index, settings(asOf, 16))).rejects.toThrow(`the as-of time ${new Date(asOf).toISOString()} is after the data, whose last purchase is at`);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['events']);
  });
});

describe('backtest', () => {
  test('refuses an as-of time without truth before it trains at any other', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const { asOf: _, ...procedure } = settings(asOf, 16);
    const late = new Date(asOf - 86_400_000).toISOString();
    const refusal = backtest(ctx, index, procedure, [asOf - 30 * 86_400_000, asOf - 86_400_000]);
    await expect(refusal).rejects.toThrow(`backtest as-of ${late}: the data ends before 30 days after it, so there is no truth`);
    await expect(refusal).rejects.toBeInstanceOf(NoTruthError);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['events']);
  });

  test('refuses two as-of times of one UTC day before it trains at any', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const { asOf: _, ...procedure } = settings(asOf, 16);
    const day = asOf - 40 * 86_400_000 - (asOf % 86_400_000);
    const [a, b] = [new Date(day + 3_600_000).toISOString(), new Date(day + 7_200_000).toISOString()];
    await expect(backtest(ctx, index, procedure, [day + 7_200_000, asOf - 60 * 86_400_000, day + 3_600_000])).rejects.toThrow(
      `backtest: the as-of times ${a} and ${b} fall on one UTC day, ${a.slice(0, 10)}, under which their figures are recorded: give at most one as-of time per day`,
    );
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['events']);
  });
});

/** When the champions of the tests below were promoted. */
const PROMOTED_AT = '2011-01-01T00:00:00.000Z';

/** Trains a model at `asOf` (refitted on its validation cut-off when `refit`) that the lake's champion pointer then names (promoted at {@link PROMOTED_AT}); its model id. */
async function publishedChampion(ctx: StageContext, index: EventIndex, asOf: number, refit = false): Promise<string> {
  const s = settings(asOf, 64);
  const { modelId } = await trainStep(ctx, index, { ...s, train: { ...s.train, refit } });
  await ctx.catalog.champion.publish({ modelId, promotedAt: PROMOTED_AT, validation: {} });
  return modelId;
}

describe('trainStep against a champion the challenger does not beat', () => {
  test('keeps it, and the age a schedule retrains at runs from the challenge, not from its promotion', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const champion = { modelId: await publishedChampion(ctx, index, asOf) };
    const promotedAt = PROMOTED_AT;
    const before = Date.now();
    const r = await trainStep(ctx, index, settings(asOf, 16));
    expect(r).toMatchObject({ promoted: false, outcome: 'kept-champion', championId: champion.modelId });
    const pointer = await ctx.catalog.champion.load();
    expect(pointer).toMatchObject({ modelId: champion.modelId, promotedAt });
    expect(Date.parse(pointer!.challengedAt!)).toBeGreaterThanOrEqual(before);
    // Without new data the next tick does not train the same challenger again: that would repeat at every tick.
    const tick = decideRetrain({ newObjects: 0, championPromotedAt: pointer!.promotedAt, championChallengedAt: pointer!.challengedAt, maxModelAgeMs: 7 * 86_400_000, now: Date.now() });
    expect(tick).toMatchObject({ retrain: false, reason: expect.stringContaining(`last challenged at ${pointer!.challengedAt}`) });
  });

  test('compares with it by its recorded lead over its best baseline when it learnt this validation window\'s labels', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    // Refitted on the labels of [asOf − 40 d, asOf − 10 d): they reach into this training's validation window, [asOf − 30 d, asOf).
    const champion = await publishedChampion(ctx, index, asOf - 10 * 86_400_000, true);
    const systems = (await ctx.catalog.models.loadCard(champion))!.validation.systems;
    const lead = systems.find((x) => x.role === 'challenger')!.ndcg - Math.max(...systems.filter((x) => x.role === 'baseline').map((x) => x.ndcg));

    const r = await trainStep(ctx, index, settings(asOf, 16));
    const [baseline, against] = r.card.promotion.comparisons;
    expect(against).toMatchObject({ role: 'champion', against: champion, paired: false, lead });
    // Its figure here is this window's best baseline plus its lead, not the NDCG of its own month.
    expect(against.other).toBeCloseTo(baseline.other + lead, 12);
    expect(against.meanDifference).toBeCloseTo(baseline.meanDifference - lead, 12);
    expect(r.decision).toContain(`champion ${champion} (by its recorded lead ${lead >= 0 ? '+' : '−'}${Math.abs(lead).toFixed(4)} over its best baseline)`);
  });

  test('replaces a champion whose model is gone from the lake, which could score nothing, by a fallback', async () => {
    const { ctx, lake, index, asOf } = await loyaltyContext();
    const gone = await publishedChampion(ctx, index, asOf);
    await lake.delete(ctx.catalog.models.key(gone, 'manifest.json'));

    const r = await trainStep(ctx, index, settings(asOf, 16));
    expect(r).toMatchObject({ promoted: false, outcome: 'baseline', championId: `baseline:repeat@${r.modelId}` });
    expect(r.decision).toContain(`; champion ${gone} cannot be loaded (model "${gone}" not found: `);
    expect(r.decision).toContain('so it can score nothing, so scoring uses baseline repeat');
    expect((await ctx.catalog.champion.load())!.modelId).toBe(r.championId);
  });

  test('leaves a champion whose manifest this version cannot read, which a later version may have written, and fails', async () => {
    const { ctx, lake, index, asOf } = await loyaltyContext();
    const newer = await publishedChampion(ctx, index, asOf);
    const key = ctx.catalog.models.key(newer, 'manifest.json');
    const manifest = JSON.parse(new TextDecoder().decode(await lake.get(key))) as Record<string, unknown>;
    await lake.put(key, JSON.stringify({ ...manifest, formatVersion: 2 }));

    await expect(trainStep(ctx, index, settings(asOf, 16))).rejects.toThrow(/invalid model manifest .* field formatVersion/);
    expect((await ctx.catalog.champion.load())!.modelId).toBe(newer);
  });

  test('replaces a champion trained for another horizon, whose probabilities answer another question, by a fallback', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const old = { modelId: await publishedChampion(ctx, index, asOf) };

    const r = await trainStep(ctx, index, { ...settings(asOf, 16), horizonDays: 20 });
    expect(r).toMatchObject({ promoted: false, outcome: 'blend', championId: `blend:${r.modelId}` });
    expect(r.decision).toContain(`; champion ${old.modelId} gives the probability of a purchase within 30 days, not within the 20 days of this training, so scoring uses the blend of ${r.modelId}`);
    expect((await ctx.catalog.champion.load())!.modelId).toBe(r.championId);
  });

  test('replaces a champion of other features than today\'s, which could score nothing, by a fallback', async () => {
    const { ctx, lake, index, asOf } = await loyaltyContext();
    const old = { modelId: await publishedChampion(ctx, index, asOf) };
    // As a model of an earlier version, whose last feature was another.
    const manifest = await ctx.catalog.models.loadManifest(old.modelId);
    const featureNames = [...manifest.featureNames.slice(0, -1), 'ci_retired_feature'];
    await lake.put(ctx.catalog.models.key(old.modelId, 'manifest.json'), JSON.stringify({ ...manifest, featureNames }));

    const r = await trainStep(ctx, index, settings(asOf, 16));
    expect(r).toMatchObject({ promoted: false, outcome: 'baseline', championId: `baseline:repeat@${r.modelId}` });
    expect(r.decision).toContain(`; champion ${old.modelId} reads other features than today's (the feature set: feature column ${featureNames.length - 1} is "ci_customer_knn_score", expected "ci_retired_feature"`);
    expect(r.decision).toContain('so it cannot score today\'s candidates, so scoring uses baseline repeat');
    expect((await ctx.catalog.champion.load())!.modelId).toBe(r.championId);
    const scored = await scoreStep(ctx, index, { asOf, horizonDays: 30, k: 10, modelId: r.championId, threads: 1 });
    expect(scored.committed).toMatchObject({ modelId: r.championId });
  });
});

describe('trainStep at an earlier as-of time than the champion\'s (a past month run again)', () => {
  test('scores at its own as-of time with what it decides, and leaves the champion pointer as it is', async () => {
    const { ctx, lake, index, asOf } = await loyaltyContext();
    const later = { modelId: await publishedChampion(ctx, index, asOf) };
    // Its card says when it was trained, even when its model cannot be loaded (here: its manifest is gone).
    await lake.delete(ctx.catalog.models.key(later.modelId, 'manifest.json'));
    const promotedAt = PROMOTED_AT;
    const earlier = asOf - 10 * 86_400_000;

    const r = await trainStep(ctx, index, settings(earlier, 16));
    expect(r.outcome).not.toBe('kept-champion');
    expect(r.decision).toContain(`champion ${later.modelId} was trained at a later as-of time (${new Date(asOf).toISOString()}), so it cannot score at this one (${new Date(earlier).toISOString()})`);
    expect(r.decision).toMatch(new RegExp(`; the champion pointer stays on ${later.modelId}, trained at a later as-of time$`));
    // Neither replaced nor stamped as challenged: it is still the champion of its own, later time.
    expect(await ctx.catalog.champion.load()).toEqual({ modelId: later.modelId, promotedAt, validation: {} });
    const scored = await scoreStep(ctx, index, { asOf: earlier, horizonDays: 30, k: 10, modelId: r.championId, threads: 1 });
    expect(scored.committed).toMatchObject({ modelId: r.championId });
  });
});

describe('trainStep at an earlier as-of time than the fallback the pointer names', () => {
  test('leaves the pointer on the fallback chosen at the later time', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const later = await trainStep(ctx, index, settings(asOf, 16));
    expect(later.championId).toBe(`baseline:repeat@${later.modelId}`);
    const pointer = await ctx.catalog.champion.load();

    const r = await trainStep(ctx, index, settings(asOf - 10 * 86_400_000, 16));
    expect(r.decision).toMatch(new RegExp(`; the champion pointer stays on baseline:repeat@${later.modelId}, chosen at a later as-of time$`));
    expect(await ctx.catalog.champion.load()).toEqual(pointer);
  });
});

describe('scoring with what was trained at a later as-of time', () => {
  test('is refused for a model and a baseline fallback, whose calibration learnt purchases after the as-of time', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const r = await trainStep(ctx, index, settings(asOf, 16));
    expect(r.championId).toBe(`baseline:repeat@${r.modelId}`);
    const earlier = asOf - 10 * 86_400_000;
    const at = new Date(earlier).toISOString();
    const options = { asOf: earlier, horizonDays: 30, k: 10, threads: 1 };
    await expect(scoreStep(ctx, index, { ...options, modelId: r.modelId })).rejects.toThrow(
      `model ${r.modelId} learnt purchases up to ${new Date(asOf).toISOString()}, after the as-of time ${at}: its scores at ${at} would carry what happened after it`,
    );
    await expect(scoreStep(ctx, index, { ...options, modelId: r.championId })).rejects.toThrow(`baseline fallback ${r.championId} learnt purchases up to ${new Date(asOf).toISOString()}, after the as-of time ${at}`);
    // At its own as-of time it scores; named by its baseline alone, it resolves to the fit the champion pointer names.
    expect((await scoreStep(ctx, index, { ...options, asOf, modelId: 'baseline:repeat' })).committed).toMatchObject({ modelId: r.championId });
  });
});

describe('scoring for another horizon than the model was trained for', () => {
  test('is refused: its probabilities are of a purchase within its own horizon', async () => {
    const { ctx, index, asOf } = await loyaltyContext();
    const r = await trainStep(ctx, index, settings(asOf, 16));
    await expect(scoreStep(ctx, index, { asOf, horizonDays: 60, k: 10, threads: 1, modelId: r.modelId })).rejects.toThrow(
      `model ${r.modelId} gives the probability of a purchase within 30 days, and this run's horizon is 60 days: score with --horizon 30, or with a model trained with --horizon 60`,
    );
    // The baseline fallback the same training fitted keeps its horizon too.
    expect(r.championId).toBe(`baseline:repeat@${r.modelId}`);
    expect(await ctx.catalog.fallbacks.load('repeat', r.modelId)).toMatchObject({ horizonDays: 30 });
    await expect(scoreStep(ctx, index, { asOf, horizonDays: 60, k: 10, threads: 1, modelId: r.championId })).rejects.toThrow(
      `baseline fallback ${r.championId} gives the probability of a purchase within 30 days, and this run's horizon is 60 days: score with --horizon 30, or train with --horizon 60 first`,
    );
  });
});
