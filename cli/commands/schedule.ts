/**
 * `berserkr schedule`: scheduled retraining. Each tick ingests new raw objects;
 * when new data arrived, there is no champion, or the champion is older than
 * `--max-model-age`, it runs the rest of the pipeline (features, challenger,
 * champion/challenger, scoring, export); otherwise it logs that nothing changed.
 * Ticks come from a cron expression (`--cron`), from bucket notifications
 * (`--on-new-object`, MinIO; elsewhere it says so and polls), or once (`--once`).
 * Each tick is one run with its run record and its output (with `--output json`, one
 * JSON line per tick), under the pipeline lock: a tick that
 * finds the lock held skips. SIGTERM/SIGINT stop after the current step.
 */
import { readFile } from 'fs/promises';
import { Command, Option } from 'commander';
import { RawObjects, RawSelection, skipReason } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import type { Logger } from '../../lib/log';
import { isMinioEndpoint, minioTargetFromEnv } from '../../lib/minio-client';
import { parseCron } from '../../lib/schedule';
import { openStore, parseStoreUri } from '../../lib/store/open';
import { retrainTick } from '../../pipeline/tick';
import { DataCommandOptions, EXIT, runCommand } from '../command';
import { commandLogger, receivedSignal, shutdownSignal, signalExitCode } from '../context';
import { commonOptions, parseDurationOption as duration, parsePositiveInt, trainingOptions } from '../options';
import { pipelineResult } from './run';
import { TrainFlags, trainSettings } from '../train-options';

interface ScheduleOptions extends DataCommandOptions, TrainFlags {
  raw: string;
  asOf?: number;
  cron?: string;
  once?: boolean;
  onNewObject?: boolean;
  maxTicks?: number;
  maxModelAge: number;
  pollInterval: number;
}

/** One tick: a `schedule` run under the lock (skipping when it is held). Returns the tick's exit code. */
async function tick(o: ScheduleOptions, raw: RawObjects): Promise<number> {
  await runCommand(
    'schedule',
    o,
    async (ctx) => {
      const result = await retrainTick(ctx, raw, { asOf: o.asOf, training: trainSettings(o), maxModelAgeMs: o.maxModelAge });
      const code = result.failedObjects.length > 0 ? EXIT.partial : EXIT.ok;
      if (result.pipeline === undefined) return { code, summary: { dataset: ctx.config.name, retrained: false, failedObjects: result.failedObjects } };
      const { summary, text } = pipelineResult(ctx.config.name, o.horizon, result.pipeline);
      return { code, summary: { retrained: true, ...summary }, text };
    },
    'skip',
  );
  return Number(process.exitCode ?? EXIT.ok);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Keys and ETags of the raw objects ingest takes (`raw.pattern`, `csv.compression`), to notice arrivals when polling. */
async function rawState(raw: RawObjects, selection: RawSelection): Promise<string> {
  return (await raw.select(selection)).taken.map((i) => `${i.key}\t${i.etag}`).join('\n');
}

/**
 * Event mode: one tick now, then one per arrival of new raw objects, learnt from
 * MinIO bucket notifications (`s3:ObjectCreated:*`, of the objects ingest takes) where the raw
 * store is S3 and the server supports them (they wake it at once), and from
 * listing the raw store every `--poll-interval` (the only source elsewhere, and
 * a safety net for lost notifications). The listener and the listing snapshot are taken before the
 * first tick, so an object landing during a tick starts another one. Ticks run
 * one after another.
 */
async function watchRaw(o: ScheduleOptions, raw: RawObjects, selection: RawSelection, log: Logger, signal: AbortSignal, onTick: () => Promise<void>): Promise<void> {
  let wake: () => void = () => undefined;
  let pending = false;
  const arrived = (): void => {
    pending = true;
    wake();
  };
  let stopListening = (): void => undefined;
  const target = parseStoreUri(o.raw).kind === 's3' ? minioTargetFromEnv(o.raw, process.env) : undefined;
  if (target !== undefined && (await isMinioEndpoint(target.endpoint))) {
    const skips = skipReason(selection);
    const poller = target.client.listenBucketNotification(target.bucket, target.prefix, '', ['s3:ObjectCreated:*']);
    poller.on('notification', (record: unknown) => {
      const object = (record as { s3?: { object?: { key?: string } } }).s3?.object?.key;
      // Event keys are URL-encoded, with a space as "+"; the raw store's keys are relative to its prefix.
      const key = object === undefined ? undefined : decodeURIComponent(object.replace(/\+/g, ' ')).slice(target.prefix.length);
      if (key !== undefined && skips(key) !== undefined) return;
      log.info({ event: (record as { eventName?: string }).eventName, object }, 'bucket notification: new raw object');
      arrived();
    });
    poller.on('error', (error: unknown) => log.warn({ err: error }, `bucket notifications from ${o.raw} failed; the listing poll every ${o.pollInterval} ms goes on`));
    stopListening = () => poller.stop();
    log.info(`listening to bucket notifications of ${o.raw} (MinIO at ${target.endpoint}), and listing it every ${o.pollInterval} ms`);
  } else if (target !== undefined) {
    log.info(`bucket notifications need MinIO; ${target.endpoint} is not a MinIO server (no /minio/health/live): polling ${o.raw} every ${o.pollInterval} ms`);
  } else {
    log.info(`bucket notifications need a MinIO raw bucket; ${o.raw} is a local folder: polling every ${o.pollInterval} ms`);
  }
  let last = await rawState(raw, selection);
  let ticks = 0;
  try {
    await onTick();
    while (!signal.aborted && (o.maxTicks === undefined || ticks < o.maxTicks)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (pending) resolve();
        void pause(o.pollInterval, signal).then(resolve);
      });
      if (signal.aborted) break;
      const now = await rawState(raw, selection);
      if (!pending && now === last) continue;
      pending = false;
      last = now;
      ticks++;
      await onTick();
    }
  } finally {
    stopListening();
  }
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
    .addOption(new Option('--max-model-age <duration>', 'retrain when the champion is this old even without new data (e.g. 7d, 12h)').default(duration('7d'), '7d').argParser(duration))
    .addOption(new Option('--poll-interval <duration>', 'listing interval of --on-new-object without notifications').default(duration('60s'), '60s').argParser(duration))
    .addOption(commonOptions.raw())
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config());
  for (const option of trainingOptions()) command.addOption(option);
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<ScheduleOptions>();
    const log = commandLogger(o, 'schedule');
    const modes = [o.cron !== undefined, o.onNewObject === true, o.once === true].filter(Boolean).length;
    if (modes !== 1) {
      log.error('expected exactly one of --cron <expr>, --on-new-object or --once');
      process.exitCode = EXIT.usage;
      return;
    }
    const cron = o.cron === undefined ? undefined : parseCron(o.cron);
    const raw = new RawObjects(openStore(o.raw));
    const signal = shutdownSignal(log);
    let code: number = EXIT.ok;
    if (o.once) code = await tick(o, raw);
    else if (o.onNewObject) {
      let selection: RawSelection;
      try {
        selection = loadConfig(await readFile(o.config, 'utf8'), o.config);
      } catch (error) {
        log.error({ err: error }, `cannot read the data-set configuration: ${(error as Error).message}`);
        process.exitCode = EXIT.usage;
        return;
      }
      await watchRaw(o, raw, selection, log, signal, async () => {
        code = await tick(o, raw);
      });
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
        code = await tick(o, raw);
      }
    }
    const stoppedBy = receivedSignal();
    process.exitCode = stoppedBy !== undefined ? signalExitCode(stoppedBy) : code;
  });
}
