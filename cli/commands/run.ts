/** `berserkr run`: every stage once — ingest, features, train, score, export, evaluate, report. */
import { Command } from 'commander';
import type { DataCommandOptions } from '../command';
import { evaluationResult } from '../evaluation-result';
import { EXIT } from '../exit';
import { IngestFlags, ingestOptions, ingestStepOptions } from '../ingest-options';
import { commonOptions, trainingOptions } from '../options';
import type { CommandResult } from '../output';
import type { PipelineResult } from '../../pipeline/runner';
import { TrainFlags, trainSettings } from '../train-options';

/**
 * What `run` and a retraining `schedule` tick report: the promotion decision
 * (what it did and why, with its figures), the export and report, the model
 * scored with, the raw objects that failed, and the evaluation when there is one.
 * @param dataset the data set's name; @param horizonDays the horizon used.
 */
export function pipelineResult(dataset: string, horizonDays: number, result: PipelineResult): Required<Pick<CommandResult, 'summary' | 'text'>> {
  const evaluation = result.evaluation === undefined ? undefined : evaluationResult(result.evaluation, { dataset, modelId: result.modelId, asOf: result.asOf, horizonDays });
  return {
    summary: {
      dataset,
      asOf: new Date(result.asOf).toISOString(),
      modelId: result.modelId,
      outcome: result.outcome,
      decision: result.decision,
      export: result.exportUri,
      report: result.reportUri,
      failedObjects: result.failedObjects,
      evaluation: evaluation?.summary ?? null,
    },
    text: `decision ${result.decision}\n${evaluation?.text ?? ''}export ${result.exportUri}\nreport ${result.reportUri}\n`,
  };
}

/** Registers `run` on `program`. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('ingest new raw objects, build features, train a challenger, score and export top-K lists; with --as-of inside the data, evaluate on the protocol')
    .addOption(commonOptions.raw())
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config());
  for (const option of [...ingestOptions(), ...trainingOptions()]) command.addOption(option);
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<DataCommandOptions & TrainFlags & IngestFlags & { raw: string; asOf?: number }>();
    const { runCommand } = require('../command') as typeof import('../command');
    await runCommand('run', o, async (ctx) => {
      const { runPipeline } = require('../../pipeline/runner') as typeof import('../../pipeline/runner');
      const { RawObjects } = require('../../lib/catalog') as typeof import('../../lib/catalog');
      const { openStore } = require('../../lib/store/open') as typeof import('../../lib/store/open');
      const result = await runPipeline(ctx, new RawObjects(openStore(o.raw)), {
        asOf: o.asOf,
        ingest: ingestStepOptions(o),
        training: trainSettings(o),
      });
      return { code: result.failedObjects.length > 0 ? EXIT.partial : EXIT.ok, ...pipelineResult(ctx.config.name, o.horizon, result) };
    });
  });
}
