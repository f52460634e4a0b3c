/**
 * The report runner: the self-contained HTML report of a scoring run
 * (`runs/<data set>/<run-id>.html`), built from its run record, its scored pairs and the
 * protocol evaluation, at the end of a pipeline run or later from what the run published.
 */
import { canEvaluate, EventIndex } from '../features/event-index';
import { type Catalog, DatasetNotFoundError, type ExportMetadata, type ModelCard, type RunRecord } from '../lib/catalog';
import { ObjectNotFoundError } from '../lib/store/store';
import { renderRunReport, writeReport, type RenderedReport } from './publish';
import { AtKSeries, ReportInput } from './types';
import { popularityBaseline, repeatBaseline } from '../evaluation/baselines';
import { parseBlendId } from '../training/blend';
import { parseBaselineId } from '../training/fallback';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { labelPairs, rankingCurves } from '../ranking/metrics';
import type { Truth } from '../ranking/truth';
import { buildTruth } from '../evaluation/truth';
import type { StageContext } from '../lib/stage-context';
import { evaluateAt, SystemMetrics } from '../evaluation/evaluate';
import { readPublished, requireWholeExport } from '../evaluation/published';
import { eventsStep } from '../features/runner';
import { publishedExport } from '../scoring/published';

/** Largest K of the Recall@K / NDCG@K curves. */
const MAX_K = 50;

export interface ReportSource {
  runId: string;
  record: Pick<RunRecord, 'inputs' | 'rows' | 'metrics'>;
  asOf: number;
  horizonDays: number;
  k: number;
  modelId: string;
  /** Every scored candidate pair with its rank within the customer. */
  scored: ScoredPairs & { rank: Int32Array };
  /** The protocol evaluation when already computed (else computed here). */
  metrics?: SystemMetrics[];
  /** The card of the model the run trained, when it has one. */
  card?: ModelCard;
}

/** Recall@K and NDCG@K for K = 1 … {@link MAX_K} of lists at least that long. */
function atK(system: string, lists: RankedLists, truth: Truth): AtKSeries {
  const m = rankingCurves(lists, truth, MAX_K);
  return { system, k: m.map((x) => x.k), recall: m.map((x) => x.recall), ndcg: m.map((x) => x.ndcg) };
}

/** Builds the report input of a run (pure but for the event index it reads). */
export function reportInput(index: EventIndex, src: ReportSource): ReportInput {
  const input: ReportInput = {
    title: `berserkr run ${src.runId}`,
    runId: src.runId,
    asOf: new Date(src.asOf).toISOString(),
    horizonDays: src.horizonDays,
    modelId: src.modelId,
    lineage: src.record.inputs,
    rows: src.record.rows,
    metrics: [],
    ...(src.card !== undefined && { modelCard: src.card }),
  };
  const customers = new Set(src.scored.customer).size;
  input.candidatesPerCustomer = src.scored.customer.length / Math.max(1, customers);
  const recall = src.record.metrics['features.candidate_recall'];
  if (recall !== undefined) input.candidateRecall = recall;
  if (!canEvaluate(index, src.asOf, src.horizonDays)) return input;

  const truth = buildTruth(index, src.asOf, src.horizonDays);
  const { customer, item, probability, rank } = src.scored;
  input.metrics = src.metrics ?? evaluateAt(index, src.asOf, src.horizonDays, src.k, { name: src.modelId, lists: { customer, item, rank }, scored: src.scored });
  input.scored = { probability, label: labelPairs(customer, item, truth) };
  input.atK = [
    atK(src.modelId, { customer, item, rank }, truth),
    atK('popularity', popularityBaseline(index, src.asOf, { k: MAX_K }), truth),
    atK('repeat', repeatBaseline(index, src.asOf, { k: MAX_K }), truth),
  ];
  return input;
}

/**
 * Renders the report of a run as step `report`, writing nothing: what a pipeline run
 * does before its export's commit, to write the report once the export is committed
 * ({@link writeReportOf}).
 */
export function renderReportStep(ctx: StageContext, index: EventIndex, src: ReportSource): Promise<RenderedReport> {
  return ctx.run.step('report', () => renderRunReport(reportInput(index, src)));
}

/**
 * Writes a rendered report to `runs/<data set>/<run-id>.html`, records it as an output
 * and logs it; returns its URI. Not a step of its own: a pipeline run writes it after its
 * export's commit, the last step, which a stop signal lets end as it would have.
 */
export async function writeReportOf(ctx: StageContext, report: RenderedReport): Promise<string> {
  const published = await writeReport(ctx.catalog, report);
  ctx.run.output(ctx.catalog.store.uri, published.key, published.etag);
  ctx.log.info({ uri: published.uri }, `report ${published.uri}`);
  return published.uri;
}

/** Writes `runs/<data set>/<run-id>.html` (rendered as step `report`) and returns its URI. */
export async function reportStep(ctx: StageContext, index: EventIndex, src: ReportSource): Promise<string> {
  return writeReportOf(ctx, await renderReportStep(ctx, index, src));
}

/**
 * The card to show in the report of a run: that of the model the run trained
 * (its record's `promotion.challengerId`), else that of the model it scored with
 * (`blend:<model-id>` names one); undefined for a baseline or a model without a card.
 * @throws DatasetFormatError when a card does not validate.
 */
export async function runModelCard(catalog: Catalog, record: Pick<ReportRecord, 'promotion'>, scoringModelId: string): Promise<ModelCard | undefined> {
  const modelId = record.promotion?.challengerId ?? parseBlendId(scoringModelId) ?? (parseBaselineId(scoringModelId) === undefined ? scoringModelId : undefined);
  return modelId === undefined ? undefined : catalog.models.loadCard(modelId);
}

/** What a report reads of a run's record. */
type ReportRecord = Pick<RunRecord, 'inputs' | 'rows' | 'metrics' | 'promotion'>;

/**
 * The record to report a committed scoring run with: its own, or, for a run
 * scored under a given `--run-id` (in shards, or whole: each shard is a command
 * with a record of its own, and no record has the run's id), one built from its
 * shards' records: their inputs
 * (the same events, which the commit checked), the first one's event counts,
 * and the export's pair and row counts; no metrics. A shard marker of an
 * earlier version names no record, nor does a shard whose record was never
 * written: the lineage holds what the records found hold.
 * @param meta the run's export sidecar.
 * @throws the errors of `RunRecords.load`; DatasetNotFoundError naming the record when the run's own command scored it and its record is gone.
 */
export async function reportRecord(catalog: Catalog, meta: ExportMetadata): Promise<ReportRecord> {
  try {
    return await catalog.runs.load(meta.runId);
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
  }
  const ids = (await catalog.shards.loadMarkers(meta.runId)).flatMap((m) => (m.shard.count === meta.shards && m.commandRunId !== undefined ? [m.commandRunId] : []));
  // A run its own command scored has its record under its id: that one is missing.
  if (ids.includes(meta.runId)) throw new DatasetNotFoundError(`run record of run ${meta.runId} (the report's lineage)`, catalog.runs.uri(meta.runId));
  const found = await Promise.all(ids.map((id) => catalog.runs.load(id).catch((e: unknown) => (e instanceof ObjectNotFoundError ? undefined : Promise.reject(e)))));
  const records = found.filter((r) => r !== undefined);
  const inputs = new Map(records.flatMap((r) => r.inputs).map((o) => [`${o.store}\n${o.key}`, o]));
  const events = Object.entries(records[0]?.rows ?? {}).filter(([name]) => name.startsWith('events.'));
  return { inputs: [...inputs.values()], rows: { ...Object.fromEntries(events), 'features.candidates': meta.pairs, 'export.rows': meta.rows }, metrics: {} };
}

/**
 * Writes the report of scoring run `runId` (default: the run of the export
 * `exports/<data set>/latest.json` names) from its run record (see {@link reportRecord}),
 * its published export and scored pairs, and the lake's current events; returns its URI.
 * @throws SubsetExportError for an export of chosen customers; the errors of `publishedExport`, `reportRecord` and `readPublished`.
 */
export async function reportOnRun(ctx: StageContext, runIdArg: string | undefined): Promise<string> {
  const exported = await requireWholeExport(ctx.catalog, await publishedExport(ctx.catalog, runIdArg));
  const runId = exported.runId;
  const record = await reportRecord(ctx.catalog, exported);
  const index = await eventsStep(ctx);
  const { meta, lists, scored } = await readPublished(ctx.catalog, index, runId);
  const asOf = Date.parse(meta.asOf);
  // The exported lists carry their probabilities, so the evaluation has the ECE over them too.
  const metrics = canEvaluate(index, asOf, meta.horizonDays) ? evaluateAt(index, asOf, meta.horizonDays, meta.k, { name: meta.modelId, lists, scored }) : undefined;
  const card = await runModelCard(ctx.catalog, record, meta.modelId);
  return reportStep(ctx, index, { runId, record, asOf, horizonDays: meta.horizonDays, k: meta.k, modelId: meta.modelId, scored, metrics, card });
}
