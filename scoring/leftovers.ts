/**
 * Outputs of scoring runs that were never committed (layout.ts): a run's
 * `exports/<run-id>/` and `scores/<run-id>/` become part of the lake only when
 * `exports/<run-id>/_metadata.json` is written, so a run killed before that
 * leaves objects no reader follows. They are removed once they are old enough
 * that no run can still be writing them.
 */
import { RUN_ID_PATTERN } from '../lib/runs';
import type { ObjectInfo, ObjectStore } from '../lib/store/store';
import { SCORING_KEYS } from './layout';

/** An uncommitted scoring run whose objects were removed. */
export interface RemovedRun {
  runId: string;
  /** Keys removed, in key order. */
  keys: string[];
}

/** The run id of the folder right under `prefix` (`exports/`, `scores/`) holding `key`, if it is one. */
function runFolder(prefix: string, key: string): string | undefined {
  const runId = key.slice(prefix.length).split('/')[0];
  return key.length > prefix.length + runId.length && RUN_ID_PATTERN.test(runId) ? runId : undefined;
}

/**
 * Removes the objects of every scoring run without `_metadata.json` whose
 * newest object (under `exports/<run-id>/` and `scores/<run-id>/` together) was
 * written before `before`, unless `keep(runId)`.
 * @param before ms since the epoch.
 * @param keep run ids that may still be written (the caller's own, live runs').
 * @returns the runs removed, in run-id order.
 * @throws store errors unchanged (objects removed until then stay removed: none was committed).
 */
export async function removeUncommittedRuns(lake: ObjectStore, before: number, keep: (runId: string) => boolean): Promise<RemovedRun[]> {
  const byRun = new Map<string, ObjectInfo[]>();
  for (const prefix of ['exports/', 'scores/']) {
    for (const object of await lake.list(prefix)) {
      const runId = runFolder(prefix, object.key);
      if (runId !== undefined) byRun.set(runId, [...(byRun.get(runId) ?? []), object]);
    }
  }
  const removed: RemovedRun[] = [];
  for (const runId of [...byRun.keys()].sort()) {
    const objects = byRun.get(runId)!;
    const committed = objects.some((o) => o.key === SCORING_KEYS.metadata(runId));
    if (committed || keep(runId) || objects.some((o) => o.lastModified >= before)) continue;
    const keys = objects.map((o) => o.key).sort();
    for (const key of keys) await lake.delete(key);
    removed.push({ runId, keys });
  }
  return removed;
}
