/**
 * `berserkr backtest --as-of T1 --as-of T2 …`: rolling-origin evaluation. At each
 * as-of time T a challenger is trained and calibrated on cut-offs before T (its
 * validation horizon ends at T), scores the candidates at T, and is evaluated on
 * the protocol against the truth in [T, T + H) beside the baselines. Nothing is
 * saved or promoted: the registry and the champion are untouched.
 */
import { Command, Option } from 'commander';
import { buildFeatureSet, candidateRecall } from '../../features/build';
import { EventIndex } from '../../features/event-index';
import { scoreFeatureSet } from '../../scoring/score';
import { itemOrder, topKPerCustomer } from '../../ranking/topk';
import { DataCommandOptions, runCommand } from '../command';
import { CommandContext } from '../context';
import { commonOptions, parseInstant } from '../options';
import { canEvaluate, evaluateAt, formatMetricsTable, SystemMetrics } from '../../evaluation/evaluate';
import { eventsStep } from '../../features/runner';
import { TrainFlags, trainChallenger, trainStepOptions } from '../../training/runner';

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

/** Trains at `asOf` (data before it only) and evaluates the calibrated model on [T, T + H). */
export async function backtestAt(ctx: CommandContext, index: EventIndex, flags: TrainFlags, asOf: number): Promise<BacktestRow> {
  const at = new Date(asOf).toISOString();
  if (!canEvaluate(index, asOf, flags.horizon)) throw new Error(`backtest as-of ${at}: the data ends before ${flags.horizon} days after it, so there is no truth`);
  const o = trainStepOptions(flags, asOf);
  const challenger = await trainChallenger(ctx, index, o);
  const { model, preprocessing, vocab } = challenger.result;
  const fs = buildFeatureSet(index, asOf, { horizonDays: flags.horizon });
  const raw = new Float32Array(fs.n);
  const probability = scoreFeatureSet({ model, preprocessing, vocab, calibration: challenger.calibration }, fs, { raw });
  model.dispose();
  const lists = topKPerCustomer(fs.customer, fs.item, probability, flags.topK, { score: raw, tieKey: itemOrder(index.events.itemIds) });
  const metrics = evaluateAt(index, asOf, flags.horizon, flags.topK, { name: 'model', lists, scored: { customer: fs.customer, item: fs.item, probability } });
  const customers = fs.n === 0 ? 0 : fs.customer[fs.n - 1] + 1;
  return { asOf, candidateRecall: candidateRecall(fs, index, flags.horizon), candidatesPerCustomer: fs.n / Math.max(1, customers), metrics };
}

/** The backtest table: per as-of time the model and both baselines, then candidate coverage. */
export function formatBacktest(rows: readonly BacktestRow[]): string {
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const table = formatMetricsTable(rows.flatMap((r) => r.metrics.map((m) => ({ ...m, system: `${day(r.asOf)} ${m.system}` }))));
  const coverage = rows.map((r) => `${day(r.asOf)} candidate recall ${r.candidateRecall.toFixed(4)}, ${r.candidatesPerCustomer.toFixed(1)} candidates per customer`);
  return `${table}\n${coverage.join('\n')}`;
}

/** Registers `backtest` on `program`. */
export function registerBacktest(program: Command): void {
  const command = program
    .command('backtest')
    .description('rolling-origin backtest: at each --as-of, train on data before it and evaluate on the protocol beside the baselines (saves no model)')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(
      new Option('--as-of <time>', 'as-of time, ISO 8601 (UTC when no zone); repeat the option for several')
        .argParser((value: string, previous: number[] | undefined) => [...(previous ?? []), parseInstant(value)])
        .makeOptionMandatory(),
    )
    .addOption(commonOptions.topK())
    .addOption(commonOptions.horizon())
    .addOption(commonOptions.trainCutoffs())
    .addOption(commonOptions.cutoffStep())
    .addOption(commonOptions.epochs())
    .addOption(commonOptions.trainGroups())
    .addOption(commonOptions.trainThreads())
    .addOption(commonOptions.refit())
    .addOption(commonOptions.seed());
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<DataCommandOptions & TrainFlags & { asOf: number[] }>();
    await runCommand('backtest', o, async (ctx) => {
      const index = await eventsStep(ctx);
      const rows: BacktestRow[] = [];
      for (const asOf of [...o.asOf].sort((a, b) => a - b)) {
        const row = await ctx.run.step(`backtest ${new Date(asOf).toISOString()}`, () => backtestAt(ctx, index, o, asOf));
        for (const m of row.metrics) ctx.run.metric(`backtest.${new Date(asOf).toISOString().slice(0, 10)}.${m.system}.ndcg@${o.topK}`, m.ndcg);
        rows.push(row);
      }
      process.stdout.write(`protocol online-retail-30d backtest, horizon ${o.horizon} days\n${formatBacktest(rows)}\n`);
    });
  });
}
