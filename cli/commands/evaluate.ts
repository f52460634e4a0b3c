/**
 * `berserkr evaluate`: the protocol metrics of a published export (top-K lists and
 * all scored pairs) against the truth in the lake, beside the baselines.
 */
import { Command } from 'commander';
import type { DataCommandOptions } from '../command';
import { commonOptions } from '../options';
import { runIdOption } from './score';

/** Registers `evaluate` on `program`. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('compute the protocol metrics (Recall, Precision, NDCG, HitRate, MAP at K; ECE, log loss) of an export beside the baselines')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(runIdOption('run id of the export to evaluate; default: the latest export of the data set (exports/<data set>/latest.json)'))
    // The name of earlier versions, kept for scripts.
    .addOption(runIdOption('', '--run <id>').hideHelp())
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { runId?: string; run?: string }>();
      const { runCommand } = require('../command') as typeof import('../command');
      await runCommand('evaluate', o, async (ctx) => {
        const { evaluateExport } = require('../../evaluation/runner') as typeof import('../../evaluation/runner');
        const { evaluationResult } = require('../evaluation-result') as typeof import('../evaluation-result');
        const { meta, rows } = await evaluateExport(ctx, o.runId ?? o.run);
        const { summary, text } = evaluationResult(rows, { dataset: ctx.config.name, modelId: meta.modelId, asOf: Date.parse(meta.asOf), horizonDays: meta.horizonDays });
        return { summary: { export: meta.runId, ...summary }, text };
      });
    });
}
