/**
 * scoring/publish-export.ts and scoring/published.ts: every export holds its canonical
 * `top-k.parquet` whatever `--format` asks, so `export`, `evaluate` and `report` can read
 * it back; an export of an earlier version written without it is read from its shards'
 * lists, and one without those either is refused with what to do.
 */
import type { Table } from 'apache-arrow';
import type { EventIndex } from '../../features/event-index';
import type { ExportMetadata } from '../../lib/catalog';
import { tableToParquet } from '../../lib/parquet';
import { scoresColumns } from '../../scoring/export';
import { loadExportLists } from '../../scoring/published';
import { exportSubset } from '../../scoring/reexport';
import { scoreStep } from '../../scoring/runner';
import { lakeWithBaselines, shopIndex } from '../helpers/baseline-lake';
import type { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

const RUN = '20111209T000000Z-0b5e11';

/** A SCORES table's rows as text, probabilities as the float32 an export holds. */
const rows = (table: Table): string[] => {
  const c = scoresColumns(table);
  return c.customer.map((id, r) => `${id},${c.item[r]},${c.rank[r]},${Math.fround(c.probability[r])}`);
};

/** The rows of an export's JSON Lines file, alike. */
async function jsonlRows(lake: MemoryStore, key: string): Promise<string[]> {
  const text = new TextDecoder().decode(await lake.get(key));
  return text.trimEnd().split('\n').map((line) => {
    const r = JSON.parse(line) as { customer_id: string; item_id: string; rank: number; probability: number };
    return `${r.customer_id},${r.item_id},${r.rank},${Math.fround(r.probability)}`;
  });
}

describe('an export scored with --format jsonl', () => {
  let index: EventIndex;
  let asOf: number;
  beforeAll(() => ({ index, asOf } = shopIndex()));

  it('holds top-k.parquet beside top-k.jsonl, and export reads it back', async () => {
    const lake = await lakeWithBaselines();
    const scored = await scoreStep(retailContext(lake, 'score'), index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, formats: ['jsonl'], threads: 1 });
    expect(scored.committed!.files.map((f) => f.name)).toEqual(['top-k.jsonl', 'top-k.parquet']);
    expect(scored.exportUri).toBe(`memory://test/exports/online-retail/${RUN}/top-k.jsonl`);
    const meta = await retailContext(lake, 'export').catalog.exports.loadMetadata(RUN);
    // A run id given on the command line holds its start to the second only: the sidecar has no startedAt.
    expect(meta.startedAt).toBeUndefined();
    const jsonl = await jsonlRows(lake, `exports/online-retail/${RUN}/top-k.jsonl`);
    expect(jsonl.length).toBe(meta.rows);
    expect(rows(await loadExportLists(retailContext(lake, 'evaluate').catalog, meta))).toEqual(jsonl);

    // A re-export in CSV alone holds its Parquet file too, so it can be re-exported in turn.
    const ctx = retailContext(lake, 'export');
    const subset = await exportSubset(ctx, undefined, { sourceRunId: RUN, formats: ['csv'], topK: 3 });
    expect(subset.files.map((f) => f.name)).toEqual(['top-k.csv', 'top-k.parquet']);
    const again = await exportSubset(retailContext(lake, 'export'), undefined, { sourceRunId: ctx.run.runId, formats: ['jsonl'] });
    expect(again).toMatchObject({ rows: subset.rows, k: 3 });
  });

  it('of an earlier version, without top-k.parquet, is read from its shards\' lists; a subset without either is refused, saying to score again', async () => {
    const lake = await lakeWithBaselines();
    for (const index_ of [0, 1]) {
      await scoreStep(retailContext(lake, 'score'), index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, shard: { index: index_, count: 2 }, formats: ['jsonl'], threads: 1 });
    }
    // As an earlier version left it: the sidecar lists top-k.jsonl alone, and there is no Parquet file.
    const { catalog } = retailContext(lake, 'evaluate');
    const meta = await catalog.exports.loadMetadata(RUN);
    const old: ExportMetadata = { ...meta, files: meta.files.filter((f) => f.format === 'jsonl') };
    await catalog.exports.publishMetadata(old);
    await lake.delete(`exports/online-retail/${RUN}/top-k.parquet`);
    expect(rows(await loadExportLists(catalog, old))).toEqual(await jsonlRows(lake, `exports/online-retail/${RUN}/top-k.jsonl`));

    const subset: ExportMetadata = { ...old, runId: '20111209T000001Z-0b5e12', shards: 0 };
    await expect(loadExportLists(catalog, subset)).rejects.toThrow(
      'export of run 20111209T000001Z-0b5e12 has top-k.jsonl and no shard lists beside it: reading it back needs top-k.parquet, which exports of earlier versions lacked '
        + 'when --format did not ask for it; score the run again (berserkr score), which writes it whatever --format asks',
    );
  });

  it('is refused when its top-k.parquet is not the file its sidecar records: other bytes, or another row count', async () => {
    const lake = await lakeWithBaselines();
    await scoreStep(retailContext(lake, 'score'), index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat', runId: RUN, formats: ['csv'], threads: 1 });
    const { catalog } = retailContext(lake, 'evaluate');
    const meta = await catalog.exports.loadMetadata(RUN);
    const key = `exports/online-retail/${RUN}/top-k.parquet`;
    const good = await lake.get(key);
    // A valid Parquet file of fewer rows put in its place (a consumer's tool rewrote it, a bad restore).
    const fewer = tableToParquet((await loadExportLists(catalog, meta)).slice(0, 5));
    await lake.put(key, fewer);
    await expect(loadExportLists(catalog, meta)).rejects.toThrow(`invalid export file memory://test/${key}: it holds ${fewer.length} bytes of SHA-256 `);
    // The bytes it records, but a sidecar of another row count.
    await lake.put(key, good);
    await expect(loadExportLists(catalog, { ...meta, rows: meta.rows + 1 })).rejects.toThrow(`invalid export file memory://test/${key}: it holds ${meta.rows} rows, where its sidecar records ${meta.rows + 1}`);
    expect(rows(await loadExportLists(catalog, meta)).length).toBe(meta.rows);
  });
});
