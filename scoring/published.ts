/**
 * Reading back what a scoring run published: the sidecar of `exports/<data set>/<run-id>/`
 * (or of the export `exports/<data set>/latest.json` names, the published switch) and its
 * top-K lists, for `export`, `evaluate` and `report`.
 */
import type { Table } from 'apache-arrow';
import { CANONICAL_FORMAT, DatasetFormatError, DatasetNotFoundError, type Catalog, type ExportMetadata } from '../lib/catalog';
import { ObjectNotFoundError } from '../lib/store/store';
import { checkShardMarkers } from './commit';
import { mergeLists } from './merge';

/**
 * The metadata of run `runId`'s export, or of the export `exports/<data set>/latest.json` names.
 * @throws NotInLakeError when nothing is published yet for the data set; DatasetNotFoundError when the run has no committed export;
 *   DatasetFormatError when the pointer or the sidecar does not validate.
 */
export async function publishedExport(catalog: Catalog, runId: string | undefined): Promise<ExportMetadata> {
  if (runId === undefined) return catalog.requireLatestExport();
  try {
    return await catalog.exports.loadMetadata(runId);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new DatasetNotFoundError(`committed export of run ${JSON.stringify(runId)}`, catalog.exports.metadataUri(runId));
    throw error;
  }
}

/**
 * The export's top-K lists as a SCORES table, read from its canonical file
 * `top-k.parquet`, which every export holds. An export of an earlier version written
 * without it (`--format csv` or `jsonl` alone) is read from the lists its shards left
 * beside it, merged as its commit merged them.
 * @throws DatasetFormatError when the canonical file's size, SHA-256 or row count is not what the sidecar records;
 *   Error naming the files when such an export has no shard lists either, saying to score again;
 *   ScoringInputError when its shard markers do not make up the run; ObjectNotFoundError when a file is gone.
 */
export async function loadExportLists(catalog: Catalog, meta: ExportMetadata): Promise<Table> {
  const canonical = meta.files.find((f) => f.format === CANONICAL_FORMAT);
  if (canonical !== undefined) {
    const table = await catalog.exports.loadLists(meta.runId, canonical);
    if (table.numRows !== meta.rows) {
      throw new DatasetFormatError('export file', catalog.exports.fileUri(meta.runId, CANONICAL_FORMAT), `it holds ${table.numRows} rows, where its sidecar records ${meta.rows}`);
    }
    return table;
  }
  const markers = meta.shards > 0 ? await catalog.shards.loadMarkers(meta.runId) : [];
  if (markers.length > 0) {
    const ordered = checkShardMarkers(meta.runId, markers, meta.shards);
    return mergeLists(await Promise.all(ordered.map((m) => catalog.shards.loadLists(m))), ordered.map((m) => m.lists));
  }
  throw new Error(
    `export of run ${meta.runId} has ${meta.files.map((f) => f.name).join(', ')} and no shard lists beside it: reading it back needs ${catalog.exports.fileName(CANONICAL_FORMAT)}, `
      + 'which exports of earlier versions lacked when --format did not ask for it; score the run again (berserkr score), which writes it whatever --format asks',
  );
}
