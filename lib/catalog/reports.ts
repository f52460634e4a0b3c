/** HTML reports of runs: `runs/<data set>/<run-id>.html`, beside the run record `runs/<data set>/<run-id>.json`. */
import type { ObjectInfo, ObjectStore } from '../store/store';
import { assertRunId } from './run-id';
import type { RunRecords } from './run-records';
import { objectUri } from './uri';

/** The reports of one data set's runs. */
export class Reports {
  /**
   * @param store the lake
   * @param runs its run records, beside which the reports are kept.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly runs: RunRecords,
  ) {}

  /**
   * Key of run `runId`'s report.
   * @example reports.key('20111109T000000Z-3fa9c1') // 'runs/online-retail/20111109T000000Z-3fa9c1.html'
   * @throws InvalidRunIdError when `runId` is not `YYYYMMDDTHHMMSSZ-<6 hex>`.
   */
  key(runId: string): string {
    return `${this.runs.root}${assertRunId(runId)}.html`;
  }

  /**
   * Writes run `runId`'s report as `text/html; charset=utf-8` (one atomic put:
   * readers see the old report or the whole new one).
   * @returns the written object (key, size, ETag) and its URI, to print.
   * @throws InvalidRunIdError before writing; store errors unchanged.
   */
  async publish(runId: string, html: string): Promise<ObjectInfo & { uri: string }> {
    const key = this.key(runId);
    const info = await this.store.put(key, html, 'text/html; charset=utf-8');
    return { ...info, uri: objectUri(this.store, key) };
  }
}
