/**
 * `berserkr evaluate`: the protocol metrics of a published export (top-K lists and
 * all scored pairs) against the truth in the lake, beside the baselines.
 */
import { Command, Option } from 'commander';
import { DataCommandOptions, runCommand } from '../command';
import { commonOptions } from '../options';
import { reportEvaluation } from '../steps/evaluate';
import { eventsStep } from '../steps/events';
import { readPublished } from '../steps/published';

/** Registers `evaluate` on `program`. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('compute the protocol metrics (Recall, Precision, NDCG, HitRate, MAP at K; ECE, log loss) of an export beside the baselines')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(new Option('--run <id>', 'run id of the export to evaluate; default: the latest export of the data set (exports/<data set>/latest.json)'))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { run?: string }>();
      await runCommand('evaluate', o, async (ctx) => {
        const index = await eventsStep(ctx);
        const { meta, lists, scored } = await readPublished(ctx, index, o.run);
        const rows = await reportEvaluation(ctx, index, Date.parse(meta.asOf), meta.horizonDays, meta.k, { name: meta.modelId, lists, scored });
        if (rows === undefined) throw new Error(`export of run ${meta.runId} is as of ${meta.asOf}: the data does not reach ${meta.horizonDays} days after it, so there is no truth yet`);
      });
    });
}
