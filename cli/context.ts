/**
 * What every command starts from: a logger, progress bars, the raw and lake
 * stores resolved from their URIs, the data-set configuration, a run recorder
 * and the stop signal. This is the edge where URIs, files, the environment and
 * process signals become objects; the stages below it only see stores, tables
 * and typed columns.
 */
import { Catalog, LakeLayoutError } from '../lib/catalog';
import { configHash, readConfig } from '../lib/config';
import { RunInterruptedError, stopReason, turnEventLoop } from '../lib/interrupt';
import { createLogger, Logger, parseLogFormat, parseLogLevel, routeProcessWarnings } from '../lib/log';
import { createProgress, loggedProgress, type Progress } from '../lib/progress';
import { detectCodeVersion, RunParams, RunRecorder, RunStart } from '../lib/runs';
import { NO_LOCK_FENCE, type LockFence, type StageContext } from '../lib/stage-context';
import { openStore } from '../lib/store/open';
import { checkLocations, renamedVariableWarnings } from './locations';

/** Global options of the `berserkr` program. */
export interface GlobalOptions {
  logFormat: string;
  logLevel: string;
  /** `--output`: `text` (default) or `json`, see `cli/output.ts`. */
  output?: string;
  /** `--verbose`: debug logs, and the stacks of errors in `pretty` logs. */
  verbose?: boolean;
}

/**
 * The logger of command `command` from the global options (`--verbose` lowers an
 * `info` level to `debug`), with the process's warnings routed through it
 * (`routeProcessWarnings`).
 * @throws LogOptionError for a bad format or level.
 */
export function commandLogger(options: GlobalOptions, command: string, progress?: Progress): Logger {
  const level = parseLogLevel(options.logLevel);
  const log = createLogger({
    format: parseLogFormat(options.logFormat),
    level: options.verbose === true && level === 'info' ? 'debug' : level,
    stacks: options.verbose === true ? true : undefined,
    progress,
  }).child({ command });
  routeProcessWarnings(log);
  return log;
}

/** What a command runs with: the context of the stages' runners (`lib/stage-context.ts`). */
export type CommandContext = StageContext;

/** The error a command stops with when asked to (`lib/interrupt.ts`, where the stages find it too). */
export { RunInterruptedError };

/**
 * A run recorder that refuses to start a step once `signal` is aborted, so an
 * interrupted command ends between steps. Every step publishes its outputs
 * atomically (design.md, "Writes are all-or-nothing"), so stopping there leaves
 * nothing half-written. Before it decides, it lets the event loop turn
 * (`turnEventLoop`): a signal that arrived while the previous step computed
 * synchronously (its handler had no chance to run) still stops the run before
 * this step, not after it.
 */
export class InterruptibleRunRecorder extends RunRecorder {
  constructor(start: RunStart, private readonly signal: AbortSignal) {
    super(start);
  }

  override async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    await turnEventLoop();
    if (this.signal.aborted) throw new RunInterruptedError(name, stopReason(this.signal));
    return super.step(name, fn);
  }
}

/** The signal a command was asked to stop with, or undefined. */
let received: NodeJS.Signals | undefined;
let shutdown: AbortController | undefined;
/** What a second signal does before the process exits at once: {@link onForcedExit}. */
let forcedExit: ((signal: NodeJS.Signals) => void) | undefined;

/**
 * Sets what a second SIGTERM/SIGINT does just before the process exits at once
 * ({@link shutdownSignal}): the running command prints its summary there, so that
 * `--output json` still holds one JSON object. Undefined clears it.
 */
export function onForcedExit(hook: ((signal: NodeJS.Signals) => void) | undefined): void {
  forcedExit = hook;
}

/**
 * The process-wide stop signal: the first SIGTERM or SIGINT aborts it (the
 * command finishes its current step, or stops a long one between its units of
 * work, writes its run record, releases its lock and exits with 128 + the signal
 * number); a second one exits at once, as soon as the event loop runs its
 * handler, after the hook of {@link onForcedExit} (the command's summary). Object writes are atomic, so even then no object is half-written; a
 * held lock then stays until its lease expires, and the run record `running`.
 * @param log where the two notices go.
 */
export function shutdownSignal(log: Logger): AbortSignal {
  if (shutdown === undefined) {
    const controller = new AbortController();
    shutdown = controller;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received === undefined) {
        received = signal;
        log.warn({ signal }, `${signal}: stopping after the current step (send it again to exit now)`);
        controller.abort(new Error(`received ${signal}`));
      } else {
        log.error({ signal }, `${signal} again: exiting now`);
        forcedExit?.(signal);
        process.exit(signalExitCode(signal));
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return shutdown.signal;
}

/** Exit code of a process stopped by `signal`: 128 + its number (SIGINT 130, SIGTERM 143), as shells report it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (signal === 'SIGINT' ? 2 : 15);
}

/** The signal received by {@link shutdownSignal}'s handlers, if any. */
export function receivedSignal(): NodeJS.Signals | undefined {
  return received;
}

/** The commands that may start on a lake folder that does not exist yet: the others read what these wrote. */
const LAKE_MAKERS: ReadonlySet<string> = new Set(['ingest', 'run', 'schedule']);

/**
 * Opens the pieces a command needs, after checking the locations it is given
 * (`options.raw` only when the command reads raw objects) and the lake's
 * layout. Logs a warning for each variable of earlier versions that is set but
 * not read (`RENAMED_VARIABLES`), then the locations in one line,
 * `using raw=… lake=… config=… dataset=…` (fields of the same names in JSON;
 * `raw` only for commands that read raw objects). Progress bars and `pretty`
 * log lines share the terminal (log lines print above the bars); without bars
 * (JSON logs, stderr not a terminal), long steps log their progress now and
 * then (`loggedProgress`).
 * @param signal extra stop signal (e.g. a lost lock), combined with the process's.
 * @param fence the context's `fence` (`lib/stage-context.ts`): the lock check of a command that takes the
 *   lock ({@link NO_LOCK_FENCE}, the default, for one that takes none).
 * @throws LocationError for a lake that is a file, a lake folder that does not exist for a command
 *   other than ingest, run and schedule, or a missing raw folder or bucket, LakeLayoutError
 *   for a lake of one data set per lake, and configuration errors: the caller exits with bad usage (2), nothing ran.
 */
export async function openContext(
  command: string,
  options: GlobalOptions & { lake: string; config: string; raw?: string },
  params: RunParams,
  signal?: AbortSignal,
  fence: LockFence = NO_LOCK_FENCE,
): Promise<CommandContext> {
  const bars = createProgress({ format: parseLogFormat(options.logFormat) });
  const log = commandLogger(options, command, bars);
  const progress = bars.enabled ? bars : loggedProgress(log);
  const code = detectCodeVersion(); // git runs while the locations and the configuration are read
  code.catch(() => undefined); // observed below; a location error may end the command first
  await checkLocations(options, process.env, !LAKE_MAKERS.has(command));
  const config = await readConfig(options.config);
  const catalog = new Catalog(openStore(options.lake), config.name);
  await catalog.checkLayout().catch((error: unknown) => {
    // A lake it cannot read is left to the command, which reports it with retries (as checkLocations does).
    if (error instanceof LakeLayoutError) throw error;
  });
  for (const { message, ...fields } of renamedVariableWarnings()) log.warn(fields, message);
  log.info({ ...(options.raw === undefined ? {} : { raw: options.raw }), lake: options.lake, config: options.config, dataset: config.name }, 'using');
  const stop = signal === undefined ? shutdownSignal(log) : AbortSignal.any([shutdownSignal(log), signal]);
  const run = new InterruptibleRunRecorder({ command, params, code: await code, config: { path: options.config, sha256: configHash(config) } }, stop);
  return { log, progress, catalog, config, run, signal: stop, fence };
}
