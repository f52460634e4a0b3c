/**
 * Stopping a run when asked (SIGTERM/SIGINT, a lost lock): the error a run
 * stops with, before a step or inside a long one (between the raw objects of an
 * ingest). No dependency, so that any stage can throw it without loading the
 * command line.
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
