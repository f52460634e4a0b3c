/**
 * Where a scoring run's objects live in the lake (keys relative to the lake root),
 * built on `LAKE` of `lib/schema.ts`:
 *
 * ```
 * scores/<run-id>/shard-<i>-of-<N>/part-<00000>.parquet   every scored pair, one part per customer batch
 * exports/<run-id>/shards/shard-<i>-of-<N>.parquet        the shard's top-K lists
 * exports/<run-id>/shards/shard-<i>-of-<N>._SUCCESS.json  the shard's marker, written last
 * exports/<run-id>/top-k.{csv,parquet,jsonl}              the committed export (all shards)
 * exports/<run-id>/_metadata.json                         its sidecar, written after the files
 * exports/latest.json                                     the published pointer, written last
 * ```
 */
import { LAKE } from '../lib/schema';
import type { ShardSpec } from './shard';

/** File extension of each export format. */
export const EXPORT_EXTENSION = { csv: 'csv', parquet: 'parquet', jsonl: 'jsonl' } as const;

/** An export format: CSV with header, Parquet (zstd) or JSON Lines. */
export type ExportFormat = keyof typeof EXPORT_EXTENSION;

const shardName = (s: ShardSpec): string => `shard-${s.index}-of-${s.count}`;

/** Keys of the scoring layout. */
export const SCORING_KEYS = {
  /** Part `part` (0-based customer batch) of a shard's scored pairs. */
  scoresPart: (runId: string, s: ShardSpec, part: number): string => `${LAKE.scores(runId)}${shardName(s)}/part-${String(part).padStart(5, '0')}.parquet`,
  /** A shard's top-K lists (Parquet, SCORES columns, sorted by customer id then rank). */
  shardLists: (runId: string, s: ShardSpec): string => `${LAKE.exports(runId)}shards/${shardName(s)}.parquet`,
  /** A shard's completion marker. */
  shardMarker: (runId: string, s: ShardSpec): string => `${LAKE.exports(runId)}shards/${shardName(s)}._SUCCESS.json`,
  /** The committed export file of one format. */
  exportFile: (runId: string, format: ExportFormat): string => `${LAKE.exports(runId)}top-k.${EXPORT_EXTENSION[format]}`,
  /** The export's sidecar metadata. */
  metadata: (runId: string): string => `${LAKE.exports(runId)}_metadata.json`,
  /** The pointer naming the published export: the switch readers follow. */
  latestPointer: 'exports/latest.json',
  /** Convenience copy of the latest CSV (each object atomic, the pair not switched together: follow the pointer for consistency). */
  latestCopy: (name: string): string => `${LAKE.latestExport}${name}`,
} as const;
