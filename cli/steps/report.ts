/** Prints and records the protocol evaluation of a run's lists when the as-of time allows it. */
import { EventIndex } from '../../features/event-index';
import { RankedLists } from '../../training/metrics';
import { CommandContext } from '../context';
import { canEvaluate, evaluateAt, formatMetricsTable, ScoredPairs, SystemMetrics } from './evaluate';

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
