/** Typed errors of the evaluation. */

/**
 * The data do not reach the horizon after an as-of time, so its truth is not known
 * yet: an earlier as-of time (or export) is to choose, or newer data to wait for. Bad
 * usage (exit 2, `cli/exit.ts`).
 */
export class NoTruthError extends Error {
  override readonly name = 'NoTruthError';
}
