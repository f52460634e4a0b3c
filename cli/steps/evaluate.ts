/**
 * Evaluation on protocol `online-retail-30d` (`protocol.md`): ranking metrics of
 * top-K lists against the truth in [T, T + H), with the popularity and repeat
 * baselines computed beside them, and calibration over every scored pair.
 */
import { EventIndex } from '../../features/event-index';
import { popularityBaseline, repeatBaseline } from '../../training/baselines';
import type { RankedLists, ScoredPairs } from '../../ranking/lists';
import { expectedCalibrationError, labelPairs, logLoss, RankingMetrics, rankingMetrics } from '../../ranking/metrics';
import { buildTruth, truthOf } from '../../training/truth';
import { DAY_MS } from '../../lib/schema';
import { CommandContext } from '../context';

/** Metrics of one system at one as-of time. */
export interface SystemMetrics extends RankingMetrics {
  system: string;
  /** Expected calibration error and log loss over all scored pairs (models only). */
  ece?: number;
  logLoss?: number;
}

/** True when the events reach the end of the horizon after `asOf`, so truth is complete. */
export function canEvaluate(index: EventIndex, asOf: number, horizonDays: number): boolean {
  const { time } = index.events;
  return time.length > 0 && time[time.length - 1] >= asOf + horizonDays * DAY_MS - DAY_MS;
}

/**
 * Evaluates a model's lists and its scored pairs at `asOf`, with both baselines,
 * over every evaluated customer or, with `customers`, over those among them.
 * @returns rows for the model, `popularity` and `repeat`, in that order.
 */
export function evaluateAt(
  index: EventIndex,
  asOf: number,
  horizonDays: number,
  k: number,
  model: { name: string; lists: RankedLists; scored?: ScoredPairs },
  customers?: ArrayLike<number>,
): SystemMetrics[] {
  const all = buildTruth(index, asOf, horizonDays);
  const truth = customers === undefined ? all : truthOf(all, customers);
  const row: SystemMetrics = { system: model.name, ...rankingMetrics(model.lists, truth, k) };
  if (model.scored !== undefined) {
    const labels = labelPairs(model.scored.customer, model.scored.item, truth);
    row.ece = expectedCalibrationError(model.scored.probability, labels);
    row.logLoss = logLoss(model.scored.probability, labels);
  }
  return [
    row,
    { system: 'popularity', ...rankingMetrics(popularityBaseline(index, asOf, { k }), truth, k) },
    { system: 'repeat', ...rankingMetrics(repeatBaseline(index, asOf, { k }), truth, k) },
  ];
}

/** A fixed-width table of metrics rows, for people (JSON logs carry the numbers). */
export function formatMetricsTable(rows: readonly SystemMetrics[]): string {
  const k = rows[0]?.k ?? 10;
  const head = ['system', `Recall@${k}`, `Precision@${k}`, `NDCG@${k}`, `HitRate@${k}`, `MAP@${k}`, 'ECE', 'LogLoss', 'customers'];
  const f = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(4));
  const body = rows.map((r) => [r.system, f(r.recall), f(r.precision), f(r.ndcg), f(r.hitRate), f(r.map), f(r.ece), f(r.logLoss), String(r.customers)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

const RANKING = ['recall', 'precision', 'ndcg', 'hitRate', 'map'] as const;

/**
 * Evaluates `model` at `asOf` beside the baselines, prints the table on stdout and
 * records the metrics (`<system>.<metric>@K`, `<system>.ece`, `<system>.logLoss`);
 * when the horizon reaches past the data, says so and returns undefined.
 */
export async function reportEvaluation(
  ctx: CommandContext,
  index: EventIndex,
  asOf: number,
  horizonDays: number,
  k: number,
  model: { name: string; lists: RankedLists; scored?: ScoredPairs },
): Promise<SystemMetrics[] | undefined> {
  const at = new Date(asOf).toISOString();
  if (!canEvaluate(index, asOf, horizonDays)) {
    ctx.log.info(`as-of ${at}: the data ends before the ${horizonDays}-day horizon, nothing to evaluate`);
    return undefined;
  }
  const rows = await ctx.run.step('evaluate', () => evaluateAt(index, asOf, horizonDays, k, model));
  for (const row of rows) {
    for (const m of RANKING) ctx.run.metric(`${row.system}.${m}@${k}`, row[m]);
    if (row.ece !== undefined) ctx.run.metric(`${row.system}.ece`, row.ece);
    if (row.logLoss !== undefined) ctx.run.metric(`${row.system}.logLoss`, row.logLoss);
  }
  process.stdout.write(`protocol online-retail-30d, as-of ${at}, horizon ${horizonDays} days, ${rows[0].customers} evaluated customers\n${formatMetricsTable(rows)}\n`);
  return rows;
}
