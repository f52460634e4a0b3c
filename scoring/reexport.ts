/**
 * Re-export of chosen customers' lists (or all of them) from a published export, without
 * rescoring, into `exports/<this run id>/` with its sidecar: their first ranks only,
 * or their items of at least a probability, when asked. `exports/latest.json`
 * is left as is: a subset never becomes the latest export.
 */
import type { ExportFormat, ExportMetadata } from '../lib/catalog';
import type { StageContext } from '../lib/stage-context';
import { ExportFilterError } from './errors';
import { selectLists } from './merge';
import { writeExport } from './publish-export';
import { loadExportLists, publishedExport } from './published';

/** Options of {@link exportSubset}. */
export interface SubsetOptions {
  /** Scoring run whose export to take the lists from; default the one `exports/latest.json` names. */
  sourceRunId?: string;
  formats: readonly ExportFormat[];
  /** Keep ranks 1 … topK of each list; at most the source export's K. */
  topK?: number;
  /** Keep the items of at least this calibrated probability, in [0, 1]. */
  minProbability?: number;
}

/**
 * Writes the lists of the `wanted` customer ids found in the source export
 * under the run's own id; customers without a list are logged and named in the
 * sidecar's `subsetOf.missing`. Without `wanted`, every list of the source
 * export (e.g. to have it in other formats, or cut); `subsetOf.requested` is then its customers.
 * `topK` and `minProbability` drop rows of each list; a customer left without a row
 * is counted in neither `customers` nor `missing`.
 * @returns the sidecar as written.
 * @throws ExportFilterError when `topK` is over the source export's K; the errors of
 *   `publishedExport` and `loadExportLists` (a missing export, one without Parquet).
 */
export async function exportSubset(ctx: StageContext, wanted: ReadonlySet<string> | undefined, o: SubsetOptions): Promise<ExportMetadata> {
  const source = await publishedExport(ctx.catalog, o.sourceRunId);
  if (o.topK !== undefined && o.topK > source.k) {
    throw new ExportFilterError(`--top-k ${o.topK} is more than the ${source.k} items per customer of the export of run ${source.runId}; score again with --top-k ${o.topK}`);
  }
  const lists = await loadExportLists(ctx.catalog, source);
  const filtered = wanted !== undefined || o.topK !== undefined || o.minProbability !== undefined;
  const { table, customers, missing } = filtered
    ? selectLists(lists, { customers: wanted, topK: o.topK, minProbability: o.minProbability })
    : { table: lists, customers: source.customers, missing: [] };
  const requested = wanted?.size ?? source.customers;
  const read = await ctx.catalog.exports.headFile(source.runId, 'parquet');
  if (read !== undefined) ctx.run.input(ctx.catalog.store.uri, read);
  if (missing.length > 0) ctx.log.warn({ missing: missing.length, examples: missing.slice(0, 5) }, `${missing.length} of ${requested} customers have no list in the export of run ${source.runId}`);
  const meta = await writeExport(ctx, table, o.formats, {
    runId: ctx.run.runId,
    modelId: source.modelId,
    asOf: source.asOf,
    ...(source.dataUntil === undefined ? {} : { dataUntil: source.dataUntil }),
    horizonDays: source.horizonDays,
    k: Math.min(source.k, o.topK ?? source.k),
    rows: table.numRows,
    customers,
    pairs: 0,
    shards: 0,
    scores: source.scores,
    subsetOf: { runId: source.runId, requested, missing, topK: o.topK, minProbability: o.minProbability },
  });
  ctx.run.count('export.rows', meta.rows);
  return meta;
}
