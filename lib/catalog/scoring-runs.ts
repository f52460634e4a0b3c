/**
 * The objects of one data set's scoring runs taken together,
 * `exports/<data set>/<run-id>/…` and `scores/<data set>/<run-id>/…` by run, to
 * find runs that were never committed (no sidecar `…/<run-id>/_metadata.json`): their objects are followed by no
 * reader.
 */
import type { ObjectInfo, ObjectStore } from '../store/store';
import type { Exports } from './exports';
import { RUN_ID_PATTERN } from './run-id';
import type { ScoreParts } from './scores';

/** The objects of one data set's scoring runs. */
export class ScoringRunObjects {
  /**
   * @param store the lake
   * @param runExports the exports, whose run folders are grouped
   * @param scores the scored pairs, whose run folders are grouped too.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly runExports: Exports,
    private readonly scores: ScoreParts,
  ) {}

  /**
   * Every object in a run folder under `exports/<data set>/` or `scores/<data set>/`, by run id (folders
   * that are not run ids, such as `exports/<data set>/latest/`, and objects beside the
   * folders are left out); within a run, exports' objects first, each in key order.
   * Keys and times only (`etags: false`): a folder store reads no file.
   */
  async byRun(): Promise<Map<string, ObjectInfo[]>> {
    const byRun = new Map<string, ObjectInfo[]>();
    for (const root of [this.runExports.root, this.scores.root]) {
      for (const object of await this.store.list(root, { etags: false })) {
        const runId = object.key.slice(root.length).split('/')[0];
        if (object.key.length > root.length + runId.length && RUN_ID_PATTERN.test(runId)) byRun.set(runId, [...(byRun.get(runId) ?? []), object]);
      }
    }
    return byRun;
  }

  /** The folders of run `runId`: `exports/<data set>/<run-id>/` and `scores/<data set>/<run-id>/`. */
  folders(runId: string): string[] {
    return [this.runExports.prefix(runId), this.scores.prefix(runId)];
  }

  /**
   * Every object of run `runId` (in its {@link folders}), as {@link byRun} groups them: exports' objects
   * first, each in key order. Keys and times only (`etags: false`): a folder store reads no file.
   */
  async ofRun(runId: string): Promise<ObjectInfo[]> {
    const objects: ObjectInfo[] = [];
    for (const folder of this.folders(runId)) objects.push(...(await this.store.list(folder, { etags: false })));
    return objects;
  }

  /** Whether run `runId` is committed: `objects` (its objects, from {@link byRun} or {@link ofRun}) hold its sidecar. */
  isCommitted(runId: string, objects: readonly ObjectInfo[]): boolean {
    const sidecar = this.runExports.metadataKey(runId);
    return objects.some((o) => o.key === sidecar);
  }

  /** Deletes one object of a run; a missing one is no error. */
  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }
}
