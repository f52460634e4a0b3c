import type { ShardMarker } from '../../lib/catalog';
import { checkShardMarkers, exportMetadata } from '../../scoring/commit';
import { ScoringInputError } from '../../scoring/errors';

const RUN = '20111109T000000Z-3fa9c1';
const marker = (index: number, count: number, over: Partial<ShardMarker> = {}): ShardMarker => ({
  runId: RUN,
  shard: { index, count },
  modelId: 'm-1',
  asOf: '2011-11-09T00:00:00.000Z',
  horizonDays: 30,
  k: 10,
  formats: ['csv', 'parquet'],
  customers: 100 + index,
  pairs: 1000 * (index + 1),
  rows: 10 * (100 + index),
  lists: `exports/online-retail/${RUN}/shards/shard-${index}-of-${count}.parquet`,
  scores: [`scores/online-retail/${RUN}/shard-${index}-of-${count}/part-00000.parquet`],
  ...over,
});

describe('shard commit records', () => {
  it('accepts N agreeing markers in any order and sums them', () => {
    const ordered = checkShardMarkers(RUN, [marker(2, 3), marker(0, 3), marker(1, 3)], 3);
    expect(ordered.map((m) => m.shard.index)).toEqual([0, 1, 2]);
    const meta = exportMetadata(ordered, [], 303, 3030);
    expect(meta).toMatchObject({ runId: RUN, modelId: 'm-1', pairs: 6000, shards: 3, customers: 303, rows: 3030 });
    expect(meta.scores).toEqual(ordered.flatMap((m) => m.scores));
  });

  it('refuses a missing shard or shards that disagree, quoting the values', () => {
    expect(() => checkShardMarkers(RUN, [marker(0, 3), marker(2, 3)], 3)).toThrow(`run ${RUN}: shards 1/3 have no marker yet`);
    // A run id no shard has scored under yet (a typo) is named too.
    expect(() => checkShardMarkers(RUN, [], 2)).toThrow(`run ${RUN}: shards 0/2, 1/2 have no marker yet`);
    expect(() => checkShardMarkers(RUN, [marker(0, 2), marker(1, 2, { modelId: 'm-2' })], 2)).toThrow(
      'shards of run 20111109T000000Z-3fa9c1 disagree on modelId: shard 0/2 has "m-1", shard 1/2 has "m-2"',
    );
    expect(() => checkShardMarkers(RUN, [marker(0, 2), marker(1, 2, { asOf: '2011-12-01T00:00:00.000Z' })], 2)).toThrow(/disagree on asOf/);
    expect(() => checkShardMarkers(RUN, [marker(0, 4)], 2)).toThrow(ScoringInputError);
    expect(() => checkShardMarkers(RUN, [marker(0, 2, { events: 'aaaa' }), marker(1, 2, { events: 'bbbb' })], 2)).toThrow(
      'disagree on events: shard 0/2 has "aaaa", shard 1/2 has "bbbb"; the lake\'s purchase events changed between them (an ingest ran): score the shards that saw the older events again',
    );
  });
});
