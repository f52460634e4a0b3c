/**
 * The evaluation runner: the protocol metrics of a model's lists beside the
 * baselines, recorded in the run record, for a run just scored (`score`, `run`)
 * or for a committed export read back from the lake (`evaluate`, and the shard
 * of `score --shard` that commits its run).
 */
import { canEvaluate, type EventIndex } from '../features/event-index';
import { eventsStep } from '../features/runner';
import type { ExportMetadata } from '../lib/catalog';
import type { StageContext } from '../lib/stage-context';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { addScoredPairs, calibrationSums } from '../ranking/metrics';
import { evaluateAgainst, evaluateAt, metricsByName, type SystemMetrics } from './evaluate';
import { NoTruthError } from './errors';
import { denseIds, readExportLists, readScoreParts, requireWholeExport } from './published';
import { buildTruth } from './truth';
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
  if (!hasTruth(ctx, index, asOf, horizonDays)) return undefined;
  return recordMetrics(ctx, model.name, await ctx.run.step('evaluate', () => evaluateAt(index, asOf, horizonDays, k, model)));
}

/** Records `rows` (of model `modelId` and the baselines) in the run record by their stable names, with the model's id; returns them. */
function recordMetrics(ctx: StageContext, modelId: string, rows: SystemMetrics[]): SystemMetrics[] {
  ctx.run.setModel(modelId);
  for (const [name, value] of Object.entries(metricsByName(rows, modelId))) ctx.run.metric(name, value);
  return rows;
}

/** Whether the data reach the horizon after `asOf`, so that there is a truth to evaluate against; logs that there is nothing to evaluate when not. */
function hasTruth(ctx: StageContext, index: EventIndex, asOf: number, horizonDays: number): boolean {
  if (canEvaluate(index, asOf, horizonDays)) return true;
  ctx.log.info(`as-of ${new Date(asOf).toISOString()}: the data ends before the ${horizonDays}-day horizon, nothing to evaluate`);
  return false;
}

/**
 * Evaluates committed export `meta` as {@link evaluateStep} does, reading back its top-K
 * lists and all its scored pairs (of every shard) in the events' dense ids. The scored
 * pairs are read one scores part at a time and folded into the calibration sums of the
 * ECE and log loss, so it holds one part, not the run's pairs; the metrics are those
 * of the run's pairs evaluated at once. When the data ends before its horizon, logs
 * that there is nothing to evaluate, reads nothing and returns undefined.
 * @param index the events, in whose dense ids the export is read and its truth is built.
 * @throws the errors of `readExportLists` and `readScoreParts`.
 */
export async function evaluateCommitted(ctx: StageContext, index: EventIndex, meta: ExportMetadata): Promise<SystemMetrics[] | undefined> {
  const asOf = Date.parse(meta.asOf);
  if (!hasTruth(ctx, index, asOf, meta.horizonDays)) return undefined;
  const ids = denseIds(index);
  const lists = await readExportLists(ctx.catalog, meta, ids);
  const rows = await ctx.run.step('evaluate', async () => {
    const truth = buildTruth(index, asOf, meta.horizonDays);
    const calibration = calibrationSums();
    for await (const part of readScoreParts(ctx.catalog, meta, ids)) addScoredPairs(calibration, part, truth);
    return evaluateAgainst(index, asOf, truth, meta.k, { name: meta.modelId, lists, calibration });
  });
  return recordMetrics(ctx, meta.modelId, rows);
}

/**
 * Evaluates the export of scoring run `runId` (default: the one
 * `exports/<data set>/latest.json` names), its top-K lists and all its scored pairs,
 * against the truth of the lake's current events.
 * @throws NoTruthError when the data does not reach the export's horizon;
 *   SubsetExportError for an export of chosen customers; the errors of `publishedExport` and {@link evaluateCommitted}.
 */
export async function evaluateExport(ctx: StageContext, runId: string | undefined): Promise<{ meta: ExportMetadata; rows: SystemMetrics[] }> {
  const meta = await requireWholeExport(ctx.catalog, await publishedExport(ctx.catalog, runId));
  const index = await eventsStep(ctx);
  const rows = await evaluateCommitted(ctx, index, meta);
  if (rows === undefined) throw new NoTruthError(`export of run ${meta.runId} is as of ${meta.asOf}: the data does not reach ${meta.horizonDays} days after it, so there is no truth yet`);
  return { meta, rows };
}
