/**
 * scoring/runner.ts and scoring/commit.ts: a shard reads the markers its run holds
 * before it scores, and refuses (bad usage, exit 2, nothing written) to join a run
 * scored as another split or with another model, as-of time, K or events, naming the
 * marker in conflict and the ways out; the run's consistent shards still commit.
 */
import { EXIT, exitCodeOf } from '../../cli/exit';
import type { EventIndex } from '../../features/event-index';
import { DAY_MS } from '../../lib/schema';
import { checkShardFits, checkShardMarkers, type ShardPlan } from '../../scoring/commit';
import { ShardConflictError } from '../../scoring/errors';
import { scoreStep, type ScoreStepOptions } from '../../scoring/runner';
import type { ShardMarker } from '../../lib/catalog';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import { lakeState, refusal } from '../helpers/refusal';
import { retailContext } from '../helpers/stage-context';

const RUN = '20111209T000000Z-5ca1ab';
const MARKER = (i: number, n: number): string => `memory://test/exports/online-retail/${RUN}/shards/shard-${i}-of-${n}._SUCCESS.json`;

describe('a shard of a run scored otherwise', () => {
  let index: EventIndex;
  let asOf: number;
  beforeAll(() => {
    ({ index, asOf } = shopIndex());
  });
  const options = (over: Partial<ScoreStepOptions>): ScoreStepOptions => ({ asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, threads: 1, ...over });

  it('is refused before it scores, writing nothing, when it is of another number of shards; the run then commits with its own split', async () => {
    const lake = await lakeWithBaselines();
    const ctx = retailContext(lake, 'score');
    expect((await scoreStep(ctx, index, options({ shard: { index: 0, count: 2 } }))).committed).toBeUndefined();
    const before = await lakeState(lake);
    for (const shard of [{ index: 1, count: 3 }, { index: 0, count: 3 }]) {
      const error = await refusal(scoreStep(retailContext(lake, 'score'), index, options({ shard })));
      expect(error).toBeInstanceOf(ShardConflictError);
      expect(exitCodeOf(error)).toBe(EXIT.usage);
      expect(error.message).toContain(
        `shard ${shard.index}/3 of run ${RUN} does not fit the run: its shard 0/2 (${MARKER(0, 2)}) was scored as one of 2 shards, not 3, `
          + 'and only shards of one split are merged; score the run\'s shards as --shard i/2 (0 <= i < 2), or a split in 3 under a new --run-id; '
          + `to drop run ${RUN} and reuse its id, run berserkr gc --run ${RUN}, which removes memory://test/exports/online-retail/${RUN}/ and memory://test/scores/online-retail/${RUN}/ once nothing of it was written for the lock lease`,
      );
      expect(await lakeState(lake)).toEqual(before);
    }
    const last = await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 2 } }));
    expect(last.committed).toMatchObject({ runId: RUN, shards: 2, modelId: 'baseline:repeat' });
  });

  it('is refused, naming both values and the option, when it disagrees on the model, the as-of time or K; the agreeing shards still commit', async () => {
    const lake = await lakeWithBaselines();
    const ctx = retailContext(lake, 'score');
    await scoreStep(ctx, index, options({ shard: { index: 0, count: 3 } }));
    const before = await lakeState(lake);
    const earlier = new Date(asOf - DAY_MS).toISOString();
    const cases: [Partial<ScoreStepOptions>, string][] = [
      [{ k: 5 }, 'was scored with --top-k 10, this one with 5; score this shard with --top-k 10 as the run\'s other shards, or all 3 shards with --top-k 5 under a new --run-id'],
      [{ modelId: 'baseline:popularity' }, 'was scored with --model baseline:repeat, this one with baseline:popularity;'],
      [{ asOf: asOf - DAY_MS }, `was scored with --as-of ${new Date(asOf).toISOString()}, this one with ${earlier};`],
    ];
    for (const [over, text] of cases) {
      const error = await refusal(scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 3 }, ...over })));
      expect(error).toBeInstanceOf(ShardConflictError);
      expect(error.message).toContain(`shard 1/3 of run ${RUN} does not fit the run: its shard 0/3 (${MARKER(0, 3)}) ${text}`);
      expect(await lakeState(lake)).toEqual(before);
    }
    expect((await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 3 } }))).committed).toBeUndefined();
    expect((await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 2, count: 3 } }))).committed).toMatchObject({ runId: RUN, shards: 3, k: 10 });
  });

  it('replaces its own earlier attempt whatever it was scored with', async () => {
    const lake = await lakeWithBaselines();
    await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 0, count: 2 }, k: 5 }));
    await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 0, count: 2 }, k: 10 }));
    expect((await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 2 } }))).committed).toMatchObject({ k: 10 });
  });
});

describe('checkShardFits', () => {
  const plan: ShardPlan = { runId: RUN, shard: { index: 1, count: 2 }, modelId: 'm-1', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, formats: ['csv', 'parquet'], events: 'aaaa' };
  const marker = (over: Partial<ShardMarker>): ShardMarker => ({ ...plan, shard: { index: 0, count: 2 }, customers: 1, pairs: 1, rows: 1, lists: 'l', scores: [], ...over });
  const where = { marker: (s: { index: number; count: number }) => `m${s.index}of${s.count}`, folders: ['e/', 's/'] };

  it('names the events that changed, the formats as --format spells them, and says an ingest ran', () => {
    expect(() => checkShardFits(plan, [marker({})], where)).not.toThrow();
    expect(() => checkShardFits(plan, [marker({ events: 'bbbb' })], where)).toThrow(
      `shard 1/2 of run ${RUN} does not fit the run: its shard 0/2 (m0of2) was scored from other purchase events (digest bbbb, this shard's aaaa): `
        + 'the lake\'s events before the as-of time changed in between (an ingest ran); score all 2 shards under a new --run-id; '
        + `to drop run ${RUN} and reuse its id, run berserkr gc --run ${RUN}, which removes e/ and s/ once`,
    );
    expect(() => checkShardFits(plan, [marker({ formats: ['jsonl'] })], where)).toThrow('was scored with --format jsonl, this one with csv,parquet;');
    expect(() => checkShardFits(plan, [marker({ horizonDays: 7 })], where)).toThrow('was scored with --horizon 7, this one with 30;');
  });

  it('says what --model was given and the fit it resolved to, and offers the fit for a new run', () => {
    const fit = 'baseline:repeat@20111110T000000000Z-3fa2c01b';
    expect(() => checkShardFits({ ...plan, modelId: fit, modelGiven: 'baseline:repeat' }, [marker({})], where)).toThrow(
      `was scored with --model m-1, this one with baseline:repeat (resolved to ${fit}); score this shard with --model m-1 as the run's other shards, or all 2 shards with --model ${fit} under a new --run-id;`,
    );
    expect(() => checkShardFits({ ...plan, modelId: fit, modelGiven: fit }, [marker({})], where)).toThrow(`was scored with --model m-1, this one with ${fit};`);
  });

  it('takes formats as the files they make: in any order, and a marker of an earlier version without the Parquet file', () => {
    expect(() => checkShardFits(plan, [marker({ formats: ['parquet', 'csv'] })], where)).not.toThrow();
    expect(() => checkShardFits(plan, [marker({ formats: ['csv'] })], where)).not.toThrow();
    expect(() => checkShardFits(plan, [marker({ formats: ['csv', 'jsonl'] })], where)).toThrow('was scored with --format csv,jsonl, this one with csv,parquet;');
    const shards = [marker({ formats: ['csv'] }), { ...marker({ formats: ['parquet', 'csv'] }), shard: { index: 1, count: 2 } }];
    expect(checkShardMarkers(RUN, shards, 2)).toEqual(shards);
  });
});
