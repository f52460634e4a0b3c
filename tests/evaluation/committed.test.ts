/**
 * evaluation/runner.ts evaluateCommitted, what the shard of `score --shard` that commits
 * its run evaluates: the committed export read back, every shard's lists and scored
 * pairs, gives the metrics the whole run gives from its lists in memory; an export whose
 * horizon the data do not reach is not read at all.
 */
import { evaluateAt, metricsByName } from '../../evaluation/evaluate';
import { evaluateCommitted } from '../../evaluation/runner';
import type { ExportMetadata } from '../../lib/catalog';
import { scoreStep, type ScoreStepOptions } from '../../scoring/runner';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import { retailContext } from '../helpers/stage-context';

const RUN = '20111201T000000Z-e7a10c';
const { index, asOf: end } = shopIndex();
/** An as-of time whose 30-day horizon the synthetic shop's data reach. */
const AS_OF = Date.parse('2011-11-01T00:00:00Z');

describe('evaluateCommitted', () => {
  const options = (over: Partial<ScoreStepOptions>): ScoreStepOptions => ({ asOf: AS_OF, horizonDays: 30, k: 10, modelId: 'baseline:repeat', threads: 1, ...over });

  it('evaluates a run committed from 3 shards as the whole run evaluates its lists in memory, and records the metrics', async () => {
    const lake = await lakeWithBaselines();
    const whole = await scoreStep(retailContext(lake, 'score'), index, options({}));
    const expected = metricsByName(evaluateAt(index, AS_OF, 30, 10, { name: 'baseline:repeat', lists: whole.lists, scored: whole.scored }), 'baseline:repeat');
    let committed: ExportMetadata | undefined;
    for (let i = 0; i < 3; i++) committed ??= (await scoreStep(retailContext(lake, 'score'), index, options({ runId: RUN, shard: { index: i, count: 3 }, collect: false }))).committed;
    expect(committed).toMatchObject({ runId: RUN, shards: 3 });
    const ctx = retailContext(lake, 'score');
    const rows = await evaluateCommitted(ctx, index, committed!);
    const metrics = metricsByName(rows!, 'baseline:repeat');
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(['model.ndcg@10', 'model.ece', 'model.ece@10', 'baseline.popularity.ndcg@10']));
    expect(metrics).toEqual(Object.fromEntries(Object.entries(expected).map(([name, value]) => [name, expect.closeTo(value, 10)])));
    expect(ctx.run.snapshot()).toMatchObject({ modelId: 'baseline:repeat', metrics });
  });

  it('reads nothing of an export whose horizon the data do not reach, and records no evaluation', async () => {
    const lake = await lakeWithBaselines();
    const { committed } = await scoreStep(retailContext(lake, 'score'), index, options({ asOf: end }));
    const ctx = retailContext(lake, 'score');
    const scores = jest.spyOn(ctx.catalog.scores, 'load');
    const lists = jest.spyOn(ctx.catalog.exports, 'loadLists');
    expect(await evaluateCommitted(ctx, index, committed!)).toBeUndefined();
    expect([scores.mock.calls, lists.mock.calls]).toEqual([[], []]);
    expect(ctx.run.snapshot()).toMatchObject({ steps: [], metrics: {} });
  });
});
