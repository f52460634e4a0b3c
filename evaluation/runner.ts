/**
 * The evaluation runner: the protocol metrics of a model's lists beside the
 * baselines, recorded in the run record, for a run just scored (`score`, `run`)
 * or for a published export read back from the lake (`evaluate`).
 */
import { canEvaluate, type EventIndex } from '../features/event-index';
import { eventsStep } from '../features/runner';
import type { ExportMetadata } from '../lib/catalog';
import type { StageContext } from '../lib/stage-context';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { evaluateAt, metricsByName, type SystemMetrics } from './evaluate';
import { NoTruthError } from './errors';
import { readPublished, requireWholeExport } from './published';
import { publishedExport } from '../scoring/published';

/**
 * Evaluates `model` at `asOf` (ms since the epoch) beside the baselines as step
 * `evaluate` and records the metrics by their stable names (`metricsByName`:
 * `model.ndcg@K`, `baseline.repeat.ndcg@K` …) with the model's id; when the
 * data ends before the `horizonDays` horizon, logs that there is nothing to
 * evaluate and returns undefined.
 * @returns rows for the model, `popularity` and `repeat`, in that order.
 */
export async function evaluateStep(
  ctx: StageContext,
  index: EventIndex,
  asOf: number,
  horizonDays: number,
  k: number,
  model: { name: string; lists: RankedLists; scored?: ScoredPairs },
): Promise<SystemMetrics[] | undefined> {
  if (!canEvaluate(index, asOf, horizonDays)) {
    ctx.log.info(`as-of ${new Date(asOf).toISOString()}: the data ends before the ${horizonDays}-day horizon, nothing to evaluate`);
    return undefined;
  }
  const rows = await ctx.run.step('evaluate', () => evaluateAt(index, asOf, horizonDays, k, model));
  ctx.run.setModel(model.name);
  for (const [name, value] of Object.entries(metricsByName(rows, model.name))) ctx.run.metric(name, value);
  return rows;
}

/**
 * Evaluates the export of scoring run `runId` (default: the one
 * `exports/<data set>/latest.json` names), its top-K lists and all its scored pairs,
 * against the truth of the lake's current events.
 * @throws NoTruthError when the data does not reach the export's horizon;
 *   SubsetExportError for an export of chosen customers; the errors of {@link readPublished}.
 */
export async function evaluateExport(ctx: StageContext, runId: string | undefined): Promise<{ meta: ExportMetadata; rows: SystemMetrics[] }> {
  requireWholeExport(await publishedExport(ctx.catalog, runId));
  const index = await eventsStep(ctx);
  const { meta, lists, scored } = await readPublished(ctx.catalog, index, runId);
  const rows = await evaluateStep(ctx, index, Date.parse(meta.asOf), meta.horizonDays, meta.k, { name: meta.modelId, lists, scored });
  if (rows === undefined) throw new NoTruthError(`export of run ${meta.runId} is as of ${meta.asOf}: the data does not reach ${meta.horizonDays} days after it, so there is no truth yet`);
  return { meta, rows };
}
