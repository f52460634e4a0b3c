/**
 * Reading back what a scoring run published (`exports/<data set>/<run-id>/`,
 * `scores/<data set>/<run-id>/`) in the dense ids of the current events, for
 * `evaluate`, `report` and `export`. The latest export is the one
 * `exports/<data set>/latest.json` names (the published switch).
 */
import type { Table } from 'apache-arrow';
import type { EventIndex } from '../features/event-index';
import { type Catalog, DatasetFormatError, type ExportMetadata } from '../lib/catalog';
import { ObjectNotFoundError } from '../lib/store/store';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { scoresVectors } from '../scoring/export';
import { loadExportLists, publishedExport } from '../scoring/published';

/**
 * A re-export (`berserkr export`) asked to be evaluated or reported on: its lists are
 * those of another run, of chosen customers or cut, so the protocol's metrics over
 * every evaluated customer would count the others as misses; or, uncut, a copy of them.
 * The message names the scoring run the lists come from, through any chain of re-exports.
 */
export class SubsetExportError extends Error {
  /**
   * @param meta the re-export's sidecar.
   * @param source the sidecar of the export it re-exports, when it could be read.
   * @param origin the scoring run its lists come from (the end of the chain of `subsetOf`), when it could be read.
   */
  constructor(meta: ExportMetadata & { subsetOf: NonNullable<ExportMetadata['subsetOf']> }, source: ExportMetadata | undefined, origin: string | undefined) {
    const { runId, topK, minProbability, missing } = meta.subsetOf;
    const cuts = [topK === undefined ? '' : `their first ${topK} items`, minProbability === undefined ? '' : `items of probability ${minProbability} or more`].filter((c) => c !== '');
    const copy = cuts.length === 0 && missing.length === 0 && source !== undefined && meta.customers === source.customers && meta.rows === source.rows;
    const what = copy
      ? `holds every list of run ${runId} as it is, a copy (berserkr export)`
      : `holds the lists of ${meta.customers} customers of run ${runId}${cuts.length > 0 ? `, cut to ${cuts.join(' and ')}` : ''} (berserkr export): metrics over it would count every other customer or item as a miss`;
    const from = origin === undefined || origin === runId ? runId : `${origin}, the scoring run whose lists run ${runId} re-exports`;
    super(`export of run ${meta.runId} ${what}; evaluate or report on run ${from}`);
    this.name = 'SubsetExportError';
  }
}

/**
 * `meta`, when it is the export of a whole scoring run.
 * @throws SubsetExportError when it is a re-export, naming the scoring run its lists come
 *   from (followed through the sidecars of the re-exports before it; the run it names when
 *   one of those is missing or damaged); store errors unchanged.
 */
export async function requireWholeExport(catalog: Catalog, meta: ExportMetadata): Promise<ExportMetadata> {
  if (meta.subsetOf === undefined) return meta;
  const load = (runId: string): Promise<ExportMetadata | undefined> =>
    catalog.exports.loadMetadata(runId).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError || error instanceof DatasetFormatError) return undefined;
      throw error;
    });
  const source = await load(meta.subsetOf.runId);
  let origin = source;
  const seen = new Set([meta.runId, meta.subsetOf.runId]);
  while (origin?.subsetOf !== undefined && !seen.has(origin.subsetOf.runId)) {
    seen.add(origin.subsetOf.runId);
    origin = await load(origin.subsetOf.runId);
  }
  throw new SubsetExportError({ ...meta, subsetOf: meta.subsetOf }, source, origin?.subsetOf === undefined ? origin?.runId : undefined);
}

/** A published export with its scored pairs, in dense ids. */
export interface Published {
  meta: ExportMetadata;
  /** The top-K lists exactly as exported, with their probabilities. */
  lists: RankedLists & ScoredPairs;
  /** Every scored candidate pair with its rank within the customer. */
  scored: ScoredPairs & { rank: Int32Array };
}

/** The dense id of each customer and item id of the events (`index.events.customerIds` / `itemIds` positions). */
export interface DenseIds {
  customers: Map<string, number>;
  items: Map<string, number>;
}

/** The dense ids of the events' customers and items, to read SCORES tables in ({@link readExportLists}, {@link readScoreParts}). */
export function denseIds(index: EventIndex): DenseIds {
  return { customers: new Map(index.events.customerIds.map((id, i) => [id, i])), items: new Map(index.events.itemIds.map((id, i) => [id, i])) };
}

/**
 * The rows of a SCORES table in dense ids, in table order: pairs whose customer or
 * item never appears in the events are dropped (they cannot be in the truth).
 * @returns parallel columns of the rows kept; the probability as float32, what scores are computed in.
 * @throws ScoringInputError when a SCORES column is missing.
 */
function densePairs(table: Table, ids: DenseIds): ScoredPairs & { rank: Int32Array } {
  const { customer: c, item: it, rank: r, probability: p } = scoresVectors(table);
  const n = table.numRows;
  const out = { customer: new Int32Array(n), item: new Int32Array(n), rank: new Int32Array(n), probability: new Float32Array(n) };
  let kept = 0;
  for (let row = 0; row < n; row++) {
    const ci = ids.customers.get(c.get(row)!);
    const ii = ids.items.get(it.get(row)!);
    if (ci === undefined || ii === undefined) continue;
    out.customer[kept] = ci;
    out.item[kept] = ii;
    out.rank[kept] = r[row];
    out.probability[kept] = p[row];
    kept++;
  }
  if (kept === n) return out;
  return { customer: out.customer.subarray(0, kept), item: out.item.subarray(0, kept), rank: out.rank.subarray(0, kept), probability: out.probability.subarray(0, kept) };
}

/**
 * The top-K lists of export `meta` in dense ids, with their ranks and probabilities (`loadExportLists`).
 * @throws the errors of `loadExportLists`; ScoringInputError when a SCORES column is missing.
 */
export async function readExportLists(catalog: Catalog, meta: ExportMetadata, ids: DenseIds): Promise<RankedLists & ScoredPairs> {
  return densePairs(await loadExportLists(catalog, meta), ids);
}

/**
 * The scored pairs of export `meta`, one scores part at a time (`meta.scores`, in
 * that order: every shard's parts), each in dense ids as it is read; a part is not
 * held once the next is asked for, so a reader that folds them holds one part.
 * @throws ObjectNotFoundError when a part is gone; DatasetFormatError when one is not Parquet;
 *   ScoringInputError when a SCORES column is missing.
 */
export async function* readScoreParts(catalog: Catalog, meta: ExportMetadata, ids: DenseIds): AsyncGenerator<ScoredPairs & { rank: Int32Array }> {
  for (const key of meta.scores) yield densePairs(await catalog.scores.load(key), ids);
}

/** Columns of `parts` end to end, in order. */
function concatPairs(parts: readonly (ScoredPairs & { rank: Int32Array })[]): ScoredPairs & { rank: Int32Array } {
  const n = parts.reduce((sum, part) => sum + part.customer.length, 0);
  const out = { customer: new Int32Array(n), item: new Int32Array(n), rank: new Int32Array(n), probability: new Float32Array(n) };
  let offset = 0;
  for (const part of parts) {
    out.customer.set(part.customer, offset);
    out.item.set(part.item, offset);
    out.rank.set(part.rank, offset);
    out.probability.set(part.probability, offset);
    offset += part.customer.length;
  }
  return out;
}

/**
 * Reads the export and all the scored pairs of run `runId` (default: the latest) at
 * once, every part of {@link readScoreParts} end to end: what the report's curves need.
 * An evaluation folds the parts one at a time instead (`evaluateCommitted`).
 * @throws the errors of `publishedExport`, {@link readExportLists} and {@link readScoreParts}.
 */
export async function readPublished(catalog: Catalog, index: EventIndex, runId: string | undefined): Promise<Published> {
  const meta = await publishedExport(catalog, runId);
  const ids = denseIds(index);
  const lists = await readExportLists(catalog, meta, ids);
  const parts: (ScoredPairs & { rank: Int32Array })[] = [];
  for await (const part of readScoreParts(catalog, meta, ids)) parts.push(part);
  return { meta, lists, scored: concatPairs(parts) };
}
