/**
 * The whole pipeline once: ingest new raw objects, then features, a challenger
 * (champion/challenger), scoring and export, evaluation when the as-of time
 * allows it, and the HTML report. Shared by `run` and `schedule`.
 */
import type { RawObjects } from '../lib/catalog';
import { CommandContext } from '../cli/context';
import { reportEvaluation } from '../evaluation/evaluate';
import { eventsStep, resolveAsOf } from '../features/runner';
import { IngestAllResult } from '../ingest';
import { IngestStepOptions, ingestStep } from '../ingest/runner';
import { reportStep } from '../report/runner';
import { scoreStep } from '../scoring/runner';
import { TrainFlags, trainStep, trainStepOptions } from '../training/runner';

export interface PipelineResult {
  /** Raw objects that failed to ingest (the rest of the pipeline ran on the others). */
  failedObjects: string[];
  modelId: string;
  exportUri: string;
  reportUri: string;
}

/**
 * Runs every stage once; `asOf` undefined means just after the last event.
 * `ingested` is the result of an ingest this run already did (a schedule tick
 * ingests first to decide whether to retrain), so the raw store is not read twice.
 */
export async function pipelineStep(
  ctx: CommandContext,
  raw: RawObjects,
  flags: TrainFlags & IngestStepOptions & { asOf?: number },
  ingested?: IngestAllResult,
): Promise<PipelineResult> {
  const ingest = ingested ?? (await ingestStep(ctx, raw, flags));
  const index = await eventsStep(ctx);
  const asOf = resolveAsOf(index, flags.asOf);
  const trained = await trainStep(ctx, index, trainStepOptions(flags, asOf));
  const scored = await scoreStep(ctx, index, { asOf, horizonDays: flags.horizon, k: flags.topK, modelId: trained.championId });
  const metrics = await reportEvaluation(ctx, index, asOf, flags.horizon, flags.topK, { name: trained.championId, lists: scored.lists, scored: scored.scored });
  const reportUri = await reportStep(ctx, index, {
    runId: ctx.run.runId,
    record: ctx.run.snapshot(),
    asOf,
    horizonDays: flags.horizon,
    k: flags.topK,
    modelId: trained.championId,
    scored: scored.scored,
    metrics,
  });
  return {
    failedObjects: ingest.failed.map((f) => f.key),
    modelId: trained.championId,
    exportUri: scored.exportUri,
    reportUri,
  };
}
