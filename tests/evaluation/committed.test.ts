/**
 * evaluation/runner.ts evaluateCommitted, what the shard of `score --shard` that commits
 * its run evaluates: the committed export read back, every shard's lists and scored
 * pairs, gives the metrics the whole run gives from its lists in memory; the scored
 * pairs are folded one scores part at a time into exactly the figures of all of them
 * evaluated at once; an export whose horizon the data do not reach is not read at all.
 */
import { evaluateAt, metricsByName } from '../../evaluation/evaluate';
import { readPublished } from '../../evaluation/published';
import { evaluateCommitted } from '../../evaluation/runner';
import type { ExportMetadata } from '../../lib/catalog';
import * as metrics from '../../ranking/metrics';
import type { MemoryStore } from '../helpers/memory-store';
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

  /** Run RUN scored in 3 shards of customer batches of 4, so each shard writes several scores parts, and committed. */
  async function committedInParts(lake: MemoryStore): Promise<ExportMetadata> {
    let committed: ExportMetadata | undefined;
    for (let i = 0; i < 3; i++) committed ??= (await scoreStep(retailContext(lake, 'score'), index, options({ runId: RUN, shard: { index: i, count: 3 }, batchCustomers: 4, collect: false }))).committed;
    expect(committed!.scores.length).toBeGreaterThan(3);
    return committed!;
  }

  it('folds the scored pairs of a run committed in many parts into exactly the figures of all of them evaluated in memory', async () => {
    const lake = await lakeWithBaselines();
    const committed = await committedInParts(lake);
    const { lists, scored } = await readPublished(retailContext(lake, 'evaluate').catalog, index, RUN);
    const inMemory = metricsByName(evaluateAt(index, AS_OF, 30, 10, { name: 'baseline:repeat', lists, scored }), 'baseline:repeat');
    const streamed = metricsByName((await evaluateCommitted(retailContext(lake, 'evaluate'), index, committed))!, 'baseline:repeat');
    expect(inMemory['model.ece']).toBeGreaterThan(0);
    expect(inMemory['model.logLoss']).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(inMemory)) expect([name, streamed[name]]).toEqual([name, value]);
    expect(Object.keys(streamed).sort()).toEqual(Object.keys(inMemory).sort());
  });

  it('reads each scores part only once the one before is folded into the calibration sums', async () => {
    const lake = await lakeWithBaselines();
    const committed = await committedInParts(lake);
    const ctx = retailContext(lake, 'evaluate');
    const events: string[] = [];
    const load = ctx.catalog.scores.load.bind(ctx.catalog.scores);
    jest.spyOn(ctx.catalog.scores, 'load').mockImplementation((key) => (events.push('read'), load(key)));
    const addScoredPairs = metrics.addScoredPairs;
    const fold = jest.spyOn(metrics, 'addScoredPairs').mockImplementation((...args) => (events.push('fold'), addScoredPairs(...args)));
    try {
      await evaluateCommitted(ctx, index, committed);
    } finally {
      fold.mockRestore();
    }
    expect(events).toEqual(committed.scores.flatMap(() => ['read', 'fold']));
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
