import { EXIT, exitCodeOf } from '../../cli/exit';
import { NoTruthError } from '../../evaluation/errors';
import { AsOfAfterDataError, AsOfBeforeDataError, NoPurchaseEventsError, PurchaseRuleError } from '../../features/errors';
import type { ShardMarker } from '../../lib/catalog';
import { DAY_MS } from '../../lib/schema';
import { FileStore } from '../../lib/store/file';
import { parseStoreUri } from '../../lib/store/open';
import { ObjectNotFoundError } from '../../lib/store/store';
import { checkShardMarkers } from '../../scoring/commit';
import { parseCustomerList } from '../../scoring/customer-list';
import { ExportFilterError, ModelMismatchError, RunIdRefusedError, ScoringInputError, ShardConflictError } from '../../scoring/errors';
import { commitStep } from '../../scoring/publish-export';
import { scoreStep, type ScoreStepOptions } from '../../scoring/runner';
import { checkHistory, checkRecency, trainingSchedule } from '../../training/schedule';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import { retailContext } from '../helpers/stage-context';

/** What `p` rejects with; undefined when it resolves. */
async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** What `f` throws; undefined when it returns. */
function refusalOf(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('exitCodeOf', () => {
  it('calls a refusal the run\'s options can fix bad usage, and a broken contract a failure', () => {
    expect(exitCodeOf(new ModelMismatchError('model m learnt purchases up to …, after the as-of time …'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ExportFilterError('--top-k 11 is more than the 10 items per customer …'))).toBe(EXIT.usage);
    for (const list of ['customer_id\n', '17850,85123A\n']) expect(exitCodeOf(refusalOf(() => parseCustomerList(list, 'vip.txt')))).toBe(EXIT.usage);
    expect(exitCodeOf(new ScoringInputError('scores hold NaN'))).toBe(EXIT.failed);
    expect(exitCodeOf('not an error')).toBe(EXIT.failed);
  });

  it('calls a malformed storage location bad usage, and a bad key met in the data a failure', async () => {
    for (const uri of ['s3://lake//dbl', 's3://lake/a/../b', 's3://Bad_Bucket/x']) expect([uri, exitCodeOf(refusalOf(() => parseStoreUri(uri)))]).toEqual([uri, EXIT.usage]);
    // A key built from a raw object's name (here one with a backslash, a valid file name) breaks the key rules: the run failed, its usage was fine.
    const badKey = await rejectionOf(new FileStore('/tmp').get('raw\\2011-01.csv'));
    expect(badKey).toMatchObject({ name: 'InvalidKeyError' });
    expect(exitCodeOf(badKey)).toBe(EXIT.failed);
  });

  it('calls a configuration or --as-of time the data cannot serve bad usage, in training as in scoring', () => {
    const refusal = refusalOf(() => checkRecency([Date.parse('2011-12-09T12:50:00Z')], Date.parse('2011-12-24T00:00:00Z')));
    expect(refusal).toBeInstanceOf(AsOfAfterDataError);
    expect(exitCodeOf(refusal)).toBe(EXIT.usage);
    // A configuration whose purchase rules cannot be evaluated or keep nothing.
    expect(exitCodeOf(new PurchaseRuleError(0, { column: 'quantity', op: 'gt', value: 'x' }, 'value is not a number'))).toBe(EXIT.usage);
    expect(exitCodeOf(new NoPurchaseEventsError('shop', { read: 3, kept: 0, missingKey: 0, rules: [{ rule: { column: 'quantity', op: 'gt', value: 1000 }, failed: 3, droppedHere: 3 }] }))).toBe(EXIT.usage);
    // And an as-of time whose truth the data do not reach yet, in backtest and evaluate.
    expect(exitCodeOf(new NoTruthError('backtest as-of 2011-12-01T00:00:00.000Z: the data ends before 30 days after it, so there is no truth'))).toBe(EXIT.usage);
  });

  it('calls an --as-of time before the data bad usage, in training and backtest as in scoring', async () => {
    const first = Date.parse('2010-12-01T08:26:00Z');
    const time = [first, Date.parse('2011-12-09T12:50:00Z')];
    const early = refusalOf(() => checkHistory(time, trainingSchedule(Date.parse('2011-02-01T00:00:00Z'), 30, 6), 30));
    expect(early).toBeInstanceOf(AsOfBeforeDataError);
    expect(exitCodeOf(early)).toBe(EXIT.usage);
    expect((early as Error).message).toContain('before the first purchase: pass --train-cutoffs 1 or fewer');

    const lake = await lakeWithBaselines();
    const { index } = shopIndex();
    const before = index.events.time[0] - DAY_MS;
    const refusal = await rejectionOf(scoreStep(retailContext(lake, 'score'), index, { asOf: before, horizonDays: 30, k: 10, modelId: 'baseline:repeat', threads: 1 }));
    expect(refusal).toBeInstanceOf(AsOfBeforeDataError);
    expect(exitCodeOf(refusal)).toBe(EXIT.usage);
    expect((refusal as Error).message).toBe(
      `no customer is known at as-of ${new Date(before).toISOString()}, so there is nothing to score: the first purchase is at ${new Date(index.events.time[0]).toISOString()}; pass a later --as-of, or ingest older data first`,
    );
    expect(lake.puts.filter((key) => !key.startsWith('models/'))).toEqual([]);
  });

  it('calls a --run-id scoring may not write under bad usage: one starting in the future, or of a run committed with other options', async () => {
    const lake = await lakeWithBaselines();
    const { index, asOf } = shopIndex();
    const options = (runId: string): ScoreStepOptions => ({ asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId, threads: 1 });
    const future = await rejectionOf(scoreStep(retailContext(lake, 'score'), index, options('20991231T000000Z-0000e3')));
    expect([future, exitCodeOf(future)]).toEqual([expect.any(RunIdRefusedError), EXIT.usage]);
    expect((future as Error).message).toContain('run id 20991231T000000Z-0000e3 starts at 2099-12-31T00:00:00.000Z, after now');
    const RUN = '20111209T000000Z-c0ffee';
    await scoreStep(retailContext(lake, 'score'), index, options(RUN));
    const again = await rejectionOf(scoreStep(retailContext(lake, 'score'), index, { ...options(RUN), k: 5 }));
    expect([again, exitCodeOf(again)]).toEqual([expect.any(RunIdRefusedError), EXIT.usage]);
    expect((again as Error).message).toContain(`run ${RUN} is committed already`);
  });

  it('calls --commit --shards with the wrong N bad usage, saying the N to give, and a missing shard file a failure', async () => {
    const RUN = '20111109T000000Z-3fa9c1';
    const marker = (index: number, count: number): ShardMarker => ({
      runId: RUN, shard: { index, count }, modelId: 'm', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, formats: ['csv', 'parquet'], customers: 1, pairs: 1, rows: 1, lists: `l${index}`, scores: [],
    });
    const wrong = refusalOf(() => checkShardMarkers(RUN, [marker(0, 2), marker(1, 2)], 3));
    expect([wrong, exitCodeOf(wrong)]).toEqual([expect.any(ShardConflictError), EXIT.usage]);
    expect((wrong as Error).message).toBe(`shard marker 0/2 of run ${RUN}: expected a shard of 3 (--shards 3), but the run was split into 2: commit it with --shards 2`);
    const mixed = refusalOf(() => checkShardMarkers(RUN, [marker(0, 2), marker(1, 3)], 2));
    expect([exitCodeOf(mixed), (mixed as Error).message]).toEqual([EXIT.usage, `shard marker 1/3 of run ${RUN}: expected a shard of 2 (--shards 2), but the run holds markers of splits into 2 and 3, which never merge: score it again under a new --run-id`]);

    // A shard whose lists file is gone, and a shard not done yet: failures, not usage.
    const lake = await lakeWithBaselines();
    const { index, asOf } = shopIndex();
    for (const i of [0, 1]) await scoreStep(retailContext(lake, 'score'), index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, shard: { index: i, count: 3 }, threads: 1 });
    await lake.delete(`exports/online-retail/${RUN}/shards/shard-1-of-3.parquet`);
    const notYet = await rejectionOf(commitStep(retailContext(lake, 'score'), RUN, 3));
    expect([notYet, exitCodeOf(notYet)]).toEqual([expect.any(ScoringInputError), EXIT.failed]);
    expect((notYet as Error).message).toBe(`run ${RUN}: shards 2/3 have no marker yet`);
    await scoreStep(retailContext(lake, 'score'), index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, shard: { index: 2, count: 3 }, threads: 1, commit: false });
    const gone = await rejectionOf(commitStep(retailContext(lake, 'score'), RUN, 3));
    expect([gone, exitCodeOf(gone)]).toEqual([expect.any(ObjectNotFoundError), EXIT.failed]);
  });
});
