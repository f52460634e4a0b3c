/**
 * The report's edge to the lake: `runs/<data set>/<run-id>.html`, beside the run record
 * `runs/<data set>/<run-id>.json`, written in one atomic `put` through the catalog.
 */
import { assertRunId, type Catalog } from '../lib/catalog';
import type { ObjectInfo } from '../lib/store/store';
import { renderReport } from './render';
import type { ReportInput } from './types';

/**
 * Renders the report of `input.runId` and writes it to the catalog's reports
 * as `text/html; charset=utf-8`; readers see the old report or the whole new one.
 * @returns the written object (key, size, ETag) and its URI, `<lake uri>/<key>`, to print.
 * @throws InvalidRunIdError (before rendering), ReportInputError, CurveInputError, ChartRenderError (see {@link renderReport}), and the store's errors.
 */
export async function publishReport(catalog: Catalog, input: ReportInput): Promise<ObjectInfo & { uri: string }> {
  const runId = assertRunId(input.runId);
  return catalog.reports.publish(runId, await renderReport(input));
}
