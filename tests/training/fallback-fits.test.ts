/**
 * The baseline fallback's fits are pinned (QA, "a pinned baseline:<name> changes under the champion
 * and under sharded scoring"): each training that falls back to a baseline writes its fit once,
 * beside its challenger (`models/<data set>/<model-id>/fallback.json`), under its own id
 * `baseline:<name>@<model-id>`, which the champion pointer, the shard markers and the export's
 * sidecar name. On the loyalty fixture, where a challenger trained briefly (one member, one epoch,
 * 16 groups) falls back to the repeat baseline:
 * - a backfill at an earlier as-of time (2011-10-10, after 2011-10-15) leaves the fit the champion
 *   pointer names as it was, and scoring with the champion gives the same probabilities;
 * - a training that fails after saving its fit (here: writing the pointer) changes nothing any
 *   pointer names;
 * - the shards of one scoring run score with one fit even when `baseline:repeat` would name another
 *   by the time a later shard runs, and a shard given another fit's id is refused.
 * The tests run in order on one lake.
 */
import type { EventIndex } from '../../features/event-index';
import { RunRecorder } from '../../lib/runs';
import type { StageContext } from '../../lib/stage-context';
import type { TopK } from '../../ranking/topk';
import { ShardConflictError } from '../../scoring/errors';
import { resolveModelId, scoreStep, type ScoreStepOptions } from '../../scoring/runner';
import { trainStep } from '../../training/runner';
import { loadScorerRecord } from '../../training/scorer-records';
import { LOYALTY_TRAINING, loyaltyContext } from '../helpers/loyalty-lake';
import type { MemoryStore } from '../helpers/memory-store';

const DAY = 86_400_000;
const AT = Date.parse('2011-10-15T00:00:00Z');
const EARLIER = Date.parse('2011-10-10T00:00:00Z');
const RUN = '20111016T000000Z-0a1b2c';
const OTHER_RUN = '20111016T000000Z-0d0e0f';

const settings = (asOf: number) => ({ ...LOYALTY_TRAINING, asOf });

/** The probability of each listed (customer, item) pair, by `customer:item` (dense ids). */
function probabilities(...lists: TopK[]): Map<string, number> {
  const byPair = new Map<string, number>();
  for (const l of lists) for (let j = 0; j < l.n; j++) byPair.set(`${l.customer[j]}:${l.item[j]}`, l.probability[j]);
  return byPair;
}

describe('the fits of the baseline fallback, on the loyalty fixture', () => {
  let base: StageContext;
  let lake: MemoryStore;
  let index: EventIndex;
  /** A context on the one lake with a run of its own: each command is one. */
  const as = (command: string): StageContext => ({ ...base, run: new RunRecorder({ command, code: { version: 'test', commit: null, dirty: false } }) });
  const score = (o: Partial<ScoreStepOptions> & { modelId: string }) => scoreStep(as('score'), index, { asOf: AT, horizonDays: 30, k: 10, threads: 1, ...o });
  /** The champion's fit, its probabilities at {@link AT} as `score --as-of 2011-10-15` gave them right after its training. */
  let champion: { id: string; validationCutoff: number; scored: Map<string, number> };

  beforeAll(async () => {
    ({ ctx: base, lake, index } = await loyaltyContext());
  });

  test('(a) a backfill at an earlier as-of time leaves the fit the champion pointer names, and what it scores, as they were', async () => {
    const later = await trainStep(as('train'), index, settings(AT));
    expect(later.outcome).toBe('baseline');
    const pointer = (await base.catalog.champion.load())!;
    const id = await resolveModelId(base.catalog, undefined);
    const scored = probabilities((await score({ modelId: id })).lists);
    champion = { id, validationCutoff: AT - 30 * DAY, scored };
    expect(pointer.validation.validationCutoff).toBe(champion.validationCutoff);

    // `run --as-of 2011-10-10`: it falls back too, and leaves the pointer on the fallback chosen at the later time.
    const backfill = await trainStep(as('train'), index, settings(EARLIER));
    expect(backfill.outcome).toBe('baseline');
    expect(backfill.decision).toMatch(/; the champion pointer stays on \S+, chosen at a later as-of time$/);
    expect(await base.catalog.champion.load()).toEqual(pointer);

    // What the pointer names is still the fit chosen with it, and scores as it did.
    const named = await loadScorerRecord(base.catalog, pointer.modelId);
    expect(named).toMatchObject({ kind: 'baseline', fallback: { validationCutoff: pointer.validation.validationCutoff } });
    expect(probabilities((await score({ modelId: await resolveModelId(base.catalog, undefined) })).lists)).toEqual(scored);

    // Each fit has its own id, of the challenger whose training wrote it once, beside it.
    expect([later.championId, backfill.championId]).toEqual([`baseline:repeat@${later.modelId}`, `baseline:repeat@${backfill.modelId}`]);
    expect(pointer.modelId).toBe(later.championId);
    expect(await base.catalog.fallbacks.load('repeat', backfill.modelId)).toMatchObject({ validationCutoff: EARLIER - 30 * DAY });
    expect(lake.puts.filter((k) => k.endsWith('/fallback.json'))).toEqual([later.modelId, backfill.modelId].map((m) => `models/loyalty-club/${m}/fallback.json`));
  });

  test('(b) the shards of a run score with one fit, whatever a training between them fits, and a training that fails after its fit changes nothing', async () => {
    // `score --shard 0/2 --run-id R --model baseline:repeat`: the fit the champion pointer names.
    const first = await score({ modelId: 'baseline:repeat', runId: RUN, shard: { index: 0, count: 2 } });
    expect(first.marker.modelId).toBe(champion.id);

    // `train --as-of 2011-10-15`: it falls back, saves its fit, and fails writing the champion pointer.
    lake.failPutsMatching = /champion\.json$/;
    const failing = as('train');
    await expect(trainStep(failing, index, settings(AT))).rejects.toThrow('injected failure writing models/loyalty-club/champion.json');
    lake.failPutsMatching = undefined;
    const { challengerId, outcome } = failing.run.snapshot().promotion!;
    expect(outcome).toBe('baseline');
    const pointer = (await base.catalog.champion.load())!;
    expect(pointer.modelId).toBe(champion.id);
    expect(await loadScorerRecord(base.catalog, pointer.modelId)).toMatchObject({ fallback: { validationCutoff: champion.validationCutoff } });
    expect(probabilities((await score({ modelId: await resolveModelId(base.catalog, undefined) })).lists)).toEqual(champion.scored);

    // As a training that succeeded would, the pointer now names the new fit: shard 1 of R still scores with the run's.
    const newer = `baseline:repeat@${challengerId}`;
    await base.catalog.champion.publishFallback({ ...pointer, modelId: newer });
    const second = await score({ modelId: 'baseline:repeat', runId: RUN, shard: { index: 1, count: 2 } });
    expect(second.marker.modelId).toBe(champion.id);
    expect(second.committed).toMatchObject({ runId: RUN, shards: 2, modelId: champion.id });
    expect(probabilities(first.lists, second.lists)).toEqual(champion.scored);

    // A shard given another fit's id than the run's does not fit the run, and nothing of it is written.
    await score({ modelId: champion.id, runId: OTHER_RUN, shard: { index: 0, count: 2 } });
    const refused = score({ modelId: newer, runId: OTHER_RUN, shard: { index: 1, count: 2 } });
    await expect(refused).rejects.toBeInstanceOf(ShardConflictError);
    await expect(refused).rejects.toThrow(`was scored with --model ${champion.id}, this one with ${newer};`);
    // Without a run to follow, `baseline:repeat` is the fit the pointer names now.
    expect((await score({ modelId: 'baseline:repeat' })).marker.modelId).toBe(newer);
  });
});
