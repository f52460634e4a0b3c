/**
 * Reading back what a scoring run published: the sidecar of `exports/<data set>/<run-id>/`
 * (or of the export `exports/<data set>/latest.json` names, the published switch) and its
 * top-K lists, for `export`, `evaluate` and `report`.
 */
import type { Table } from 'apache-arrow';
import { DatasetNotFoundError, type Catalog, type ExportMetadata } from '../lib/catalog';
import { ObjectNotFoundError } from '../lib/store/store';

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
 * The export's top-K lists as a SCORES table, read from its Parquet file.
 * @throws Error when the export was written without the Parquet format.
 */
export async function loadExportLists(catalog: Catalog, meta: ExportMetadata): Promise<Table> {
  if (!meta.files.some((f) => f.format === 'parquet')) {
    throw new Error(`export of run ${meta.runId} has ${meta.files.map((f) => f.name).join(', ')}: reading it back needs ${catalog.exports.fileName('parquet')} (score with --format including parquet)`);
  }
  return catalog.exports.loadLists(meta.runId);
}
