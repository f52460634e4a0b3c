/**
 * The model card of a trained challenger (`lib/catalog/model-card.ts` holds
 * its schema): gathered from what the training step knows when it saves the
 * model — its window and cut-offs, features, candidate recall by source on the
 * validation cut-off, validation figures beside the baselines, calibration, and
 * the promotion decision with its bootstrap figures. Pure: the runner hands
 * everything in.
 */
import type { SystemMetrics } from '../evaluation/evaluate';
import type { SourceRecall } from '../features/source-recall';
import type { BacktestRecord, ModelCard } from '../lib/catalog';
import type { BlendFit } from './blend';
import type { Calibration } from './calibration';
import type { PriorShift } from './prior-shift';
import type { Comparison } from './promotion';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Role of a system on the validation cut-off. */
export type CardRole = ModelCard['validation']['systems'][number]['role'];

/** Everything the card says, as the training step has it. Times in ms since the epoch. */
export interface ModelCardInput {
  modelId: string;
  dataset: string;
  /** The manifest's `createdAt`, ISO 8601 UTC. */
  createdAt: string;
  configHash: string;
  backend: string;
  features: readonly string[];
  asOf: number;
  horizonDays: number;
  k: number;
  /** Time of the first event the features read. */
  firstEvent: number;
  trainCutoffs: readonly number[];
  validationCutoff: number;
  cutoffStepDays: number;
  rows: { training: number; validation: number };
  members: number;
  refit: boolean;
  seed: number;
  candidates: SourceRecall;
  /** Systems on the validation cut-off, the challenger first. */
  validation: readonly { metrics: SystemMetrics; role: CardRole }[];
  calibration: { method: Calibration['method']; heldOutLogLoss: { platt: number; isotonic: number }; refitShift: number; prior: PriorShift };
  promotion: {
    outcome: ModelCard['promotion']['outcome'];
    scoringWith: string;
    decision: string;
    comparisons: readonly Comparison[];
    blend?: { fit: BlendFit; comparison: Comparison };
  };
  /** The data set's latest backtest of the same procedure, its rows up to the as-of time (`procedureBacktest` of `runner.ts`); absent or null when there is none. */
  backtest?: BacktestRecord | null;
}

function comparisonRow(c: Comparison): ModelCard['promotion']['comparisons'][number] {
  const b = c.bootstrap;
  return {
    role: c.role,
    against: c.against,
    challenger: c.challenger,
    other: c.other,
    paired: c.paired,
    ...(c.lead === undefined ? {} : { lead: c.lead }),
    meanDifference: b.meanDifference,
    standardError: b.standardError,
    lower: b.lower,
    pValue: b.pValue,
    significant: c.significant,
  };
}

function systemRow(m: SystemMetrics, role: CardRole): ModelCard['validation']['systems'][number] {
  return {
    system: m.system,
    role,
    customers: m.customers,
    recall: m.recall,
    precision: m.precision,
    ndcg: m.ndcg,
    hitRate: m.hitRate,
    map: m.map,
    ...(m.ece !== undefined && { ece: m.ece }),
    ...(m.eceTopK !== undefined && { eceTopK: m.eceTopK }),
    ...(m.logLoss !== undefined && { logLoss: m.logLoss }),
  };
}

/**
 * The card of a challenger.
 * @throws Error when the challenger's row (the first of `validation`) lacks its
 *   ECE or top-K ECE, or the decision has no comparison (it always has the baseline's).
 */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const challenger = input.validation[0]?.metrics;
  if (challenger?.ece === undefined || challenger.eceTopK === undefined) throw new Error(`model card of ${input.modelId}: the challenger's validation row has no ECE or top-K ECE`);
  const first = input.promotion.comparisons[0]?.bootstrap;
  if (first === undefined) throw new Error(`model card of ${input.modelId}: the promotion decision compared nothing`);
  const blend = input.promotion.blend;
  return {
    schema: 'berserkr.model-card/1',
    modelId: input.modelId,
    dataset: input.dataset,
    createdAt: input.createdAt,
    configHash: input.configHash,
    backend: input.backend,
    asOf: iso(input.asOf),
    horizonDays: input.horizonDays,
    k: input.k,
    training: {
      window: { from: iso(input.firstEvent), to: iso(input.asOf) },
      cutoffs: input.trainCutoffs.map(iso),
      validationCutoff: iso(input.validationCutoff),
      cutoffStepDays: input.cutoffStepDays,
      rows: { ...input.rows },
      members: input.members,
      refit: input.refit,
      seed: input.seed,
    },
    features: [...input.features],
    candidates: {
      cutoff: iso(input.validationCutoff),
      customers: input.candidates.customers,
      purchases: input.candidates.purchases,
      recall: input.candidates.recall,
      perCustomer: input.candidates.perCustomer,
      sources: input.candidates.sources.map((s) => ({ ...s })),
    },
    validation: { cutoff: iso(input.validationCutoff), systems: input.validation.map((v) => systemRow(v.metrics, v.role)) },
    calibration: {
      method: input.calibration.method,
      heldOutLogLoss: { ...input.calibration.heldOutLogLoss },
      ece: challenger.ece,
      eceTopK: challenger.eceTopK,
      refitShift: input.calibration.refitShift,
      ...input.calibration.prior,
    },
    promotion: {
      outcome: input.promotion.outcome,
      scoringWith: input.promotion.scoringWith,
      decision: input.promotion.decision,
      bootstrap: { resamples: first.resamples, seed: first.seed, confidence: first.confidence },
      comparisons: input.promotion.comparisons.map(comparisonRow),
      ...(blend !== undefined && {
        blend: { baseline: blend.fit.baseline, weight: blend.fit.weight, foldWeights: [...blend.fit.foldWeights] as [number, number], comparison: comparisonRow(blend.comparison) },
      }),
    },
    backtestRunId: input.backtest?.runId ?? null,
    backtest: input.backtest?.rows.flatMap((r) => r.systems.map((m) => ({ asOf: r.asOf, system: m.system, recall: m.recall, ndcg: m.ndcg }))) ?? null,
  };
}
