/**
 * Rolling-origin backtest: at each as-of time T a challenger is trained and
 * calibrated on cut-offs before T (its validation horizon ends at T), scores the
 * candidates at T, and is evaluated on the protocol against the truth in
 * [T, T + H) beside the baselines. Nothing is saved or promoted: the registry
 * and the champion are untouched.
 */
import { buildFeatureSet, candidateRecall } from '../features/build';
import { canEvaluate, type EventIndex } from '../features/event-index';
import type { StageContext } from '../lib/stage-context';
import { itemOrder, topKPerCustomer } from '../ranking/topk';
import { scoreFeatureSet } from '../scoring/score';
import { trainChallenger } from '../training/challenger';
import { configHash } from '../lib/config';
import { utcDay } from '../lib/format';
import { procedureSettings, type TrainSettings } from '../training/options';
import { evaluateAt, formatMetricsTable, metricsByName, type SystemMetrics } from '../evaluation/evaluate';
import { NoTruthError } from '../evaluation/errors';

/** One as-of time of a backtest. */
export interface BacktestRow {
  asOf: number;
  /** Share of true (customer, item) purchases in [T, T + H) among the candidates. */
  candidateRecall: number;
  /** Mean candidates per known customer. */
  candidatesPerCustomer: number;
  /** Model, `popularity`, `repeat` at T. */
  metrics: SystemMetrics[];
}

/**
 * Checks that the data reach H days after `asOf` (ms since the epoch), so that a backtest there has its truth.
 * @throws NoTruthError naming the as-of time when they do not.
 */
function requireTruth(index: EventIndex, asOf: number, horizonDays: number): void {
  if (!canEvaluate(index, asOf, horizonDays)) throw new NoTruthError(`backtest as-of ${new Date(asOf).toISOString()}: the data ends before ${horizonDays} days after it, so there is no truth`);
}

/**
 * Trains at `asOf` (data before it only) and evaluates the calibrated model on [T, T + H).
 * @throws NoTruthError when the data ends before the horizon after `asOf`.
 */
export async function backtestAt(ctx: StageContext, index: EventIndex, settings: TrainSettings, asOf: number): Promise<BacktestRow> {
  const { horizonDays, k } = settings;
  requireTruth(index, asOf, horizonDays);
  const challenger = await trainChallenger(ctx, index, { ...settings, asOf });
  const { model, preprocessing, vocab } = challenger.result;
  const fs = buildFeatureSet(index, asOf, { horizonDays });
  const raw = new Float32Array(fs.n);
  const probability = scoreFeatureSet({ model, preprocessing, vocab, calibration: challenger.calibration }, fs, { raw });
  model.dispose();
  const lists = topKPerCustomer(fs.customer, fs.item, probability, k, { score: raw, tieKey: itemOrder(index.events.itemIds) });
  const metrics = evaluateAt(index, asOf, horizonDays, k, { name: 'model', lists, scored: { customer: fs.customer, item: fs.item, probability } });
  const customers = fs.n === 0 ? 0 : fs.customer[fs.n - 1] + 1;
  return { asOf, candidateRecall: candidateRecall(fs, index, horizonDays), candidatesPerCustomer: fs.n / Math.max(1, customers), metrics };
}

/**
 * The backtest at each of `asOfs` (ms since the epoch; at most one per UTC day, which
 * `berserkr backtest` also checks as it reads them), oldest first, each as
 * step `backtest <T>` with its NDCG@K per system recorded as
 * `backtest.<YYYY-MM-DD>.model.ndcg@K` and `backtest.<YYYY-MM-DD>.baseline.<name>.ndcg@K`;
 * then saved as the data set's latest backtest (`models/<data set>/backtest.json`),
 * which the model cards of the same procedure quote.
 * @throws as {@link backtestAt}; an as-of time without truth fails before any training;
 *   RangeError, before it too, when two as-of times fall on one UTC day (their figures would share a key).
 */
export async function backtest(ctx: StageContext, index: EventIndex, settings: TrainSettings, asOfs: readonly number[]): Promise<BacktestRow[]> {
  const rows: BacktestRow[] = [];
  const sorted = [...asOfs].sort((a, b) => a - b);
  sorted.forEach((asOf, i) => {
    const day = utcDay(asOf);
    if (i > 0 && utcDay(sorted[i - 1]) === day) {
      throw new RangeError(`backtest: the as-of times ${new Date(sorted[i - 1]).toISOString()} and ${new Date(asOf).toISOString()} fall on one UTC day, ${day}, under which their figures are recorded: give at most one as-of time per day`);
    }
  });
  for (const asOf of sorted) requireTruth(index, asOf, settings.horizonDays);
  for (const asOf of sorted) {
    const row = await ctx.run.step(`backtest ${new Date(asOf).toISOString()}`, () => backtestAt(ctx, index, settings, asOf));
    for (const [name, value] of Object.entries(metricsByName(row.metrics, 'model'))) if (name.endsWith(`.ndcg@${settings.k}`)) ctx.run.metric(`backtest.${utcDay(asOf)}.${name}`, value);
    rows.push(row);
  }
  const systems = (r: BacktestRow) => r.metrics.map((m) => ({ system: m.system, ndcg: m.ndcg, recall: m.recall }));
  const saved = await ctx.catalog.backtests.save({
    runId: ctx.run.runId,
    createdAt: new Date().toISOString(),
    configHash: configHash(ctx.config),
    settings: procedureSettings(settings),
    rows: rows.map((r) => ({ asOf: new Date(r.asOf).toISOString(), candidateRecall: r.candidateRecall, systems: systems(r) })),
  });
  ctx.run.output(ctx.catalog.store.uri, saved.key, saved.etag);
  return rows;
}

/** The backtest table: per as-of time the model and both baselines, then candidate coverage. */
export function formatBacktest(rows: readonly BacktestRow[]): string {
  const table = formatMetricsTable(rows.flatMap((r) => r.metrics.map((m) => ({ ...m, system: `${utcDay(r.asOf)} ${m.system}` }))));
  const coverage = rows.map((r) => `${utcDay(r.asOf)} candidate recall ${r.candidateRecall.toFixed(4)}, ${r.candidatesPerCustomer.toFixed(1)} candidates per customer`);
  return `${table}\n${coverage.join('\n')}`;
}
