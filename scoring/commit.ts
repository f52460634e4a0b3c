/**
 * The shard protocol's rules, pure: the check that N shard markers belong to
 * one scoring run, and the metadata sidecar of the export committed from them.
 * The records' schemas and I/O (reading markers, writing files, flipping the
 * pointer) are the catalog's (`lib/catalog/shards.ts`, `exports.ts`, `latest.ts`).
 */
import type { ExportFile, ExportMetadata, Shard, ShardMarker } from '../lib/catalog';
import { exportFormats, type ExportFormat } from '../lib/catalog/export-formats';
import { RunIdRefusedError, ScoringInputError, ShardConflictError } from './errors';

/** Fields that every shard of a run must agree on. */
const AGREE = ['runId', 'modelId', 'asOf', 'horizonDays', 'k', 'formats', 'events'] as const;

/** What to do when shards disagree on a field, where it is not obvious. */
const REMEDY: Partial<Record<(typeof AGREE)[number], string>> = {
  events: 'the lake\'s purchase events changed between them (an ingest ran): score the shards that saw the older events again',
};

/**
 * Whether two markers' values of `field` agree. Formats agree as the set of files they
 * make (`exportFormats`): in any order, and with or without the canonical Parquet file,
 * which markers of earlier versions do not list.
 */
function agree(field: (typeof AGREE)[number], a: ShardMarker[typeof field], b: ShardMarker[typeof field]): boolean {
  if (field !== 'formats') return JSON.stringify(a) === JSON.stringify(b);
  const [x, y] = [new Set(exportFormats(a as ExportFormat[])), new Set(exportFormats(b as ExportFormat[]))];
  return x.size === y.size && [...x].every((f) => y.has(f));
}

/**
 * The fields of a shard's marker that the commit compares, known before the shard is scored, and
 * the `--model` as given when it differs from the id it resolved to (`baseline:<name>` alone), for messages.
 */
export type ShardPlan = Pick<ShardMarker, (typeof AGREE)[number] | 'shard'> & { modelGiven?: string };

/** Where a run's objects are, for the messages of {@link checkShardFits}. */
export interface ShardRunLocations {
  /** URI of a shard's marker. */
  marker: (shard: Shard) => string;
  /** URIs of the run's folders, `exports/<data set>/<run-id>/` and `scores/<data set>/<run-id>/`. */
  folders: readonly string[];
}

/** The option that sets each compared field (none for the events, which the lake sets, nor the run id, the folder's). */
const FLAG: Partial<Record<(typeof AGREE)[number], string>> = {
  modelId: '--model',
  asOf: '--as-of',
  horizonDays: '--horizon',
  k: '--top-k',
  formats: '--format',
};

/** A field's value as its option spells it. */
const optionValue = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value));

/** The plan's value of `field` as its option spells it: for the model, what was given and what it resolved to, when they differ. */
function planValue(plan: ShardPlan, field: (typeof AGREE)[number]): string {
  const value = optionValue(plan[field]);
  return field === 'modelId' && plan.modelGiven !== undefined && plan.modelGiven !== plan.modelId ? `${plan.modelGiven} (resolved to ${value})` : value;
}

/**
 * Checks, before shard `plan.shard` of run `plan.runId` is scored, that it fits the
 * markers the run already holds, so that the run can still be committed: every other
 * shard's marker must be of the same number of shards N and agree on the fields the
 * commit compares ({@link checkShardMarkers}). The shard's own marker (an earlier
 * attempt, which the shard replaces) is not compared.
 * @param plan what the shard's marker would hold.
 * @param markers the markers present under the run id, any order.
 * @param where URIs to name in the message.
 * @throws ShardConflictError naming the first marker in conflict (its URI), both values,
 *   and the ways out: this shard scored consistently, the run under a new run id, or
 *   the run dropped by `berserkr gc --run <id>` to reuse the id.
 */
export function checkShardFits(plan: ShardPlan, markers: readonly ShardMarker[], where: ShardRunLocations): void {
  const { runId, shard } = plan;
  const self = `${shard.index}/${shard.count}`;
  const drop =
    `; to drop run ${runId} and reuse its id, run berserkr gc --run ${runId}, which removes ${where.folders.join(' and ')} `
    + 'once nothing of it was written for the lock lease and none of its shards still runs';
  for (const m of markers) {
    if (m.shard.index === shard.index && m.shard.count === shard.count) continue;
    const other = `its shard ${m.shard.index}/${m.shard.count} (${where.marker(m.shard)})`;
    if (m.shard.count !== shard.count) {
      throw new ShardConflictError(
        `shard ${self} of run ${runId} does not fit the run: ${other} was scored as one of ${m.shard.count} shards, not ${shard.count}, `
          + `and only shards of one split are merged; score the run's shards as --shard i/${m.shard.count} (0 <= i < ${m.shard.count}), `
          + `or a split in ${shard.count} under a new --run-id${drop}`,
      );
    }
    for (const field of AGREE) {
      if (agree(field, m[field], plan[field])) continue;
      if (field === 'events') {
        throw new ShardConflictError(
          `shard ${self} of run ${runId} does not fit the run: ${other} was scored from other purchase events (digest ${m.events ?? 'not recorded'}, this shard's ${plan.events}): `
            + `the lake's events before the as-of time changed in between (an ingest ran); score all ${shard.count} shards under a new --run-id${drop}`,
        );
      }
      const flag = FLAG[field] ?? field;
      const [theirs, ours] = [optionValue(m[field]), optionValue(plan[field])];
      throw new ShardConflictError(
        `shard ${self} of run ${runId} does not fit the run: ${other} was scored with ${flag} ${theirs}, this one with ${planValue(plan, field)}; `
          + `score this shard with ${flag} ${theirs} as the run's other shards, or all ${shard.count} shards with ${flag} ${ours} under a new --run-id${drop}`,
      );
    }
  }
}

/** Where a committed run's objects are, for the messages of {@link checkCommittedShard}. */
export interface CommittedRunLocations {
  /** URI of the run's sidecar, `exports/<data set>/<run-id>/_metadata.json`. */
  metadata: string;
  /** URI of a shard's marker. */
  marker: (shard: Shard) => string;
}

/**
 * Checks that shard `plan.shard`, asked to score under the run id of a run committed
 * already, is one of that run's shards scored as this one would be: the run was split
 * into the same N, and the shard's own marker agrees with the plan on every field the
 * commit compares (model, as-of time, horizon, K, formats and events). Such a shard is a
 * retry of one that finished (a pod killed after the commit but before it exited): it
 * has nothing left to do, and a committed run is never rewritten.
 * @param plan what the shard's marker would hold.
 * @param meta the committed run's sidecar.
 * @param markers the markers present under the run id, any order.
 * @param where URIs to name in the message.
 * @returns the shard's marker in the committed run.
 * @throws RunIdRefusedError (bad usage) naming the sidecar, and the marker, field and both
 *   values in conflict, when the shard does not match the committed run.
 */
export function checkCommittedShard(plan: ShardPlan, meta: Pick<ExportMetadata, 'shards'>, markers: readonly ShardMarker[], where: CommittedRunLocations): ShardMarker {
  const { runId, shard } = plan;
  const self = `${shard.index}/${shard.count}`;
  const committed = `run ${runId} is committed already (${where.metadata})`;
  const never = 'a committed run is never rewritten';
  if (meta.shards !== shard.count) {
    const as = meta.shards === 0 ? 'as an export of chosen customers (berserkr export)' : `as ${meta.shards} shard(s), not ${shard.count}`;
    throw new RunIdRefusedError(`${committed} ${as}, so shard ${self} is none of its shards; ${never}: score under a new --run-id`);
  }
  const own = markers.find((m) => m.shard.index === shard.index && m.shard.count === shard.count);
  if (own === undefined) {
    throw new RunIdRefusedError(`${committed} and holds no marker of shard ${self} (${where.marker(shard)}) to compare this one with; ${never}: score under a new --run-id`);
  }
  for (const field of AGREE) {
    if (agree(field, own[field], plan[field])) continue;
    const its = `its shard ${self} (${where.marker(shard)})`;
    if (field === 'events') {
      throw new RunIdRefusedError(
        `${committed}: ${its} was scored from other purchase events (digest ${own.events ?? 'not recorded'}, this attempt's ${plan.events}): `
          + `the lake's events before the as-of time changed since (an ingest ran); ${never}: score under a new --run-id`,
      );
    }
    const flag = FLAG[field] ?? field;
    const [theirs, ours] = [optionValue(own[field]), optionValue(plan[field])];
    throw new RunIdRefusedError(
      `${committed}: ${its} was scored with ${flag} ${theirs}, this attempt with ${planValue(plan, field)}; ${never}: `
        + `retry the shard with ${flag} ${theirs}, which finds it committed and writes nothing, or score with ${flag} ${ours} under a new --run-id`,
    );
  }
  return own;
}

/**
 * Checks that `markers` are exactly shards 0 … count−1 of run `runId` with the same
 * model, as-of time, horizon, K, formats and events, and returns them in shard order.
 * @param runId the scoring run committed, which every message names (none may have a marker yet).
 * @param markers the markers found, any order.
 * @param count N, the number of shards the run was split into.
 * @throws ShardConflictError (bad usage) naming a marker of another number of shards than
 *   `count` and the `--shards` to commit with; ScoringInputError naming the run and the
 *   missing shards, or the field and the two values that disagree.
 */
export function checkShardMarkers(runId: string, markers: readonly ShardMarker[], count: number): ShardMarker[] {
  const byIndex = new Map<number, ShardMarker>();
  const splits = [...new Set(markers.map((m) => m.shard.count))].sort((a, b) => a - b);
  for (const m of markers) {
    if (m.shard.count === count) {
      byIndex.set(m.shard.index, m);
      continue;
    }
    const remedy = splits.length === 1
      ? `the run was split into ${m.shard.count}: commit it with --shards ${m.shard.count}`
      : `the run holds markers of splits into ${splits.join(' and ')}, which never merge: score it again under a new --run-id`;
    throw new ShardConflictError(`shard marker ${m.shard.index}/${m.shard.count} of run ${runId}: expected a shard of ${count} (--shards ${count}), but ${remedy}`);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new ScoringInputError(`run ${runId}: shards ${missing.map((i) => `${i}/${count}`).join(', ')} have no marker yet`);
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  for (const m of ordered.slice(1)) {
    for (const field of AGREE) {
      if (agree(field, ordered[0][field], m[field])) continue;
      const [a, b] = [JSON.stringify(ordered[0][field]), JSON.stringify(m[field])];
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
    ...(m.startedAt === undefined ? {} : { startedAt: m.startedAt }),
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
