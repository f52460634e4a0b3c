/**
 * The report's edge to the lake: `runs/<data set>/<run-id>.html`, beside the run record
 * `runs/<data set>/<run-id>.json`, rendered, then written in one atomic `put` through the catalog.
 */
import { assertRunId, type Catalog } from '../lib/catalog';
import type { ObjectInfo } from '../lib/store/store';
import { renderReport } from './render';
import type { ReportInput } from './types';

/** A run's report rendered and not written yet: what {@link writeReport} publishes. */
export interface RenderedReport {
  runId: string;
  html: string;
}

/**
 * Renders the report of `input.runId`, writing nothing: a run renders its report before
 * it commits its export and writes it after, so that a report that cannot be drawn stops
 * the run before anything is published, and no report is written for an export that
 * does not exist.
 * @throws InvalidRunIdError (before rendering), ReportInputError, CurveInputError, ChartRenderError (see {@link renderReport}).
 */
export async function renderRunReport(input: ReportInput): Promise<RenderedReport> {
  const runId = assertRunId(input.runId);
  return { runId, html: await renderReport(input) };
}

/**
 * Writes a rendered report to the catalog's reports as `text/html; charset=utf-8`;
 * readers see the old report or the whole new one.
 * @returns the written object (key, size, ETag) and its URI, `<lake uri>/<key>`, to print.
 * @throws the store's errors.
 */
export function writeReport(catalog: Catalog, report: RenderedReport): Promise<ObjectInfo & { uri: string }> {
  return catalog.reports.publish(report.runId, report.html);
}
