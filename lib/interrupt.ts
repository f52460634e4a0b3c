/**
 * Stopping a run when asked (SIGTERM/SIGINT, a lost lock): the error a run
 * stops with, and the checks long steps make between units of their work (raw
 * objects, feature cut-offs, draws of training steps). No dependency, so that any
 * stage can check its stop signal without loading the command line.
 */

/**
 * The run was asked to stop (signal or lost lock) and stopped before step `step`
 * or, when `during` is given, inside it.
 */
export class RunInterruptedError extends Error {
  /**
   * @param step the step it stopped before or in.
   * @param why why it stopped, e.g. `received SIGTERM` ({@link stopReason}).
   * @param during where inside `step` it stopped, e.g. `after 3 of 52 raw objects`; undefined when it stopped before `step` started.
   * @param outcome what of the run is published; by default that every output published so far is complete and
   *   nothing of the remaining steps (nor of `step`, when it stopped during it) was written.
   */
  constructor(
    readonly step: string,
    readonly why: string,
    readonly during?: string,
    outcome = `every output published so far is complete, nothing of ${during === undefined ? 'the remaining steps' : 'this step or the remaining ones'} was written`,
  ) {
    super(`${during === undefined ? `stopped before step "${step}"` : `stopped during step "${step}" ${during}`}: ${why}; ${outcome}`);
    this.name = 'RunInterruptedError';
  }
}

/** Why `signal` aborted, as a run record says it: its reason's message (`received SIGTERM`), or the reason itself. */
export function stopReason(signal: AbortSignal): string {
  const reason = signal.reason as unknown;
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * Throws a {@link RunInterruptedError} (stopped during `step`, `during`) when `signal` is aborted.
 * A synchronous stretch of work keeps the event loop from running the signal's
 * handlers: after one, {@link checkStop} asks the loop first.
 * @param outcome what of the run is published (see {@link RunInterruptedError}).
 */
export function throwIfStopped(signal: AbortSignal | undefined, step: string, during: string, outcome?: string): void {
  if (signal?.aborted === true) throw new RunInterruptedError(step, stopReason(signal), during, outcome);
}

/**
 * Lets the event loop turn once (its I/O phase, where Node runs the handlers of
 * the process signals that arrived meanwhile), then {@link throwIfStopped}. A
 * signal that arrived during a synchronous stretch of work before the call is
 * so seen by it, not by the next check.
 */
export async function checkStop(signal: AbortSignal | undefined, step: string, during: string, outcome?: string): Promise<void> {
  if (signal === undefined) return;
  await turnEventLoop();
  throwIfStopped(signal, step, during, outcome);
}

/**
 * Resolves once the event loop has gone through an I/O phase that began after the
 * call, where Node runs the handlers of the process signals delivered meanwhile.
 * Two `setImmediate`s: the first may run in the check phase of the current turn,
 * right after the I/O phase the caller itself may be running in (which polled
 * before the call); the second, queued from that check phase, runs on the next
 * turn, after its I/O phase.
 */
export async function turnEventLoop(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}
