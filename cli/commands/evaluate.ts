/**
 * `berserkr evaluate`: the protocol metrics of a published export (top-K lists and
 * all scored pairs) against the truth in the lake, beside the baselines.
 */
import { Command, Option } from 'commander';
import type { DataCommandOptions } from '../command';
import { commonOptions } from '../options';

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
      const { runCommand } = require('../command') as typeof import('../command');
      await runCommand('evaluate', o, async (ctx) => {
        const { evaluateExport } = require('../../evaluation/runner') as typeof import('../../evaluation/runner');
        const { evaluationResult } = require('../evaluation-result') as typeof import('../evaluation-result');
        const { meta, rows } = await evaluateExport(ctx, o.run);
        const { summary, text } = evaluationResult(rows, { dataset: ctx.config.name, modelId: meta.modelId, asOf: Date.parse(meta.asOf), horizonDays: meta.horizonDays });
        return { summary: { export: meta.runId, ...summary }, text };
      });
    });
}
