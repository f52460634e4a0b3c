/**
 * `berserkr backtest --as-of T1 --as-of T2 …`: rolling-origin evaluation
 * (`pipeline/backtest.ts`); saves no model and promotes none.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DataCommandOptions } from '../command';
import { utcDay } from '../../lib/format';
import { commonOptions, parseInstant } from '../options';
import { TrainFlags, trainSettings } from '../train-options';

/**
 * `asOf`, unless an earlier `--as-of` names its UTC day: a backtest records its
 * figures by day (`backtest.<YYYY-MM-DD>.…`), so two as-of times of one day would
 * train twice and overwrite each other's figures.
 * @throws InvalidArgumentError quoting `value` and the day.
 */
function distinctDay(asOf: number, value: string, previous: readonly number[]): number {
  if (previous.some((p) => utcDay(p) === utcDay(asOf))) throw new InvalidArgumentError(`"${value}" falls on ${utcDay(asOf)}, the UTC day of an earlier --as-of: give at most one as-of time per day`);
  return asOf;
}

/** Registers `backtest` on `program`. */
export function registerBacktest(program: Command): void {
  const command = program
    .command('backtest')
    .description('rolling-origin backtest: at each --as-of, train on data before it and evaluate on the protocol beside the baselines (saves no model)')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(
      new Option('--as-of <time>', 'as-of time, ISO 8601 (UTC when no zone); repeat the option for several, at most one per UTC day')
        .argParser((value: string, previous: number[] | undefined) => [...(previous ?? []), distinctDay(parseInstant(value), value, previous ?? [])])
        .makeOptionMandatory(),
    )
    .addOption(commonOptions.trainTopK())
    .addOption(commonOptions.horizon())
    .addOption(commonOptions.trainCutoffs())
    .addOption(commonOptions.cutoffStep())
    .addOption(commonOptions.epochs())
    .addOption(commonOptions.trainGroups())
    .addOption(commonOptions.members())
    .addOption(commonOptions.trainThreads())
    .addOption(commonOptions.refit())
    .addOption(commonOptions.seed());
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<DataCommandOptions & TrainFlags & { asOf: number[] }>();
    const { runCommand } = require('../command') as typeof import('../command');
    await runCommand('backtest', o, async (ctx) => {
      const { backtest, formatBacktest } = require('../../pipeline/backtest') as typeof import('../../pipeline/backtest');
      const { metricsByName } = require('../../evaluation/evaluate') as typeof import('../../evaluation/evaluate');
      const { eventsStep } = require('../../features/runner') as typeof import('../../features/runner');
      const index = await eventsStep(ctx);
      const rows = await backtest(ctx, index, trainSettings(o), o.asOf);
      return {
        summary: {
          dataset: ctx.config.name,
          horizonDays: o.horizon,
          k: o.topK,
          asOf: rows.map((r) => ({
            asOf: new Date(r.asOf).toISOString(),
            candidateRecall: r.candidateRecall,
            candidatesPerCustomer: r.candidatesPerCustomer,
            metrics: metricsByName(r.metrics, 'model'),
          })),
        },
        text: `${ctx.config.name} ${o.horizon}-day horizon backtest\n${formatBacktest(rows)}\n`,
      };
    });
  });
}
