/**
 * Re-export of chosen customers' lists (or all of them) from a published export, without
 * rescoring, into `exports/<this run id>/` with its sidecar. `exports/latest.json`
 * is left as is: a subset never becomes the latest export.
 */
import type { ExportFormat, ExportMetadata } from '../lib/catalog';
import type { StageContext } from '../lib/stage-context';
import { selectCustomers } from './merge';
import { writeExport } from './publish-export';
import { loadExportLists, publishedExport } from './published';

/** Options of {@link exportSubset}. */
export interface SubsetOptions {
  /** Scoring run whose export to take the lists from; default the one `exports/latest.json` names. */
  sourceRunId?: string;
  formats: readonly ExportFormat[];
}

/**
 * Writes the lists of the `wanted` customer ids found in the source export
 * under the run's own id; customers without a list are logged and named in the
 * sidecar's `subsetOf.missing`. Without `wanted`, every list of the source
 * export (e.g. to have it in other formats); `subsetOf.requested` is then its customers.
 * @returns the sidecar as written.
 * @throws the errors of `publishedExport` and `loadExportLists` (a missing export, one without Parquet).
 */
export async function exportSubset(ctx: StageContext, wanted: ReadonlySet<string> | undefined, o: SubsetOptions): Promise<ExportMetadata> {
  const source = await publishedExport(ctx.catalog, o.sourceRunId);
  const lists = await loadExportLists(ctx.catalog, source);
  const { table, missing } = wanted === undefined ? { table: lists, missing: [] } : selectCustomers(lists, wanted);
  const requested = wanted?.size ?? source.customers;
  const read = await ctx.catalog.exports.headFile(source.runId, 'parquet');
  if (read !== undefined) ctx.run.input(ctx.catalog.store.uri, read);
  if (missing.length > 0) ctx.log.warn({ missing: missing.length, examples: missing.slice(0, 5) }, `${missing.length} of ${requested} customers have no list in the export of run ${source.runId}`);
  const meta = await writeExport(ctx, table, o.formats, {
    runId: ctx.run.runId,
    modelId: source.modelId,
    asOf: source.asOf,
    horizonDays: source.horizonDays,
    k: source.k,
    rows: table.numRows,
    customers: requested - missing.length,
    pairs: 0,
    shards: 0,
    scores: source.scores,
    subsetOf: { runId: source.runId, requested, missing },
  });
  ctx.run.count('export.rows', meta.rows);
  return meta;
}
