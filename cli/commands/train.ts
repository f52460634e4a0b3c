/** `berserkr train`: a challenger trained before the as-of time, registered, promoted by the champion/challenger rule. */
import { Command } from 'commander';
import type { DataCommandOptions } from '../command';
import { commonOptions, trainingOptions } from '../options';
import { TrainFlags, trainSettings } from '../train-options';

/** Registers `train` on `program`. */
export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a challenger on cut-offs before the as-of time, save it with its model card to models/<data set>/ and promote it if it beats the champion and the best baseline significantly (paired bootstrap over validation customers)')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config());
  for (const option of trainingOptions()) command.addOption(option);
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<DataCommandOptions & TrainFlags & { asOf?: number }>();
    const { runCommand } = require('../command') as typeof import('../command');
    await runCommand('train', o, async (ctx) => {
      const { eventsStep, resolveAsOf } = require('../../features/runner') as typeof import('../../features/runner');
      const { trainStep } = require('../../training/runner') as typeof import('../../training/runner');
      const index = await eventsStep(ctx);
      const asOf = resolveAsOf(index, o.asOf);
      const result = await trainStep(ctx, index, { ...trainSettings(o), asOf });
      return {
        summary: { dataset: ctx.config.name, asOf: new Date(asOf).toISOString(), modelId: result.modelId, promoted: result.promoted, outcome: result.outcome, decision: result.decision, championId: result.championId },
        text: `${result.modelId}: ${result.decision}\n`,
      };
    });
  });
}
