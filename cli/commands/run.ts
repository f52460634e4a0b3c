/** `berserkr run`: every stage once — ingest, features, train, score, export, evaluate, report. */
import { Command } from 'commander';
import { openStore } from '../../lib/store/open';
import { DataCommandOptions, EXIT, runCommand } from '../command';
import { commonOptions, trainingOptions } from '../options';
import { reportEvaluation } from '../steps/evaluate';
import { eventsStep, resolveAsOf } from '../steps/events';
import { ingestStep } from '../steps/ingest';
import { reportStep } from '../steps/report';
import { scoreStep } from '../steps/score';
import { TrainFlags, trainStep, trainStepOptions } from '../steps/train';

/** Registers `run` on `program`. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('ingest new raw objects, build features, train a challenger, score and export top-K lists; with --as-of inside the data, evaluate on the protocol')
    .addOption(commonOptions.raw())
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config());
  for (const option of trainingOptions()) command.addOption(option);
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<DataCommandOptions & TrainFlags & { raw: string; asOf?: number }>();
    await runCommand('run', o, async (ctx) => {
      const ingest = await ingestStep(ctx, openStore(o.raw));
      const index = await eventsStep(ctx);
      const asOf = resolveAsOf(index, o.asOf);
      const trained = await trainStep(ctx, index, trainStepOptions(o, asOf));
      const scored = await scoreStep(ctx, index, { asOf, horizonDays: o.horizon, k: o.topK, modelId: trained.championId });
      const metrics = await reportEvaluation(ctx, index, asOf, o.horizon, o.topK, { name: trained.championId, lists: scored.lists, scored: scored.scored });
      const uri = await reportStep(ctx, index, {
        runId: ctx.run.runId,
        record: ctx.run.snapshot(),
        asOf,
        horizonDays: o.horizon,
        k: o.topK,
        modelId: trained.championId,
        scored: scored.scored,
        metrics,
      });
      process.stdout.write(`export ${ctx.lake.uri.replace(/\/$/, '')}/${scored.exportKey}\nreport ${uri}\n`);
      return ingest.failed.length > 0 ? EXIT.partial : EXIT.ok;
    });
  });
}
