/**
 * The reject budget of one raw object: the share of its lines that may be
 * rejected as unreadable before the whole object is refused. A configuration
 * mistake (a wrong time format, delimiter or encoding) rejects nearly every line;
 * since a configuration change re-ingests every object, publishing that would
 * replace good clean data with rejects. Refusing the object keeps its earlier
 * output published instead.
 */
import { IngestCounts } from './typing';

/**
 * Default largest share of an object's lines rejected as unreadable: 0.05. The
 * bundled Online Retail data rejects none of its 541,909 lines, and a wrong time
 * format, delimiter or encoding rejects all of them; 5 % leaves room for a few
 * bad lines an export may carry while any systematic mistake is far over it.
 */
export const DEFAULT_MAX_REJECT_RATIO = 0.05;

/** An object rejected more of its lines than the budget allows. */
export class RejectBudgetError extends Error {
  /**
   * @param objectKey the raw object.
   * @param counts its counts; see {@link unreadableLines}.
   * @param maxRejectRatio the budget, a share in [0, 1].
   */
  constructor(readonly objectKey: string, readonly counts: IngestCounts, readonly maxRejectRatio: number) {
    const unreadable = unreadableLines(counts);
    const reasons = Object.entries(counts.byReason)
      .filter(([reason]) => reason !== 'duplicate')
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    super(`${objectKey}: ${unreadable} of ${counts.read} lines rejected (${percent(unreadable / counts.read)}: ${reasons}), `
      + `over the reject budget of ${percent(maxRejectRatio)} (--max-reject-ratio ${maxRejectRatio}); its earlier output, if any, stays published`);
    this.name = 'RejectBudgetError';
  }
}

const percent = (share: number) => `${Number((100 * share).toFixed(2))} %`;

/**
 * Lines rejected as unreadable: every reject except later copies of a line
 * (`duplicate`, with `csv.duplicates: reject`), whose first copy is clean.
 */
export function unreadableLines(counts: IngestCounts): number {
  return counts.rejected - (counts.byReason.duplicate ?? 0);
}

/**
 * The reject budget as a check of one object's counts.
 * @param maxRejectRatio largest share of an object's lines (`counts.read`) that
 *   may be unreadable, in [0, 1]; {@link DEFAULT_MAX_REJECT_RATIO} by default, 1 disables the budget.
 * @returns a check that throws RejectBudgetError when more than `maxRejectRatio`
 *   of the object's lines are unreadable (an object without lines passes).
 * @throws RangeError when `maxRejectRatio` is not a number in [0, 1], quoting it.
 */
export function rejectBudget(maxRejectRatio = DEFAULT_MAX_REJECT_RATIO): (objectKey: string, counts: IngestCounts) => void {
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) throw new RangeError(`maxRejectRatio must be a number in [0, 1], got ${maxRejectRatio}`);
  return (objectKey, counts) => {
    if (unreadableLines(counts) > maxRejectRatio * counts.read) throw new RejectBudgetError(objectKey, counts, maxRejectRatio);
  };
}
