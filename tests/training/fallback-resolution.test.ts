/**
 * `score --model baseline:<name>` resolves to a fit that answers the run's question (review of
 * the resolution by training time): on the loyalty fixture, a training at 2011-10-15 (its fit
 * calibrated at 2011-09-15, which the champion pointer names) and a backfill at 2011-10-10 (its
 * fit calibrated at 2011-09-10, trained later):
 * - at as-of 2011-10-10 the champion's fit learnt purchases after it: the backfill's fit scores,
 *   not a ModelMismatchError;
 * - with a model champion, at as-of 2011-10-15 the fit of the latest validation cut-off scores
 *   (the 2011-10-15 training's), not the fit of the latest training (the backfill's);
 * - of two fits of one cut-off, the one whose training's run ended ok;
 * - with no fit for the as-of time and horizon, the error lists the fits found and says to pass a
 *   full id; with no fit at all, it names where fits are looked for, not the record of an earlier version alone;
 * - the run record names the fit scored with, sharded or not.
 * The tests run in order on one lake.
 */
import type { EventIndex } from '../../features/event-index';
import { Catalog } from '../../lib/catalog';
import { RunRecorder } from '../../lib/runs';
import type { StageContext } from '../../lib/stage-context';
import { ModelMismatchError } from '../../scoring/errors';
import { scoreStep, type ScoreStepOptions } from '../../scoring/runner';
import { trainStep } from '../../training/runner';
import { LOYALTY_TRAINING, loyaltyContext } from '../helpers/loyalty-lake';
import { MemoryStore } from '../helpers/memory-store';

const AT = Date.parse('2011-10-15T00:00:00Z');
const EARLIER = Date.parse('2011-10-10T00:00:00Z');
const BEFORE_ALL = Date.parse('2011-10-01T00:00:00Z');

const settings = (asOf: number) => ({ ...LOYALTY_TRAINING, asOf });

describe('score --model baseline:<name> on the loyalty fixture', () => {
  let base: StageContext;
  let lake: MemoryStore;
  let lines: string[];
  let index: EventIndex;
  /** A context on the one lake with a run of its own: each command is one. */
  const as = (command: string, catalog?: Catalog): StageContext => ({ ...base, ...(catalog === undefined ? {} : { catalog }), run: new RunRecorder({ command, code: { version: 'test', commit: null, dirty: false } }) });
  const score = (ctx: StageContext, o: Partial<ScoreStepOptions>) => scoreStep(ctx, index, { asOf: AT, horizonDays: 30, k: 10, threads: 1, modelId: 'baseline:repeat', ...o });
  /** The model ids of the trainings at 2011-10-15 and at 2011-10-10. */
  let later: string;
  let backfill: string;

  beforeAll(async () => {
    ({ ctx: base, lake, lines, index } = await loyaltyContext());
    for (const asOf of [AT, EARLIER]) {
      const ctx = as('train');
      const trained = await trainStep(ctx, index, settings(asOf));
      expect(trained.outcome).toBe('baseline');
      await ctx.run.finish(base.catalog.runs);
      if (asOf === AT) later = trained.modelId;
      else backfill = trained.modelId;
    }
    expect((await base.catalog.champion.load())!.modelId).toBe(`baseline:repeat@${later}`);
  });

  test('(a) at an as-of time the champion\'s fit learnt past, a fit that learnt nothing after it scores, and the run record names it', async () => {
    const ctx = as('score');
    const scored = await score(ctx, { asOf: EARLIER });
    expect(scored.marker.modelId).toBe(`baseline:repeat@${backfill}`);
    expect(ctx.run.snapshot().modelId).toBe(`baseline:repeat@${backfill}`);
    const resolved = lines.map((l) => JSON.parse(l) as { msg: string; via?: string }).find((l) => l.via === 'latest');
    expect(resolved?.msg).toBe(
      `baseline:repeat resolved to baseline:repeat@${backfill}, the fit of the latest validation cut-off that fits the as-of time and horizon; `
        + `the fit the champion pointer names, baseline:repeat@${later}, learnt purchases up to 2011-10-15T00:00:00.000Z, after the as-of time 2011-10-10T00:00:00.000Z`,
    );
  });

  test('(b) with a model champion, the fit of the latest validation cut-off scores, not the one trained last', async () => {
    const pointer = (await base.catalog.champion.load())!;
    await base.catalog.champion.publish({ ...pointer, modelId: later });
    const ctx = as('score');
    expect((await score(ctx, {})).marker.modelId).toBe(`baseline:repeat@${later}`);
    expect(ctx.run.snapshot().modelId).toBe(`baseline:repeat@${later}`);
    // Sharded, the run record names the fit as well.
    const shard = as('score');
    expect((await score(shard, { runId: '20111016T000000Z-0a1b2c', shard: { index: 0, count: 2 } })).marker.modelId).toBe(`baseline:repeat@${later}`);
    expect(shard.run.snapshot().modelId).toBe(`baseline:repeat@${later}`);
  });

  test('(c) of two fits of one validation cut-off, the one whose training\'s run ended ok', async () => {
    // A training at 2011-10-15 again, without a model champion, which fails after its fit (writing the pointer): a newer fit of the same cut-off.
    const pointer = (await base.catalog.champion.load())!;
    await base.catalog.champion.publishFallback({ ...pointer, modelId: `baseline:repeat@${later}` });
    lake.failPutsMatching = /champion\.json$/;
    const failing = as('train');
    await expect(trainStep(failing, index, settings(AT))).rejects.toThrow('injected failure');
    lake.failPutsMatching = undefined;
    await failing.run.finish(base.catalog.runs, 'failed');
    const { challengerId } = failing.run.snapshot().promotion!;
    expect(challengerId > later).toBe(true);
    await base.catalog.champion.publish(pointer);
    expect(await base.catalog.fallbacks.load('repeat', challengerId)).toMatchObject({ validationCutoff: (await base.catalog.fallbacks.load('repeat', later)).validationCutoff });
    expect((await score(as('score'), {})).marker.modelId).toBe(`baseline:repeat@${later}`);
  });

  test('(d) the run record of a shard names the fit it scored with, given by its full id', async () => {
    const shard = as('score');
    await score(shard, { modelId: `baseline:repeat@${later}`, runId: '20111016T000000Z-0d0e0f', shard: { index: 0, count: 2 } });
    expect(shard.run.snapshot().modelId).toBe(`baseline:repeat@${later}`);
  });

  test('(e) with no fit for the as-of time and horizon, the error lists the fits found and says to pass a full id', async () => {
    const refused = score(as('score'), { asOf: BEFORE_ALL });
    await expect(refused).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(refused).rejects.toThrow(
      '--model baseline:repeat: no fit of baseline repeat in the lake (memory://test/models/loyalty-club/*/fallback.json) for the as-of time 2011-10-01T00:00:00.000Z and the 30-day horizon, '
        + 'and no record of an earlier version (memory://test/models/loyalty-club/baseline-repeat/fallback.json); the fits found, newest training first: ',
    );
    await expect(refused).rejects.toThrow(`baseline:repeat@${backfill} (validation cut-off 2011-09-10T00:00:00.000Z, 30-day horizon)`);
    await expect(refused).rejects.toThrow('pass one by its full id, --model baseline:repeat@<model-id>, with such an --as-of and --horizon');
  });

  test('(f) in a lake without a fit of the baseline, the error says where fits are looked for', async () => {
    const empty = new Catalog(new MemoryStore(), 'loyalty-club');
    const refused = score(as('score', empty), {});
    await expect(refused).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(refused).rejects.toThrow(
      '--model baseline:repeat: no fit of baseline repeat in the lake (memory://test/models/loyalty-club/*/fallback.json) for the as-of time 2011-10-15T00:00:00.000Z and the 30-day horizon, '
        + 'and no record of an earlier version (memory://test/models/loyalty-club/baseline-repeat/fallback.json); a training that falls back to the baseline fits one (berserkr train --as-of 2011-10-15T00:00:00.000Z --horizon 30)',
    );
  });
});
