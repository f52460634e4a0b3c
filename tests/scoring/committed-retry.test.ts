/**
 * scoring/runner.ts and scoring/commit.ts: a shard asked to score under the run id of a
 * run committed already. A retry of one of its shards with the options it was scored
 * with (a pod killed after the commit but before it exited, retried by the Job) ends
 * without error and writes nothing, returning the committed export (it only flips the
 * latest pointer when the commit died before that); a shard that does
 * not match the committed run (another split, model, as-of time, K, formats or events)
 * is refused as bad usage (exit 2), writing nothing either.
 */
import { EXIT, exitCodeOf } from '../../cli/exit';
import type { EventIndex } from '../../features/event-index';
import type { ShardMarker } from '../../lib/catalog';
import { DAY_MS } from '../../lib/schema';
import { checkCommittedShard, type ShardPlan } from '../../scoring/commit';
import { RunIdRefusedError } from '../../scoring/errors';
import { scoreStep, type ScoreStepOptions } from '../../scoring/runner';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import type { MemoryStore } from '../helpers/memory-store';
import { lakeState, refusal } from '../helpers/refusal';
import { retailContext } from '../helpers/stage-context';

const RUN = '20111209T000000Z-2e7a1d';
const SIDECAR = `memory://test/exports/online-retail/${RUN}/_metadata.json`;
const MARKER = (i: number, n: number): string => `memory://test/exports/online-retail/${RUN}/shards/shard-${i}-of-${n}._SUCCESS.json`;

describe('a shard of a committed run', () => {
  let index: EventIndex;
  let asOf: number;
  beforeAll(() => {
    ({ index, asOf } = shopIndex());
  });
  const options = (over: Partial<ScoreStepOptions>): ScoreStepOptions => ({ asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, formats: ['csv'], threads: 1, ...over });

  /** A lake holding run RUN scored in `count` shards with {@link options} and committed by its last shard. */
  async function committedLake(count: number): Promise<MemoryStore> {
    const lake = await lakeWithBaselines();
    for (let i = 0; i < count; i++) await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: i, count } }));
    expect(await lake.head(`exports/online-retail/${RUN}/_metadata.json`)).toBeDefined();
    return lake;
  }

  it('ends without error when retried with the options it was scored with, writing nothing and naming the committed export', async () => {
    const lake = await committedLake(2);
    const before = await lakeState(lake);
    const puts = lake.puts.length;
    for (const i of [1, 0]) {
      // Formats as the files they make: the Parquet file is written whatever is asked.
      const retry = await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: i, count: 2 }, formats: ['parquet', 'csv'] }));
      expect(retry.committed).toBeUndefined();
      expect(retry.alreadyCommitted).toMatchObject({ runId: RUN, shards: 2, k: 10, modelId: 'baseline:repeat' });
      expect(retry.marker).toEqual(JSON.parse(new TextDecoder().decode(await lake.get(`exports/online-retail/${RUN}/shards/shard-${i}-of-2._SUCCESS.json`))) as ShardMarker);
      expect([retry.runId, retry.lists.n, retry.scored.customer.length]).toEqual([RUN, 0, 0]);
      expect(retry.exportUri).toBe(`memory://test/exports/online-retail/${RUN}/top-k.csv`);
    }
    expect(await lakeState(lake)).toEqual(before);
    expect(lake.puts.slice(puts)).toEqual([]);
  });

  it('finishes a commit that died after writing the sidecar, before flipping the latest pointer', async () => {
    const lake = await lakeWithBaselines();
    await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 0, count: 2 } }));
    lake.failPutsMatching = /^exports\/online-retail\/latest\.json$/;
    await expect(scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 2 } }))).rejects.toThrow('injected failure writing exports/online-retail/latest.json');
    expect([await lake.head(`exports/online-retail/${RUN}/_metadata.json`), await lake.head('exports/online-retail/latest.json')]).toEqual([expect.anything(), undefined]);
    lake.failPutsMatching = undefined;
    const retry = await scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 2 } }));
    expect(retry.alreadyCommitted).toMatchObject({ runId: RUN });
    expect(JSON.parse(new TextDecoder().decode(await lake.get('exports/online-retail/latest.json')))).toMatchObject({ runId: RUN });
    expect(await lake.head('exports/online-retail/latest/top-k.csv')).toBeDefined();
  });

  it('ends without error for a whole run (shard 0/1) retried alike', async () => {
    const lake = await committedLake(1);
    const before = await lakeState(lake);
    const retry = await scoreStep(retailContext(lake, 'score'), index, options({}));
    expect(retry.alreadyCommitted).toMatchObject({ runId: RUN, shards: 1 });
    expect(await lakeState(lake)).toEqual(before);
  });

  it('is refused, bad usage, writing nothing, when it does not match the committed run', async () => {
    const lake = await committedLake(2);
    const before = await lakeState(lake);
    const cases: [Partial<ScoreStepOptions>, string][] = [
      [{ shard: { index: 0, count: 3 } }, `run ${RUN} is committed already (${SIDECAR}) as 2 shard(s), not 3, so shard 0/3 is none of its shards; a committed run is never rewritten: score under a new --run-id`],
      [
        { shard: { index: 1, count: 2 }, k: 5 },
        `run ${RUN} is committed already (${SIDECAR}): its shard 1/2 (${MARKER(1, 2)}) was scored with --top-k 10, this attempt with 5; a committed run is never rewritten: `
          + 'retry the shard with --top-k 10, which finds it committed and writes nothing, or score with --top-k 5 under a new --run-id',
      ],
      [{ shard: { index: 0, count: 2 }, modelId: 'baseline:popularity' }, `its shard 0/2 (${MARKER(0, 2)}) was scored with --model baseline:repeat, this attempt with baseline:popularity;`],
      [{ shard: { index: 0, count: 2 }, asOf: asOf - DAY_MS }, `was scored with --as-of ${new Date(asOf).toISOString()}, this attempt with ${new Date(asOf - DAY_MS).toISOString()};`],
      [{ shard: { index: 0, count: 2 }, formats: ['csv', 'jsonl'] }, 'was scored with --format csv,parquet, this attempt with csv,jsonl,parquet;'],
    ];
    for (const [over, text] of cases) {
      const error = await refusal(scoreStep(retailContext(lake, 'score'), index, options(over)));
      expect([error, exitCodeOf(error)]).toEqual([expect.any(RunIdRefusedError), EXIT.usage]);
      expect(error.message).toContain(text);
      expect(await lakeState(lake)).toEqual(before);
    }
  });

  it('is refused when the committed run holds no marker of the shard to compare it with', async () => {
    const lake = await committedLake(2);
    await lake.delete(`exports/online-retail/${RUN}/shards/shard-1-of-2._SUCCESS.json`);
    const error = await refusal(scoreStep(retailContext(lake, 'score'), index, options({ shard: { index: 1, count: 2 } })));
    expect(error).toBeInstanceOf(RunIdRefusedError);
    expect(error.message).toBe(
      `run ${RUN} is committed already (${SIDECAR}) and holds no marker of shard 1/2 (${MARKER(1, 2)}) to compare this one with; a committed run is never rewritten: score under a new --run-id`,
    );
  });
});

describe('checkCommittedShard', () => {
  const plan: ShardPlan = { runId: RUN, shard: { index: 1, count: 2 }, modelId: 'm-1', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, formats: ['csv', 'parquet'], events: 'aaaa' };
  const marker = (over: Partial<ShardMarker>): ShardMarker => ({ ...plan, customers: 1, pairs: 1, rows: 1, lists: 'l', scores: [], ...over });
  const other = { ...marker({}), shard: { index: 0, count: 2 } };
  const where = { metadata: 'meta', marker: (s: { index: number; count: number }) => `m${s.index}of${s.count}` };

  it('returns the shard\'s own marker when the shard matches it, whatever the other shards hold', () => {
    const own = marker({ formats: ['csv'] }); // a marker of an earlier version, without the Parquet file
    expect(checkCommittedShard(plan, { shards: 2 }, [{ ...other, k: 5 }, own], where)).toBe(own);
  });

  it('names the events that changed since, and an export of chosen customers under the run id', () => {
    expect(() => checkCommittedShard(plan, { shards: 2 }, [other, marker({ events: 'bbbb' })], where)).toThrow(
      `run ${RUN} is committed already (meta): its shard 1/2 (m1of2) was scored from other purchase events (digest bbbb, this attempt's aaaa): `
        + 'the lake\'s events before the as-of time changed since (an ingest ran); a committed run is never rewritten: score under a new --run-id',
    );
    expect(() => checkCommittedShard(plan, { shards: 0 }, [], where)).toThrow(
      `run ${RUN} is committed already (meta) as an export of chosen customers (berserkr export), so shard 1/2 is none of its shards;`,
    );
    expect(() => checkCommittedShard(plan, { shards: 2 }, [other, marker({ horizonDays: 7 })], where)).toThrow('was scored with --horizon 7, this attempt with 30;');
    expect(() => checkCommittedShard({ ...plan, modelId: 'baseline:repeat@20111110T000000000Z-3fa2c01b', modelGiven: 'baseline:repeat' }, { shards: 2 }, [other, marker({})], where)).toThrow(
      'was scored with --model m-1, this attempt with baseline:repeat (resolved to baseline:repeat@20111110T000000000Z-3fa2c01b); a committed run is never rewritten: retry the shard with --model m-1,',
    );
  });
});
