/** report/runner.ts reportRecord: the record a report of a committed scoring run is built from. */
import { Catalog, type ExportMetadata, type ShardMarker } from '../../lib/catalog';
import { reportRecord } from '../../report/runner';
import { MemoryStore } from '../helpers/memory-store';

const RUN = '20111109T000000Z-aaaaaa';
const SHARD_COMMANDS = ['20111109T000001Z-bbbbbb', '20111109T000002Z-cccccc'];
const meta = (shards: number): ExportMetadata => ({ runId: RUN, modelId: 'm', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: 20, customers: 2, pairs: 40, shards, files: [], scores: [] });
const marker = (index: number, count: number, commandRunId: string): ShardMarker => ({
  runId: RUN, shard: { index, count }, modelId: 'm', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, formats: ['csv'], customers: 1, pairs: 20, rows: 10, lists: `l${index}`, scores: [], commandRunId,
});
const record = (runId: string, inputs: string[]) => ({
  schema: 'berserkr.run/1' as const, runId, command: 'score', params: { runId: RUN }, startedAt: '2011-11-09T00:00:00.000Z', finishedAt: '2011-11-09T00:00:01.000Z', durationMs: 1000, status: 'ok' as const,
  code: { version: 'test', commit: null, dirty: null }, config: null, backend: null, inputs: inputs.map((key) => ({ store: 'memory://test', key, etag: 'e' })), outputs: [],
  rows: { 'events.purchases': 7, 'features.candidates': 20 }, steps: [], metrics: {}, errors: [],
});

describe('reportRecord', () => {
  it('builds the record of a run scored in shards from the shards\' records', async () => {
    const catalog = new Catalog(new MemoryStore(), 'online-retail');
    for (const [i, id] of SHARD_COMMANDS.entries()) {
      await catalog.shards.publishMarker(marker(i, 2, id));
      await catalog.runs.save(record(id, ['clean/a.parquet', `models/m/part-${i}`]));
    }
    expect(await reportRecord(catalog, meta(2))).toEqual({
      inputs: ['clean/a.parquet', 'models/m/part-0', 'models/m/part-1'].map((key) => ({ store: 'memory://test', key, etag: 'e' })),
      rows: { 'events.purchases': 7, 'features.candidates': 40, 'export.rows': 20 },
      metrics: {},
    });
  });

  it('says the record is missing for a run its own command scored, rather than report without it', async () => {
    const catalog = new Catalog(new MemoryStore(), 'online-retail');
    await catalog.shards.publishMarker(marker(0, 1, RUN));
    await expect(reportRecord(catalog, meta(1))).rejects.toThrow(`run record of run ${RUN} (the report's lineage) not found: memory://test/runs/online-retail/${RUN}.json does not exist`);
  });
});
