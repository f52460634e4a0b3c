/**
 * Reading back what a scoring run published (`exports/<run-id>/`, `scores/<run-id>/`)
 * in the dense ids of the current events, for `evaluate` and `report`.
 */
import { Table } from 'apache-arrow';
import { EventIndex } from '../../features/event-index';
import { parquetToTable } from '../../lib/parquet';
import { LAKE, SCORES } from '../../lib/schema';
import { RankedLists } from '../../training/metrics';
import { CommandContext } from '../context';
import { ScoredPairs } from './evaluate';
import { ExportMetadata } from './score';

/** A published export with its scored pairs, in dense ids. */
export interface Published {
  meta: ExportMetadata;
  /** The top-K lists exactly as exported. */
  lists: RankedLists;
  /** Every scored candidate pair with its rank within the customer. */
  scored: ScoredPairs & { rank: Int32Array };
}

/**
 * Dense ids of a SCORES table's rows in the events' vocabulary; pairs whose
 * customer or item never appears in the events are dropped (they cannot be in the truth).
 */
function denseRows(table: Table, index: EventIndex): { customer: Int32Array; item: Int32Array; keep: Int32Array } {
  const customers = new Map(index.events.customerIds.map((id, i) => [id, i]));
  const items = new Map(index.events.itemIds.map((id, i) => [id, i]));
  const c = table.getChild(SCORES.customerId)!;
  const it = table.getChild(SCORES.itemId)!;
  const keep: number[] = [];
  const customer: number[] = [];
  const item: number[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const ci = customers.get(c.get(r) as string);
    const ii = items.get(it.get(r) as string);
    if (ci === undefined || ii === undefined) continue;
    keep.push(r);
    customer.push(ci);
    item.push(ii);
  }
  return { customer: Int32Array.from(customer), item: Int32Array.from(item), keep: Int32Array.from(keep) };
}

/** The run id of `exports/latest/`, or `runId` itself. */
export async function exportMetadata(ctx: CommandContext, runId: string | undefined): Promise<ExportMetadata> {
  const key = `${runId === undefined ? LAKE.latestExport : LAKE.exports(runId)}_metadata.json`;
  return JSON.parse(Buffer.from(await ctx.lake.get(key)).toString('utf8')) as ExportMetadata;
}

/** Reads the export and scores of run `runId` (default: `exports/latest/`). */
export async function readPublished(ctx: CommandContext, index: EventIndex, runId: string | undefined): Promise<Published> {
  const meta = await exportMetadata(ctx, runId);
  const top = parquetToTable(await ctx.lake.get(`${LAKE.exports(meta.runId)}top-k.parquet`));
  const t = denseRows(top, index);
  const topRank = top.getChild(SCORES.rank)!.toArray() as Int32Array;
  const all = parquetToTable(await ctx.lake.get(`${LAKE.scores(meta.runId)}scores.parquet`));
  const s = denseRows(all, index);
  const p = all.getChild(SCORES.probability)!.toArray() as Float64Array;
  const rank = all.getChild(SCORES.rank)!.toArray() as Int32Array;
  return {
    meta,
    lists: { customer: t.customer, item: t.item, rank: Int32Array.from(t.keep, (r) => topRank[r]) },
    scored: { customer: s.customer, item: s.item, probability: Float32Array.from(s.keep, (r) => p[r]), rank: Int32Array.from(s.keep, (r) => rank[r]) },
  };
}
