/**
 * The whole pipeline once: ingest new raw objects, then features, a challenger
 * (champion/challenger), scoring, evaluation when the as-of time allows it, the
 * HTML report's rendering, and last the export's commit, after which the champion
 * pointer and the report are written. What `run` and `schedule` run.
 */
import type { SystemMetrics } from '../evaluation/evaluate';
import { evaluateStep } from '../evaluation/runner';
import { eventsStep, resolveAsOf } from '../features/runner';
import type { IngestAllResult } from '../ingest';
import { IngestStepOptions, ingestStep } from '../ingest/runner';
import type { RawObjects } from '../lib/catalog';
import type { StageContext } from '../lib/stage-context';
import { renderReportStep, writeReportOf } from '../report/runner';
import { commitStep } from '../scoring/publish-export';
import { scoreStep } from '../scoring/runner';
import type { TrainSettings } from '../training/options';
import { loadChampionPointer } from '../training/champion-check';
import { publishPointer, trainStep, type TrainStepResult } from '../training/runner';

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  /** The as-of time, ms since the epoch; default just after the last event. */
  asOf?: number;
  ingest?: IngestStepOptions;
  /** The training's settings; its horizon and K are also scoring's and evaluation's. */
  training: TrainSettings;
  /**
   * The result of an ingest this run already did (a schedule tick ingests first
   * to decide whether to retrain), so the raw store is not read twice.
   */
  ingested?: IngestAllResult;
  /**
   * Treat a damaged champion pointer as none, and replace it by the training's decision
   * (`TrainStepWrites.replaceDamagedPointer`, what a `schedule` tick does) [false: the run
   * fails before its events step, naming the file and the remedy].
   */
  replaceDamagedPointer?: boolean;
}

export interface PipelineResult {
  /** Raw objects that failed to ingest (the rest of the pipeline ran on the others). */
  failedObjects: string[];
  /** The as-of time used, ms since the epoch. */
  asOf: number;
  modelId: string;
  /** The promotion decision of the run's training, with its figures (`TrainStepResult.decision`). */
  decision: string;
  /** What the decision did (`TrainStepResult.outcome`). */
  outcome: TrainStepResult['outcome'];
  /** The evaluation at the as-of time, when the data reaches its horizon. */
  evaluation?: SystemMetrics[];
  exportUri: string;
  reportUri: string;
}

/**
 * Runs every stage once, each as the steps of its runner. The caller holds the lake's lock
 * (`run` and `schedule` take it): the commit takes the events read here for the lake's whole
 * data, and replaces a latest export of data the lake no longer holds (`PublishOptions`).
 * @throws the errors of the runners; a raw object that fails to ingest is reported in the result instead.
 */
export async function runPipeline(ctx: StageContext, raw: RawObjects, o: PipelineOptions): Promise<PipelineResult> {
  const { horizonDays, k } = o.training;
  const ingest = o.ingested ?? (await ingestStep(ctx, raw, o.ingest));
  // A damaged champion pointer fails the run now, with its remedy, not after the events are read and the features built.
  if (o.replaceDamagedPointer !== true) await loadChampionPointer(ctx.catalog, ctx.log);
  const index = await eventsStep(ctx);
  const asOf = resolveAsOf(index, o.asOf);
  // The champion pointer is written once the export is committed: a run that fails before leaves it as it was.
  const trained = await trainStep(ctx, index, { ...o.training, asOf }, { publishPointer: false, replaceDamagedPointer: o.replaceDamagedPointer });
  // Committed last, so that a failed or stopped evaluation or report publishes nothing.
  const scored = await scoreStep(ctx, index, { asOf, horizonDays, k, modelId: trained.championId, commit: false });
  const metrics = await evaluateStep(ctx, index, asOf, horizonDays, k, { name: trained.championId, lists: scored.lists, scored: scored.scored });
  // Rendered before the commit and written after it: no report of an export that was never committed.
  const report = await renderReportStep(ctx, index, {
    runId: ctx.run.runId,
    record: ctx.run.snapshot(),
    asOf,
    horizonDays,
    k,
    modelId: trained.championId,
    scored: scored.scored,
    metrics,
    card: trained.card,
  });
  // Under the lake's lock: an export the pointer names of data reaching past the lake's last event was scored on data since forgotten.
  await commitStep(ctx, scored.runId, 1, { lakeDataUntil: index.events.time[index.events.time.length - 1] });
  // The champion pointer before the report: a report that cannot be written (`berserkr report` writes it again)
  // leaves the export and the champion that scored it in step.
  if (trained.pointer !== undefined) await publishPointer(ctx, trained.pointer);
  const reportUri = await writeReportOf(ctx, report);
  return {
    failedObjects: ingest.failed.map((f) => f.key),
    asOf,
    modelId: trained.championId,
    decision: trained.decision,
    outcome: trained.outcome,
    evaluation: metrics,
    exportUri: scored.exportUri,
    reportUri,
  };
}
