/**
 * Outputs of scoring runs that were never committed (`lib/catalog/scoring-runs.ts`): a run's
 * `exports/<run-id>/` and `scores/<run-id>/` become part of the lake only when
 * `exports/<run-id>/_metadata.json` is written, so a run killed before that
 * leaves objects no reader follows. They are removed once they are old enough
 * that no run can still be writing them. A sharded run that holds the marker of
 * a finished shard may be waiting for its other shards (a Job running fewer at
 * once than it has, or a shard retried later): it is kept until an older age
 * the operator gives. The operator may also name one run to remove (`berserkr gc --run`).
 */
import type { Catalog } from '../lib/catalog';
import { type LockFence, NO_LOCK_FENCE } from '../lib/stage-context';
import type { ObjectInfo } from '../lib/store/store';
import { PartialRemovalError, RunIdRefusedError } from './errors';

/** An uncommitted scoring run whose objects were removed. */
export interface RemovedRun {
  runId: string;
  /** Keys removed, in key order. */
  keys: string[];
}

/**
 * Removes the objects of every scoring run without `_metadata.json` whose
 * newest object (under `exports/<run-id>/` and `scores/<run-id>/` together) was
 * written before `before` (before `shardedBefore` when the run holds the marker
 * of a shard of N > 1), unless `keep(runId)`.
 * @param before ms since the epoch.
 * @param keep run ids that may still be written (the caller's own, live runs').
 * @param shardedBefore ms since the epoch; undefined: runs with the marker of a shard of N > 1 are kept.
 * @param onRemoved called with each run as soon as its objects are removed (to log it), before the next is.
 * @param fence awaited before each run's objects are removed ({@link removeRun}).
 * @returns the runs removed, in run-id order.
 * @throws PartialRemovalError when a deletion fails part-way through a run (objects removed until then
 *   stay removed: none was committed; each run removed whole was given to `onRemoved`); other store errors unchanged;
 *   the error of `fence` (LockLostError), that run left whole.
 */
export async function removeUncommittedRuns(
  catalog: Catalog,
  before: number,
  keep: (runId: string) => boolean,
  shardedBefore?: number,
  onRemoved: (r: RemovedRun) => void = () => undefined,
  fence: LockFence = NO_LOCK_FENCE,
): Promise<RemovedRun[]> {
  const runs = catalog.scoringRuns;
  const byRun = await runs.byRun();
  const removed: RemovedRun[] = [];
  for (const runId of [...byRun.keys()].sort()) {
    const objects = byRun.get(runId)!;
    if (runs.isCommitted(runId, objects) || keep(runId)) continue;
    // A run of one shard waits for no other: its marker alone does not keep it.
    const sharded = objects.some((o) => (catalog.shards.markerShard(runId, o.key)?.count ?? 1) > 1);
    const cutoff = sharded ? shardedBefore : before;
    if (cutoff === undefined || objects.some((o) => o.lastModified >= cutoff)) continue;
    const r = await removeRun(catalog, runId, objects, fence);
    onRemoved(r);
    removed.push(r);
  }
  return removed;
}

/**
 * The objects of scoring run `runId`, uncommitted, for the operator to remove it by name:
 * one keys-only listing of each of its folders (`ScoringRunObjects.ofRun`).
 * @param published the run `exports/<data set>/latest.json` names, if any: never removed, even
 *   when its sidecar is gone, since readers follow the pointer to it.
 * @throws RunIdRefusedError quoting the run id when the data set's folders hold no object of
 *   it, when it is committed or is the published run (a published export is never removed); store errors unchanged.
 */
export async function uncommittedRun(catalog: Catalog, runId: string, published?: string): Promise<ObjectInfo[]> {
  const runs = catalog.scoringRuns;
  const objects = await runs.ofRun(runId);
  if (objects.length === 0) {
    const folders = runs.folders(runId).map((folder) => catalog.uri(folder)).join(' and ');
    throw new RunIdRefusedError(`no scoring run ${runId} in data set ${JSON.stringify(catalog.dataset)}: nothing under ${folders} (berserkr runs lists the data set's runs)`);
  }
  if (runs.isCommitted(runId, objects)) {
    throw new RunIdRefusedError(`run ${runId} is committed (${catalog.exports.metadataUri(runId)}): only an uncommitted scoring run is removed, never a published export`);
  }
  if (runId === published) {
    throw new RunIdRefusedError(`run ${runId} is the published export (${catalog.latest.uri}) although its sidecar ${catalog.exports.metadataUri(runId)} is missing: it is never removed; restore the sidecar`);
  }
  return objects;
}

/**
 * Deletes `objects`, those of scoring run `runId` (from `ScoringRunObjects`), in key order.
 * @param fence awaited first, with the URIs of the run's folders (`StageContext.fence`: a caller under the
 *   pipeline lock checks it still holds it, one read of the lock per run removed); default: none.
 * @returns the run and the keys removed.
 * @throws PartialRemovalError when a deletion fails, naming the run, the keys removed before it
 *   (they stay removed) and the failed key, with the store's error as its cause; the error of `fence`
 *   (LockLostError), nothing deleted.
 */
export async function removeRun(catalog: Catalog, runId: string, objects: readonly ObjectInfo[], fence: LockFence = NO_LOCK_FENCE): Promise<RemovedRun> {
  const keys = objects.map((o) => o.key).sort();
  await fence(catalog.scoringRuns.folders(runId).map((folder) => catalog.uri(folder)).join(' and '));
  for (const [i, key] of keys.entries()) {
    try {
      await catalog.scoringRuns.delete(key);
    } catch (error) {
      throw new PartialRemovalError({ runId, keys: keys.slice(0, i) }, keys.length, catalog.uri(key), error);
    }
  }
  return { runId, keys };
}
