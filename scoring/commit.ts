/**
 * The shard protocol's rules, pure: the check that N shard markers belong to
 * one scoring run, and the metadata sidecar of the export committed from them.
 * The records' schemas and I/O (reading markers, writing files, flipping the
 * pointer) are the catalog's (`lib/catalog/shards.ts`, `exports.ts`, `latest.ts`).
 */
import type { ExportFile, ExportMetadata, ShardMarker } from '../lib/catalog';
import { ScoringInputError } from './errors';

/** Fields that every shard of a run must agree on. */
const AGREE = ['runId', 'modelId', 'asOf', 'horizonDays', 'k', 'formats', 'events'] as const;

/** What to do when shards disagree on a field, where it is not obvious. */
const REMEDY: Partial<Record<(typeof AGREE)[number], string>> = {
  events: 'the lake\'s purchase events changed between them (an ingest ran): score the shards that saw the older events again',
};

/**
 * Checks that `markers` are exactly shards 0 … count−1 of run `runId` with the same
 * model, as-of time, horizon, K, formats and events, and returns them in shard order.
 * @param runId the scoring run committed, which every message names (none may have a marker yet).
 * @param markers the markers found, any order.
 * @param count N, the number of shards the run was split into.
 * @throws ScoringInputError naming the run and the missing shards, or the field and
 *   the two values that disagree.
 */
export function checkShardMarkers(runId: string, markers: readonly ShardMarker[], count: number): ShardMarker[] {
  const byIndex = new Map<number, ShardMarker>();
  for (const m of markers) {
    if (m.shard.count !== count) throw new ScoringInputError(`shard marker ${m.shard.index}/${m.shard.count} of run ${runId}: expected a shard of ${count}`);
    byIndex.set(m.shard.index, m);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new ScoringInputError(`run ${runId}: shards ${missing.map((i) => `${i}/${count}`).join(', ')} have no marker yet`);
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  for (const m of ordered.slice(1)) {
    for (const field of AGREE) {
      const [a, b] = [JSON.stringify(ordered[0][field]), JSON.stringify(m[field])];
      if (a === b) continue;
      const remedy = REMEDY[field] === undefined ? '' : `; ${REMEDY[field]}`;
      throw new ScoringInputError(`shards of run ${runId} disagree on ${field}: shard 0/${count} has ${a}, shard ${m.shard.index}/${count} has ${b}${remedy}`);
    }
  }
  return ordered;
}

/** The metadata of the export committed from `markers` (checked by {@link checkShardMarkers}). */
export function exportMetadata(markers: readonly ShardMarker[], files: ExportFile[], customers: number, rows: number): ExportMetadata {
  const m = markers[0];
  return {
    runId: m.runId,
    modelId: m.modelId,
    asOf: m.asOf,
    ...(m.dataUntil === undefined ? {} : { dataUntil: m.dataUntil }),
    horizonDays: m.horizonDays,
    k: m.k,
    rows,
    customers,
    pairs: markers.reduce((s, x) => s + x.pairs, 0),
    shards: markers.length,
    files,
    scores: markers.flatMap((x) => x.scores),
  };
}
