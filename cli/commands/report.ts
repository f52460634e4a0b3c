/** `berserkr report [run-id]`: the HTML report of a scoring run, written beside its run record. */
import { Command } from 'commander';
import type { DataCommandOptions } from '../command';
import { commonOptions } from '../options';
import { parseRunIdArgument } from './score';

/** Registers `report` on `program`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('[run-id]', 'run whose export to report on; default: the run of the latest export of the data set', parseRunIdArgument)
    .description('write a self-contained HTML report (lineage, metrics beside baselines, ROC, PR, calibration, gains, Recall/NDCG@K) to runs/<data set>/<run-id>.html and print its location')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .action(async (runIdArg: string | undefined, _opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions>();
      const { runCommand } = require('../command') as typeof import('../command');
      await runCommand('report', { ...o, runId: runIdArg ?? null }, async (ctx) => {
        const { reportOnRun } = require('../../report/runner') as typeof import('../../report/runner');
        const uri = await reportOnRun(ctx, runIdArg);
        return { summary: { report: uri }, text: `${uri}\n` };
      });
    });
}
