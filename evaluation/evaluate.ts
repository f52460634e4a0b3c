/**
 * Evaluation on the protocol of `protocol.md` (for any data set and horizon): ranking metrics of
 * top-K lists against the truth in [T, T + H), with the popularity and repeat
 * baselines computed beside them, and calibration over every scored pair and
 * over the pairs of the top-K lists (where a list's reader reads it).
 */
import { EventIndex } from '../features/event-index';
import { popularityBaseline, repeatBaseline } from './baselines';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import {
  addScoredPairs,
  type CalibrationSums,
  calibrationError,
  calibrationSums,
  type CustomerMetrics,
  customerMetrics,
  expectedCalibrationError,
  labelPairs,
  meanLogLoss,
  RankingMetrics,
  rankingMetrics,
} from '../ranking/metrics';
import type { Truth } from '../ranking/truth';
import { buildTruth, truthOf } from './truth';

/** Metrics of one system at one as-of time. */
export interface SystemMetrics extends RankingMetrics {
  system: string;
  /** Expected calibration error and log loss over all scored pairs (models only). */
  ece?: number;
  logLoss?: number;
  /** Expected calibration error over the pairs of the top-K lists of every listed customer, bought or not (models whose lists carry probabilities). */
  eceTopK?: number;
  /** The ranking metrics per evaluated customer (when asked for: `EvaluateOptions.perCustomer`), for paired comparisons. */
  byCustomer?: CustomerMetrics;
}

/** Options of {@link evaluateAt}. */
export interface EvaluateOptions {
  /** Also give each row its metrics per evaluated customer (`SystemMetrics.byCustomer`), in one order for every row [false]. */
  perCustomer?: boolean;
}

/** The lists of a model under evaluation, with the calibration sums of its scored pairs when measured. */
export interface EvaluatedModel {
  /** The model's id, the `system` of its row. */
  name: string;
  /** Its top-K lists, in dense ids; with their probabilities, the top-K ECE is measured. */
  lists: RankedLists & Partial<Pick<ScoredPairs, 'probability'>>;
  /** The sums of its scored pairs labelled against the truth evaluated (`addScoredPairs`), for the ECE and log loss over all of them. */
  calibration?: CalibrationSums;
}

/**
 * Evaluates a model's lists and its scored pairs at `asOf`, with both baselines,
 * over every evaluated customer or, with `customers`, over those among them.
 * The top-K ECE (`protocol.md`, "Top-K ECE": 10 equal-width bins over the
 * exported pairs against the truth) is measured when the lists carry their
 * probabilities. With `options.perCustomer`, each row also carries its metrics
 * per evaluated customer, every row in the same customer order.
 * @returns rows for the model, `popularity` and `repeat`, in that order.
 */
export function evaluateAt(
  index: EventIndex,
  asOf: number,
  horizonDays: number,
  k: number,
  model: { name: string; lists: RankedLists & Partial<Pick<ScoredPairs, 'probability'>>; scored?: ScoredPairs },
  customers?: ArrayLike<number>,
  options: EvaluateOptions = {},
): SystemMetrics[] {
  const all = buildTruth(index, asOf, horizonDays);
  const truth = customers === undefined ? all : truthOf(all, customers);
  const calibration = model.scored === undefined ? undefined : addScoredPairs(calibrationSums(), model.scored, truth);
  return evaluateAgainst(index, asOf, truth, k, { name: model.name, lists: model.lists, calibration }, options);
}

/**
 * {@link evaluateAt} against a truth built already (`buildTruth`, or `truthOf` a subset),
 * the model's scored pairs given as their calibration sums against that truth: what the
 * evaluation of a committed export accumulates one scores part at a time.
 * @param asOf as-of time (ms since the epoch) the baselines rank at.
 * @returns rows for the model, `popularity` and `repeat`, in that order; the model's
 *   `ece` and `logLoss` when `model.calibration` is given.
 */
export function evaluateAgainst(index: EventIndex, asOf: number, truth: Truth, k: number, model: EvaluatedModel, options: EvaluateOptions = {}): SystemMetrics[] {
  const system = (name: string, lists: RankedLists): SystemMetrics => ({
    system: name,
    ...rankingMetrics(lists, truth, k),
    ...(options.perCustomer === true && { byCustomer: customerMetrics(lists, truth, k) }),
  });
  const row = system(model.name, model.lists);
  if (model.calibration !== undefined) {
    row.ece = calibrationError(model.calibration);
    row.logLoss = meanLogLoss(model.calibration);
  }
  if (model.lists.probability !== undefined) {
    row.eceTopK = expectedCalibrationError(model.lists.probability, labelPairs(model.lists.customer, model.lists.item, truth));
  }
  return [
    row,
    system('popularity', popularityBaseline(index, asOf, { k })),
    system('repeat', repeatBaseline(index, asOf, { k })),
  ];
}

const RANKING = ['recall', 'precision', 'ndcg', 'hitRate', 'map'] as const;

/**
 * The metrics of `rows` (as {@link evaluateAt} returns them) by stable name, the
 * same whatever the model: `model.<metric>@K` for the row of `model` (its id is
 * kept apart), `baseline.<name>.<metric>@K` for the baselines, and
 * `model.ece`, `model.logLoss` and `model.ece@K` (over the top-K lists) where measured.
 * @example metricsByName(rows, '20111109T000000000Z-3fa2c01b')['baseline.repeat.ndcg@10']
 */
export function metricsByName(rows: readonly SystemMetrics[], model: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) {
    const system = row.system === model ? 'model' : `baseline.${row.system}`;
    for (const m of RANKING) out[`${system}.${m}@${row.k}`] = row[m];
    if (row.ece !== undefined) out[`${system}.ece`] = row.ece;
    if (row.logLoss !== undefined) out[`${system}.logLoss`] = row.logLoss;
    if (row.eceTopK !== undefined) out[`${system}.ece@${row.k}`] = row.eceTopK;
  }
  return out;
}

/** A fixed-width table of metrics rows, for people (JSON logs carry the numbers). */
export function formatMetricsTable(rows: readonly SystemMetrics[]): string {
  const k = rows[0]?.k ?? 10;
  const head = ['system', `Recall@${k}`, `Precision@${k}`, `NDCG@${k}`, `HitRate@${k}`, `MAP@${k}`, 'ECE', `ECE@${k}`, 'LogLoss', 'customers'];
  const f = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(4));
  const body = rows.map((r) => [r.system, f(r.recall), f(r.precision), f(r.ndcg), f(r.hitRate), f(r.map), f(r.ece), f(r.eceTopK), f(r.logLoss), String(r.customers)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

/**
 * What `evaluate`, `score` and `run` print of an evaluation: a line naming the
 * data set and horizon (days) actually used, the as-of time (ms since the
 * epoch) and the evaluated customers, then {@link formatMetricsTable}; ends with a newline.
 * @example formatEvaluation(rows, 'online-retail', asOf, 30) // 'online-retail 30-day horizon, as-of 2011-11-09T00:00:00.000Z, 1387 evaluated customers\n…'
 */
export function formatEvaluation(rows: readonly SystemMetrics[], dataset: string, asOf: number, horizonDays: number): string {
  return `${dataset} ${horizonDays}-day horizon, as-of ${new Date(asOf).toISOString()}, ${rows[0].customers} evaluated customers\n${formatMetricsTable(rows)}\n`;
}
