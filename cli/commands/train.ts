/** `berserkr train`: a challenger trained before the as-of time, registered, promoted by the champion/challenger rule. */
import { Command } from 'commander';
import { DataCommandOptions, runCommand } from '../command';
import { commonOptions } from '../options';
import { eventsStep, resolveAsOf } from '../steps/events';
import { trainStep } from '../steps/train';

/** Registers `train` on `program`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a challenger on monthly cut-offs before the as-of time, save it to models/ and promote it if it beats the champion and the baselines')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(commonOptions.asOf())
    .addOption(commonOptions.topK())
    .addOption(commonOptions.horizon())
    .addOption(commonOptions.trainCutoffs())
    .addOption(commonOptions.maxEpochs())
    .addOption(commonOptions.seed())
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { asOf?: number; topK: number; horizon: number; trainCutoffs: number; maxEpochs: number; seed: number }>();
      await runCommand('train', o, async (ctx) => {
        const index = await eventsStep(ctx);
        const result = await trainStep(ctx, index, {
          asOf: resolveAsOf(index, o.asOf),
          horizonDays: o.horizon,
          trainCutoffs: o.trainCutoffs,
          k: o.topK,
          seed: o.seed,
          train: { maxEpochs: o.maxEpochs },
        });
        process.stdout.write(`${result.modelId}: ${result.decision}\n`);
      });
    });
}
