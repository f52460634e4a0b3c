/**
 * Reading back what a scoring run published (`exports/<data set>/<run-id>/`,
 * `scores/<data set>/<run-id>/`) in the dense ids of the current events, for
 * `evaluate`, `report` and `export`. The latest export is the one
 * `exports/<data set>/latest.json` names (the published switch).
 */
import { Table } from 'apache-arrow';
import { EventIndex } from '../features/event-index';
import type { Catalog, ExportMetadata } from '../lib/catalog';
import { SCORES } from '../lib/schema';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { loadExportLists, publishedExport } from '../scoring/published';

/**
 * An export of chosen customers (`berserkr export --customers`) asked to be evaluated
 * or reported on: its lists are a few customers' of another run, so the protocol's
 * metrics over every evaluated customer would count the others as misses.
 */
export class SubsetExportError extends Error {
  constructor(meta: ExportMetadata & { subsetOf: NonNullable<ExportMetadata['subsetOf']> }) {
    const { runId, topK, minProbability } = meta.subsetOf;
    const cuts = [topK === undefined ? '' : `their first ${topK} items`, minProbability === undefined ? '' : `items of probability ${minProbability} or more`].filter((c) => c !== '');
    super(
      `export of run ${meta.runId} holds the lists of ${meta.customers} customers of run ${runId}${cuts.length > 0 ? `, cut to ${cuts.join(' and ')}` : ''} (berserkr export): `
        + `metrics over it would count every other customer or item as a miss; evaluate or report on run ${runId}`,
    );
    this.name = 'SubsetExportError';
  }
}

/**
 * `meta`, when it is the export of a whole scoring run.
 * @throws SubsetExportError when it is an export of chosen customers.
 */
export function requireWholeExport(meta: ExportMetadata): ExportMetadata {
  if (meta.subsetOf !== undefined) throw new SubsetExportError({ ...meta, subsetOf: meta.subsetOf });
  return meta;
}

/** A published export with its scored pairs, in dense ids. */
export interface Published {
  meta: ExportMetadata;
  /** The top-K lists exactly as exported, with their probabilities. */
  lists: RankedLists & ScoredPairs;
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
  for (let r = 0, n = table.numRows; r < n; r++) {
    const ci = customers.get(c.get(r) as string);
    const ii = items.get(it.get(r) as string);
    if (ci === undefined || ii === undefined) continue;
    keep.push(r);
    customer.push(ci);
    item.push(ii);
  }
  return { customer: Int32Array.from(customer), item: Int32Array.from(item), keep: Int32Array.from(keep) };
}

/** Reads the export and scores of run `runId` (default: the latest): its lists from its Parquet file (`loadExportLists`). */
export async function readPublished(catalog: Catalog, index: EventIndex, runId: string | undefined): Promise<Published> {
  const meta = await publishedExport(catalog, runId);
  const top = await loadExportLists(catalog, meta);
  const t = denseRows(top, index);
  const topRank = top.getChild(SCORES.rank)!.toArray() as Int32Array;
  const topProbability = top.getChild(SCORES.probability)!.toArray() as ArrayLike<number>;
  const parts = await Promise.all(meta.scores.map((key) => catalog.scores.load(key)));
  const s = parts.map((part) => ({ part, dense: denseRows(part, index) }));
  const gather = <T extends Int32Array | Float32Array>(make: (n: number) => T, column: (part: Table, dense: ReturnType<typeof denseRows>) => ArrayLike<number>): T => {
    const out = make(s.reduce((n, x) => n + x.dense.keep.length, 0));
    let o = 0;
    for (const { part, dense } of s) {
      const values = column(part, dense);
      for (let i = 0; i < values.length; i++) out[o++] = values[i];
    }
    return out;
  };
  const pick = (name: string) => (part: Table, dense: ReturnType<typeof denseRows>) => {
    const v = part.getChild(name)!.toArray() as ArrayLike<number>;
    return Array.from(dense.keep, (r) => v[r]);
  };
  return {
    meta,
    lists: { customer: t.customer, item: t.item, rank: Int32Array.from(t.keep, (r) => topRank[r]), probability: Float32Array.from(t.keep, (r) => topProbability[r]) },
    scored: {
      customer: gather((n) => new Int32Array(n), (_p, d) => d.customer),
      item: gather((n) => new Int32Array(n), (_p, d) => d.item),
      probability: gather((n) => new Float32Array(n), pick(SCORES.probability)),
      rank: gather((n) => new Int32Array(n), pick(SCORES.rank)),
    },
  };
}
