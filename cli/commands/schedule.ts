/**
 * `berserkr schedule`: scheduled retraining. Each tick ingests new raw objects;
 * when new data arrived, there is no champion (or none that can score), or the champion is older than
 * `--max-model-age`, it runs the rest of the pipeline (features, challenger,
 * champion/challenger, scoring, export); otherwise it logs that nothing changed.
 * Ticks come from a cron expression (`--cron`), from bucket notifications
 * (`--on-new-object`, MinIO; elsewhere it says so and polls), or once (`--once`).
 * Each tick is one run with its run record and its output (a line saying what it decided
 * and why, or with `--output json` one JSON line per tick), under the pipeline lock: a tick that
 * finds the lock held skips. SIGTERM/SIGINT stop after the current step.
 */
import { Command, Option } from 'commander';
import type { RawObjects, RawSelection } from '../../lib/catalog';
import { parseCron } from '../../lib/schedule';
import type { DataCommandOptions } from '../command';
import type { CommandResult } from '../output';
import type { TickResult } from '../../pipeline/tick';
import { EXIT, UsageError } from '../exit';
import { IngestFlags, ingestOptions, ingestStepOptions } from '../ingest-options';
import { commonOptions, parseDurationOption as duration, parseIntervalOption, parsePositiveInt, trainingOptions } from '../options';
import { pipelineResult } from './run';
import { TrainFlags, trainSettings } from '../train-options';

interface ScheduleOptions extends DataCommandOptions, TrainFlags, IngestFlags {
  raw: string;
  asOf?: number;
  cron?: string;
  once?: boolean;
  onNewObject?: boolean;
  maxTicks?: number;
  maxModelAge: number;
  pollInterval: number;
}

/**
 * What a `schedule` tick reports. The text starts with one line saying what the tick
 * decided and why (`decideRetrain`'s reason, the summary's `reason`): `retrained: <reason>`,
 * followed by what a retraining reports ({@link pipelineResult}), or `not retrained: <reason>`;
 * then a line naming the raw objects that failed to ingest, and one naming those of another
 * `csv`/`columns` configuration, when there are any. The summary has `retrained`, `reason`, the
 * objects that failed to ingest and those of another configuration, and the pipeline's fields when it retrained.
 * @param dataset the data set's name; @param horizonDays the horizon used.
 */
export function tickResult(dataset: string, horizonDays: number, result: TickResult): Required<Pick<CommandResult, 'summary' | 'text'>> {
  const objects = (result.failedObjects.length > 0 ? `failed to ingest: ${result.failedObjects.join(', ')}\n` : '')
    + (result.otherConfiguration.length > 0 ? `of another csv/columns configuration: ${result.otherConfiguration.join(', ')}\n` : '');
  if (result.pipeline === undefined) {
    return {
      summary: { dataset, retrained: false, reason: result.reason, failedObjects: result.failedObjects, otherConfiguration: result.otherConfiguration },
      text: `not retrained: ${result.reason}\n${objects}`,
    };
  }
  const { summary, text } = pipelineResult(dataset, horizonDays, result.pipeline);
  return { summary: { retrained: true, reason: result.reason, ...summary, otherConfiguration: result.otherConfiguration }, text: `retrained: ${result.reason}\n${text}${objects}` };
}

/** One tick: a `schedule` run under the lock (skipping when it is held). Returns the tick's exit code. */
async function tick(o: ScheduleOptions, raw: RawObjects): Promise<number> {
  const { runCommand } = require('../command') as typeof import('../command');
  const { retrainTick } = require('../../pipeline/tick') as typeof import('../../pipeline/tick');
  await runCommand(
    'schedule',
    o,
    async (ctx) => {
      const result = await retrainTick(ctx, raw, { asOf: o.asOf, ingest: ingestStepOptions(o), training: trainSettings(o), maxModelAgeMs: o.maxModelAge });
      const code = result.failedObjects.length > 0 || result.otherConfiguration.length > 0 ? EXIT.partial : EXIT.ok;
      return { code, ...tickResult(ctx.config.name, o.horizon, result) };
    },
    'skip',
  );
  return Number(process.exitCode ?? EXIT.ok);
}

/**
 * Checks that exactly one of `--cron`, `--on-new-object` and `--once` says when ticks run.
 * @throws UsageError naming the modes given (none, or the clashing ones) and the three to choose from.
 */
export function checkMode(o: Pick<ScheduleOptions, 'cron' | 'onNewObject' | 'once'>): void {
  const given = [o.cron !== undefined && `--cron ${JSON.stringify(o.cron)}`, o.onNewObject === true && '--on-new-object', o.once === true && '--once'].filter((m): m is string => typeof m === 'string');
  if (given.length === 1) return;
  throw new UsageError(
    `expected exactly one of --cron <expr>, --on-new-object or --once, got ${given.length === 0 ? 'none' : given.join(' and ')}: `
      + 'give --once for one tick now, --cron "<expr>" to tick on a cron expression (e.g. --cron "0 3 * * *"), or --on-new-object to tick when a raw object lands',
  );
}

/** Exit codes of ticks from the most to the least severe: a scheduler ending after several ticks exits with its worst. */
const TICK_SEVERITY: readonly number[] = [EXIT.failed, EXIT.usage, EXIT.partial, EXIT.busy, EXIT.ok];

/** The more severe of two ticks' exit codes ({@link TICK_SEVERITY}; a code not listed, such as a signal's, first). */
export function worseTickCode(a: number, b: number): number {
  const rank = (code: number): number => TICK_SEVERITY.indexOf(code);
  return rank(a) <= rank(b) ? a : b;
}

/** Registers `schedule` on `program`. */
export function registerSchedule(program: Command): void {
  const command = program
    .command('schedule')
    .description('scheduled retraining: on each tick ingest new raw objects, and when data arrived or the champion is too old, train a challenger, promote by the champion/challenger rule, score and export')
    .addOption(new Option('--cron <expr>', 'tick on this cron expression (UTC; 5 or 6 fields, e.g. "0 3 * * *")'))
    .addOption(new Option('--on-new-object', 'tick when a raw object lands (MinIO bucket notifications; elsewhere polling)'))
    .addOption(new Option('--once', 'one tick now, then exit with its code'))
    .addOption(new Option('--max-ticks <n>', 'stop after this many ticks (with --on-new-object: arrivals, after the first tick); default until SIGTERM/SIGINT').argParser(parsePositiveInt))
    .addOption(new Option('--max-model-age <duration>', 'retrain when the champion was promoted, or last kept by a training that challenged it, this long ago, even without new data (e.g. 7d, 12h)').default(duration('7d'), '7d').argParser(duration))
    .addOption(new Option('--poll-interval <duration>', 'listing interval of --on-new-object without notifications, at most 24d').default(duration('60s'), '60s').argParser(parseIntervalOption))
    .addOption(commonOptions.raw())
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config());
  for (const option of [...ingestOptions(), ...trainingOptions()]) command.addOption(option);
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<ScheduleOptions>();
    const { commandLogger, receivedSignal, shutdownSignal, signalExitCode } = require('../context') as typeof import('../context');
    const { RawObjects } = require('../../lib/catalog') as typeof import('../../lib/catalog');
    const { readConfig } = require('../../lib/config') as typeof import('../../lib/config');
    const { openStore } = require('../../lib/store/open') as typeof import('../../lib/store/open');
    const { pause, watchRaw } = require('../../pipeline/watch') as typeof import('../../pipeline/watch');
    const log = commandLogger(o, 'schedule');
    // Errors found before the first tick are thrown: main reports them (stderr, and with --output json the
    // summary `{"runId":null,"status":"failed","exitCode":2,…}`) as for every command that stops before it runs.
    checkMode(o);
    // Options a mode would ignore are bad usage: the operator meant something by them.
    if (o.asOf !== undefined && !o.once) cmd.error('error: --as-of would pin every tick to one as-of time, so no tick would train on newer data; it is for a tick now, --once');
    if (o.maxTicks !== undefined && o.once) cmd.error('error: --max-ticks is for --cron and --on-new-object; --once is one tick');
    if (cmd.getOptionValueSource('pollInterval') !== 'default' && !o.onNewObject) cmd.error('error: --poll-interval is the listing interval of --on-new-object');
    const cron = o.cron === undefined ? undefined : parseCron(o.cron);
    // A scheduler that waits for its first tick checks its locations and configuration first, not hours later.
    let selection: RawSelection | undefined;
    if (!o.once) {
      const { checkLocations } = require('../locations') as typeof import('../locations');
      await checkLocations({ lake: o.lake, raw: o.raw });
      selection = await readConfig(o.config);
      const { lockSettings, lockWaitMs } = require('../command') as typeof import('../command');
      lockSettings(process.env);
      lockWaitMs(process.env);
    }
    const raw = new RawObjects(openStore(o.raw));
    const signal = shutdownSignal(log);
    let code: number = EXIT.ok;
    if (o.once) code = await tick(o, raw);
    else if (o.onNewObject && selection !== undefined) {
      try {
        await watchRaw(o, raw, selection, log, signal, async () => {
          code = worseTickCode(code, await tick(o, raw));
        });
      } catch (error) {
        // The raw store failed while being watched (after its retries): a failure, not bad usage.
        log.error({ err: error }, `watching ${o.raw} failed: ${(error as Error).message}`);
        code = worseTickCode(code, EXIT.failed);
      }
    } else if (cron !== undefined) {
      for (let ticks = 0; !signal.aborted && (o.maxTicks === undefined || ticks < o.maxTicks); ticks++) {
        const next = cron.nextRun();
        if (next === null) {
          log.info(`cron expression ${JSON.stringify(o.cron)} has no further run time`);
          break;
        }
        log.info({ next: next.toISOString() }, `next tick at ${next.toISOString()}`);
        await pause(next.getTime() - Date.now(), signal);
        if (signal.aborted) break;
        code = worseTickCode(code, await tick(o, raw));
      }
    }
    const stoppedBy = receivedSignal();
    process.exitCode = stoppedBy !== undefined ? signalExitCode(stoppedBy) : code;
  });
}
