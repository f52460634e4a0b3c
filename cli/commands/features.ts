/** `berserkr features`: candidate pairs and their features at an as-of time, written to the lake. */
import { Command } from 'commander';
import { DataCommandOptions, runCommand } from '../command';
import { commonOptions } from '../options';
import { eventsStep, resolveAsOf } from '../steps/events';
import { featuresStep } from '../steps/features';

/** Registers `features` on `program`. */
export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description('build candidate customer-item pairs and their features at the as-of time into features/<dataset>/<as-of>/')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(commonOptions.asOf())
    .addOption(commonOptions.horizon())
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { asOf?: number; horizon: number }>();
      await runCommand('features', o, async (ctx) => {
        const index = await eventsStep(ctx);
        await featuresStep(ctx, index, resolveAsOf(index, o.asOf), o.horizon);
      });
    });
}
