/** Run ids, which name run records, reports and scoring runs in lake keys. */

/** `YYYYMMDDTHHMMSSZ-<6 lower-case hex>`: UTC start second plus a random suffix. */
export const RUN_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{6}$/;

/**
 * The run ids that `text` names anywhere, in order of appearance, repeats included.
 * @example runIdsIn('{"runId":"20111109T000000Z-3fa9c1"}') // ['20111109T000000Z-3fa9c1']
 */
export function runIdsIn(text: string): string[] {
  return text.match(/\d{8}T\d{6}Z-[0-9a-f]{6}/g) ?? [];
}

/** A string that is not a run id (`YYYYMMDDTHHMMSSZ-<6 hex>`). */
export class InvalidRunIdError extends Error {
  constructor(readonly runId: string) {
    super(`invalid run id ${JSON.stringify(runId)}: expected YYYYMMDDTHHMMSSZ-<6 lower-case hex>, e.g. 20111109T000000Z-3fa9c1`);
    this.name = 'InvalidRunIdError';
  }
}

/**
 * The start time a run id names, ms since the epoch (UTC, whole seconds).
 * @throws InvalidRunIdError quoting the value when it is not a run id or names an impossible time.
 */
export function runIdStart(runId: string): number {
  const m = RUN_ID_PATTERN.exec(runId);
  if (m === null) throw new InvalidRunIdError(runId);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject impossible dates such as 20110231: Date.UTC would roll them over.
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new InvalidRunIdError(runId);
  }
  return t.getTime();
}

/**
 * Checks a run id (e.g. from the command line) and returns it unchanged.
 * Run ids sort by start time as plain strings.
 * @throws InvalidRunIdError quoting the value.
 */
export function assertRunId(runId: string): string {
  runIdStart(runId);
  return runId;
}
