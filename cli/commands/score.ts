/** `berserkr score`: score the candidates at the as-of time with a registered model and export top-K lists. */
import { Command, Option } from 'commander';
import { readChampion } from '../../training/registry';
import { DataCommandOptions, runCommand } from '../command';
import { commonOptions } from '../options';
import { eventsStep, resolveAsOf } from '../steps/events';
import { reportEvaluation } from '../steps/evaluate';
import { scoreStep } from '../steps/score';

/** Registers `score` on `program`. */
export function registerScore(program: Command): void {
  program
    .command('score')
    .description('score candidate pairs at the as-of time with the champion (or --model) and publish scores/ and exports/ (exports/latest/ last)')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(commonOptions.asOf())
    .addOption(commonOptions.topK())
    .addOption(commonOptions.horizon())
    .addOption(new Option('--model <id>', 'model id under models/; default: the champion of models/champion.json'))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { asOf?: number; topK: number; horizon: number; model?: string }>();
      await runCommand('score', o, async (ctx) => {
        const modelId = o.model ?? (await readChampion(ctx.lake))?.modelId;
        if (modelId === undefined) throw new Error(`no champion in ${ctx.lake.uri}: train a model first (berserkr train) or pass --model`);
        const index = await eventsStep(ctx);
        const asOf = resolveAsOf(index, o.asOf);
        const scored = await scoreStep(ctx, index, { asOf, horizonDays: o.horizon, k: o.topK, modelId });
        await reportEvaluation(ctx, index, asOf, o.horizon, o.topK, { name: modelId, lists: scored.lists, scored: scored.scored });
      });
    });
}
