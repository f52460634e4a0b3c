/**
 * The frame every data command runs in: open the context, take the pipeline
 * lock when the command needs it, run the body, write the run record whatever
 * happens, release the lock, and turn the outcome into an exit code scripts
 * can trust.
 */
import { acquireLock, currentOwner, describeOwner, HeldLock, LockLostError, LockOptions, MIN_LEASE_MS, tryAcquireLock } from '../lib/lock';
import type { LockRecord } from '../lib/catalog';
import type { Logger } from '../lib/log';
import { RunParams, RunRecorder } from '../lib/runs';
import type { LockFence } from '../lib/stage-context';
import { MAX_TIMER_MS, parseDuration } from '../lib/schedule';
import { CommandContext, GlobalOptions, onForcedExit, openContext, receivedSignal, signalExitCode } from './context';
import { CommandResult, OutputFormat, printResult } from './output';
import { gcStep } from '../pipeline/gc';
import { EXIT, exitCodeOf, UsageError } from './exit';


/** Options every data command has. */
export interface DataCommandOptions extends GlobalOptions {
  lake: string;
  config: string;
}

/**
 * How a command takes the pipeline lock (`locks/<data set>.json`, see lib/lock.ts):
 * `wait` until it is free, `skip` the run when it is held, or `none`.
 */
export type LockMode = 'wait' | 'skip' | 'none';

/** Commands that run the whole pipeline: they clean up the leftovers of killed runs when they start. */
const PIPELINE_COMMANDS = new Set(['run', 'schedule']);

/**
 * Commands that take the lock (`wait`) unless told otherwise: the pipeline's;
 * `ingest`, which rewrites the ledger as the pipeline's ingest does (two writers
 * of one ledger lose each other's entries, and one deletes the parts the other
 * is about to publish); and `train`, which reads the champion, compares, then
 * replaces it (beside a pipeline's training, one promotion would be lost).
 */
const WAITING_COMMANDS = new Set([...PIPELINE_COMMANDS, 'ingest', 'train']);

/** Commands that run only under the pipeline lock: those of {@link WAITING_COMMANDS} and `gc`. */
export const LOCKED_COMMANDS: ReadonlySet<string> = new Set([...WAITING_COMMANDS, 'gc']);

/**
 * Lease and settle time of the lock from `BERSERKR_LOCK_LEASE` (default 2m, at
 * least 10s: {@link MIN_LEASE_MS}) and `BERSERKR_LOCK_SETTLE` (default 2s, less than
 * a third of the lease), durations such as `30s` or `500ms`.
 * @throws DurationError quoting a bad value; UsageError quoting a lease below the minimum
 *   or a settle time of a third of the lease or more.
 */
export function lockSettings(env: NodeJS.ProcessEnv): Required<Pick<LockOptions, 'leaseMs' | 'settleMs'>> {
  const lease = env.BERSERKR_LOCK_LEASE || '2m';
  const leaseMs = parseDuration(lease, 'BERSERKR_LOCK_LEASE');
  if (leaseMs < MIN_LEASE_MS) {
    throw new UsageError(
      `BERSERKR_LOCK_LEASE: lease ${JSON.stringify(lease)} is too short: expected at least ${MIN_LEASE_MS / 1000}s, `
        + 'since the lease is renewed every third of it and a renewal slowed by the store must land before it ends, or another run takes the lock over',
    );
  }
  const settle = env.BERSERKR_LOCK_SETTLE || '2s';
  const settleMs = parseDuration(settle, 'BERSERKR_LOCK_SETTLE');
  if (settleMs >= leaseMs / 3) {
    throw new UsageError(
      `BERSERKR_LOCK_SETTLE: settle time ${JSON.stringify(settle)} is too long for the lease ${JSON.stringify(lease)}: expected less than a third of it (${Math.round(leaseMs / 3000)}s), `
        + 'since the lock is owned only after the settle and its lease, written before it, must not end before the first renewal',
    );
  }
  return { leaseMs, settleMs };
}

/**
 * How long a command waits for a held lock before it gives up, exit 4 with nothing run,
 * from `BERSERKR_LOCK_WAIT` (a duration such as `10m`); undefined, waiting as long as it
 * takes, when unset or empty, or longer than about 24.8 days (2^31 − 1 ms, what a timer holds).
 * @throws DurationError quoting a bad value.
 */
export function lockWaitMs(env: NodeJS.ProcessEnv): number | undefined {
  const ms = env.BERSERKR_LOCK_WAIT ? parseDuration(env.BERSERKR_LOCK_WAIT, 'BERSERKR_LOCK_WAIT') : undefined;
  return ms === undefined || ms > MAX_TIMER_MS ? undefined : ms;
}

/** Options that hold instants (ms since the epoch, from `parseInstant`): recorded as ISO 8601 strings. */
const INSTANT_OPTIONS = new Set(['asOf']);

/** ISO 8601 UTC of an instant option's value (one instant, or a list of them comma-separated). */
function instantParam(value: unknown): string {
  return (Array.isArray(value) ? value : [value]).map((ms) => new Date(Number(ms)).toISOString()).join(',');
}

/**
 * Values safe to record as run parameters (URIs hold no credentials; those come
 * from the environment), instants as ISO 8601 strings; the output and log options are left out.
 */
export function toParams(options: object): RunParams {
  const params: RunParams = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || ['logFormat', 'logLevel', 'output', 'verbose'].includes(k)) continue;
    if (INSTANT_OPTIONS.has(k)) params[k] = instantParam(v);
    else params[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : JSON.stringify(v);
  }
  return params;
}

/** The run status of a finished command's exit code. */
export function finishStatus(code: number): 'ok' | 'partial' | 'failed' {
  return code === EXIT.ok ? 'ok' : code === EXIT.partial ? 'partial' : 'failed';
}

/**
 * The start-of-run clean-up of a pipeline run that holds the lock (`pipeline/gc.ts`,
 * leftovers older than the lease). It only removes what no reader follows, so a
 * failure is logged and the run goes on; but not a lost lock: the run would only be
 * refused at its first commit, after all its work.
 * @throws LockLostError when gc found the lock lost (`ctx.fence`).
 */
async function startOfRunGc(ctx: CommandContext): Promise<void> {
  try {
    await gcStep(ctx, { olderThanMs: lockSettings(process.env).leaseMs, lockedCommands: LOCKED_COMMANDS, lockHeld: true });
  } catch (error) {
    if (error instanceof LockLostError) throw error;
    ctx.log.warn({ err: error }, `clean-up of leftovers failed, going on without it: ${(error as Error).message}`);
  }
}

/**
 * Takes the lock per `mode`; undefined when `skip` finds it held, or the wait gives up (logged).
 * `skip` waits too when `BERSERKR_LOCK_WAIT` is set: a Job retried after its run was killed
 * then waits for the dead run's lease to expire, instead of skipping the night's run.
 */
async function takeLock(ctx: CommandContext, mode: 'wait' | 'skip'): Promise<HeldLock | undefined> {
  let told = false;
  const settings: LockOptions = {
    ...lockSettings(process.env),
    onNoConditionalCreate: (error) => {
      if (!told) ctx.log.info({ err: error }, `${error.message}: the lock is taken by write, settle (BERSERKR_LOCK_SETTLE) and re-read`);
      told = true;
    },
  };
  const owner = currentOwner(ctx.run.runId);
  if (mode === 'skip' && !process.env.BERSERKR_LOCK_WAIT) {
    const result = await tryAcquireLock(ctx.catalog.lock, owner, settings);
    if (result.acquired) return result.lock;
    ctx.log.info({ holder: result.holder.owner, expiresAt: result.holder.expiresAt }, `skipped: another pipeline run holds the lock, ${describeOwner(result.holder.owner)}, lease until ${result.holder.expiresAt}`);
    return undefined;
  }
  // Waiting ends when the lock is free, at SIGTERM/SIGINT, or after BERSERKR_LOCK_WAIT.
  const waitMs = lockWaitMs(process.env);
  const giveUp = new AbortController();
  const stop = (): void => giveUp.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const timer = waitMs === undefined ? undefined : setTimeout(stop, waitMs);
  let holder: LockRecord | undefined;
  try {
    return await acquireLock(ctx.catalog.lock, owner, {
      ...settings,
      signal: giveUp.signal,
      onWait: (h) => {
        if (holder === undefined) ctx.log.info({ holder: h.owner, expiresAt: h.expiresAt }, `waiting: another pipeline run holds the lock, ${describeOwner(h.owner)}, lease until ${h.expiresAt}`);
        holder = h;
      },
    });
  } catch (error) {
    if (!giveUp.signal.aborted) throw error;
    const why = ctx.signal.aborted ? 'stopped while waiting for the lock' : `gave up waiting for the lock after ${process.env.BERSERKR_LOCK_WAIT} (BERSERKR_LOCK_WAIT)`;
    ctx.log.info({ holder: holder?.owner }, `${why}${holder === undefined ? '' : `: another pipeline run holds it, ${describeOwner(holder.owner)}`}; nothing ran`);
    return undefined;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
  }
}

/**
 * The outcome of a command that lost the lock during its run (the renewer found another run's
 * record, or none): never success, since another run may have changed the data set meanwhile
 * (the writes the fence refused are not made; a step stopped by the loss throws). The run
 * record gets `error` unless a recorded error already says it (a step it stopped, a write the
 * fence refused), and when the body had finished, a log line says why the run fails (the error
 * itself was logged when the renewer reported it).
 * @param code the command's exit code so far: {@link EXIT.ok} and {@link EXIT.partial} become
 *   {@link EXIT.failed}, the exit code of a failed command (a failure or a signal's code) stays.
 * @param failure the error the body threw, if any.
 * @returns the exit code, and the error the summary gives: the body's, or `error` when it threw none.
 */
function lockLostOutcome(run: RunRecorder, log: Logger, error: Error, code: number, failure: Error | undefined): { code: number; failure: Error } {
  if (!run.snapshot().errors.some((r) => r.message.includes(error.message))) run.fail(error);
  if (failure === undefined) log.error('the run fails although its steps ended: it lost the pipeline lock (logged above), and another run may have changed the data set meanwhile');
  return { code: code === EXIT.ok || code === EXIT.partial ? EXIT.failed : code, failure: failure ?? error };
}

/**
 * Runs `body` as command `name`, records the run in `runs/<data set>/<run-id>.json` (with
 * status `running` once the lock is taken, then `ok`, `partial` for exit 3 or `failed`),
 * prints the body's result on stdout (`--output`: its text, or one JSON object, the
 * summary with `command`, `runId`, `status`, `exitCode` and, when it failed, `error`) and sets
 * `process.exitCode`: the body's code; {@link exitCodeOf} the error when it throws ({@link EXIT.usage}
 * for bad usage or configuration, else {@link EXIT.failed}; {@link EXIT.failed} too when the
 * run record cannot be written); {@link signalExitCode} (130, 143) when
 * SIGINT/SIGTERM stopped it (a second one exits at once, its summary with status `killed`);
 * {@link EXIT.busy} when another run holds the lock and `lock` is `skip`
 * (after waiting up to `BERSERKR_LOCK_WAIT` when it is set), or the wait for it outlasts
 * `BERSERKR_LOCK_WAIT` (then nothing runs and no run record is written, as when a signal ends the wait). A pipeline command starts
 * with the clean-up of leftovers of killed runs (`pipeline/gc.ts`). Under the lock, the context's
 * `fence` checks the lock before each write of the data set's shared state (`HeldLock.verify`: a
 * run that lost it writes none of them and fails with LockLostError, {@link EXIT.failed}), and a
 * run whose lock was lost during it fails too, status `failed` with the LockLostError in its record
 * and summary, even when its body finished ({@link lockLostOutcome}).
 * @param lock default `wait` for `run`, `schedule` and `ingest`, else `none`.
 */
export async function runCommand<O extends DataCommandOptions>(
  name: string,
  options: O,
  body: (ctx: CommandContext) => Promise<CommandResult | void>,
  lock: LockMode = WAITING_COMMANDS.has(name) ? 'wait' : 'none',
): Promise<void> {
  const output = (options.output ?? 'text') as OutputFormat;
  if (lock !== 'none') {
    // Bad lock settings are bad usage: found before the lake is opened, so nothing runs.
    lockSettings(process.env);
    lockWaitMs(process.env);
  }
  const lost = new AbortController();
  let held: HeldLock | undefined;
  // The lock is taken before the body runs; a command without one has no lock to check.
  const fence: LockFence = (what) => (held === undefined ? Promise.resolve() : held.verify(what));
  const ctx = await openContext(name, options, toParams(options), lost.signal, fence);
  let begun = false;
  // A second signal exits at once: the summary says so, and what it leaves behind.
  onForcedExit((signal) => {
    const left = !begun
      ? 'before the run began: no run record was written'
      : `the run record stays "running"${held === undefined ? '' : ' and the lock held until its lease ends'} (the next run or berserkr gc finishes the record as killed)`;
    const error = { name: 'ForcedExit', message: `${signal} again: exited at once; ${left}` };
    printResult(output, { command: name, runId: begun ? ctx.run.runId : null, status: 'killed', exitCode: signalExitCode(signal), error }, undefined);
  });
  let stopRenewing = async (): Promise<void> => undefined;
  let code: number = EXIT.ok;
  let result: CommandResult = {};
  let failure: Error | undefined;
  try {
    if (lock !== 'none') {
      held = await takeLock(ctx, lock);
      if (held === undefined) {
        onForcedExit(undefined);
        const signal = receivedSignal();
        const skipped = signal !== undefined && ctx.signal.aborted ? signalExitCode(signal) : EXIT.busy;
        printResult(output, { command: name, runId: null, status: 'skipped', exitCode: skipped }, undefined);
        process.exitCode = skipped;
        return;
      }
      ctx.log.info({ lock: held.uri, expiresAt: held.current.expiresAt }, 'lock acquired');
      stopRenewing = held.keepAlive(
        (error) => {
          ctx.log.error({ err: error }, `${error.message}: stopping after the current step`);
          lost.abort(error);
        },
        (error) => ctx.log.warn({ err: error }, `cannot renew the lease of ${held?.uri}; retrying at the next renewal`),
      );
    }
    await ctx.run.begin(ctx.catalog.runs);
    begun = true;
    if (held !== undefined && PIPELINE_COMMANDS.has(name)) await startOfRunGc(ctx);
    result = (await body(ctx)) ?? {};
    code = result.code ?? EXIT.ok;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    failure = e;
    if (!ctx.run.snapshot().errors.some((r) => r.message === e.message)) ctx.run.fail(e);
    ctx.log.error({ err: e }, e.message);
    const signal = receivedSignal();
    code = signal !== undefined && ctx.signal.aborted ? signalExitCode(signal) : exitCodeOf(e);
  }
  await stopRenewing();
  if (lost.signal.aborted) ({ code, failure } = lockLostOutcome(ctx.run, ctx.log, lost.signal.reason as Error, code, failure));
  try {
    const record = await ctx.run.finish(ctx.catalog.runs, finishStatus(code));
    ctx.log.info({ runId: record.runId, status: record.status, ms: record.durationMs }, `run record ${ctx.catalog.runs.uri(record.runId)}`);
  } catch (error) {
    ctx.log.error({ err: error }, `cannot write the run record of run ${ctx.run.runId}: ${(error as Error).message}`);
    code = code === EXIT.ok ? EXIT.failed : code;
  }
  const error = failure === undefined ? {} : { error: { name: failure.name, message: failure.message } };
  onForcedExit(undefined);
  printResult(output, { command: name, runId: ctx.run.runId, status: finishStatus(code), exitCode: code, ...result.summary, ...error }, failure === undefined ? result.text : undefined);
  if (held !== undefined) {
    try {
      if (await held.release()) ctx.log.info({ lock: held.uri }, 'lock released');
    } catch (error) {
      ctx.log.warn({ err: error }, `cannot release ${held.uri}; it frees itself when its lease ends at ${held.current.expiresAt}`);
    }
  }
  process.exitCode = code;
}
