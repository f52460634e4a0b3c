/**
 * The report's edge to the lake: `runs/<run-id>.html`, beside the run record
 * `runs/<run-id>.json`, written in one atomic `put` through the lake's store.
 */
import { assertRunId } from '../lib/runs';
import type { ObjectInfo, ObjectStore } from '../lib/store/store';
import { renderReport } from './render';
import type { ReportInput } from './types';

/**
 * Key of a run's report in the lake.
 * @example reportKey('20111109T000000Z-3fa9c1') // 'runs/20111109T000000Z-3fa9c1.html'
 * @throws InvalidRunIdError when `runId` is not `YYYYMMDDTHHMMSSZ-<6 hex>`.
 */
export function reportKey(runId: string): string {
  return `runs/${assertRunId(runId)}.html`;
}

/**
 * Renders the report of `input.runId` and writes it to the lake as
 * `text/html; charset=utf-8`; readers see the old report or the whole new one.
 * @returns the written object (key, size, ETag) and its URI, `<lake uri>/<key>`, to print.
 * @throws InvalidRunIdError, ReportInputError, CurveInputError, ChartRenderError (see {@link renderReport}), and the store's errors.
 */
export async function publishReport(lake: ObjectStore, input: ReportInput): Promise<ObjectInfo & { uri: string }> {
  const key = reportKey(input.runId);
  const info = await lake.put(key, await renderReport(input), 'text/html; charset=utf-8');
  return { ...info, uri: `${lake.uri.replace(/\/+$/, '')}/${key}` };
}
