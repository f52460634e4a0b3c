/**
 * The shard protocol's records, pure: what a shard declares when it is done (its
 * `_SUCCESS` marker), the check that N markers belong to one scoring run, and
 * the metadata sidecar and pointer of a committed export. The I/O (reading
 * markers, writing files, flipping the pointer) is the caller's, at the edge.
 */
import { ScoringInputError } from './errors';
import type { ExportFormat } from './layout';
import type { ShardSpec } from './shard';

/** What one shard wrote, declared in its marker (written after its outputs). */
export interface ShardMarker {
  runId: string;
  shard: ShardSpec;
  modelId: string;
  /** As-of time, ISO 8601 UTC. */
  asOf: string;
  horizonDays: number;
  k: number;
  /** Export formats asked for; the commit writes these. */
  formats: ExportFormat[];
  /** Customers scored (known at the as-of time and in the shard). */
  customers: number;
  /** Candidate pairs scored. */
  pairs: number;
  /** Rows of the shard's top-K lists. */
  rows: number;
  /** Key of the shard's top-K lists (Parquet). */
  lists: string;
  /** Keys of the shard's scored-pair parts (Parquet), in customer-id order. */
  scores: string[];
}

/** One file of an export. */
export interface ExportFile {
  /** File name within `exports/<run-id>/`, e.g. `top-k.csv`. */
  name: string;
  format: ExportFormat;
  bytes: number;
  /** SHA-256 of the file's bytes, lower-case hex. */
  sha256: string;
}

/** The sidecar `exports/<run-id>/_metadata.json` of a complete export. */
export interface ExportMetadata {
  runId: string;
  modelId: string;
  /** As-of time, ISO 8601 UTC. */
  asOf: string;
  horizonDays: number;
  k: number;
  /** Rows of the export (each file holds all of them). */
  rows: number;
  customers: number;
  /** Candidate pairs scored. */
  pairs: number;
  /** Shards the run was scored in (1 for a single run). */
  shards: number;
  files: ExportFile[];
  /** Keys of the scored-pair parts (Parquet) behind the export, in customer-id order. */
  scores: string[];
  /** For `berserkr export --customers`: the run the rows were taken from, and the requested ids without a list. */
  subsetOf?: { runId: string; requested: number; missing: string[] };
}

/** The published switch `exports/latest.json`: which export readers should use. */
export interface LatestPointer {
  runId: string;
  /** Key of the export's metadata sidecar. */
  metadata: string;
}

/** Fields that every shard of a run must agree on. */
const AGREE = ['runId', 'modelId', 'asOf', 'horizonDays', 'k', 'formats'] as const;

/**
 * Checks that `markers` are exactly shards 0 … count−1 of one run with the same
 * model, as-of time, horizon, K and formats, and returns them in shard order.
 * @param markers the markers found, any order.
 * @param count N, the number of shards the run was split into.
 * @throws ScoringInputError naming the missing shards, or the field and the two
 *   values that disagree.
 */
export function checkShardMarkers(markers: readonly ShardMarker[], count: number): ShardMarker[] {
  const byIndex = new Map<number, ShardMarker>();
  for (const m of markers) {
    if (m.shard.count !== count) throw new ScoringInputError(`shard marker ${m.shard.index}/${m.shard.count} of run ${m.runId}: expected a shard of ${count}`);
    byIndex.set(m.shard.index, m);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new ScoringInputError(`run ${markers[0]?.runId ?? '?'}: shards ${missing.map((i) => `${i}/${count}`).join(', ')} have no marker yet`);
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  for (const m of ordered.slice(1)) {
    for (const field of AGREE) {
      const [a, b] = [JSON.stringify(ordered[0][field]), JSON.stringify(m[field])];
      if (a !== b) throw new ScoringInputError(`shards of run ${ordered[0].runId} disagree on ${field}: shard 0/${count} has ${a}, shard ${m.shard.index}/${count} has ${b}`);
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
