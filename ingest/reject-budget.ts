/**
 * The reject budget of a raw object, and of a run: the share of their lines that
 * may be rejected as unreadable before they are refused. A configuration
 * mistake (a wrong time format, delimiter or encoding) rejects nearly every line;
 * since a configuration change re-ingests every object, publishing that would
 * replace good clean data with rejects. Refusing the object keeps its earlier
 * output published instead. The run's budget bounds what the small objects'
 * allowance ({@link MIN_BUDGET_LINES}) lets through: many small objects, each
 * within its own budget, cannot together publish mostly rejects.
 *
 * Lines are physical lines ({@link IngestCounts}): a reject weighs by the lines its
 * record spans, so a quote left open that swallows the rest of an object into one
 * reject counts as every line it swallowed.
 */
import { IngestCounts } from './typing';

/**
 * Default largest share of an object's lines rejected as unreadable: 0.05. The
 * bundled Online Retail data rejects none of its 541,909 lines, and a wrong time
 * format, delimiter or encoding rejects all of them; 5 % leaves room for a few
 * bad lines an export may carry while any systematic mistake is far over it.
 */
export const DEFAULT_MAX_REJECT_RATIO = 0.05;

/**
 * Lines every object is budgeted for at least: an object of fewer lines may still
 * have as many unreadable lines as one of 200 lines (10 at the default 5 %), but
 * never all of its lines. One bad line in a 19-line object is a stray line, not
 * the systematic mistake the budget is for, which rejects every line.
 */
export const MIN_BUDGET_LINES = 200;

/**
 * The most lines that may be unreadable out of `read` under the budget: `maxRejectRatio`
 * of `read`, or of {@link MIN_BUDGET_LINES} when that is more but then at most
 * `read - 1`, so lines that are all unreadable are over the budget unless the ratio is 1.
 * @param read lines read, 0 or more.
 * @param maxRejectRatio share in [0, 1].
 * @returns a whole number of lines from 0 to `read`.
 */
export function rejectAllowance(read: number, maxRejectRatio: number): number {
  return Math.floor(Math.max(maxRejectRatio * read, Math.min(maxRejectRatio * MIN_BUDGET_LINES, read - 1), 0));
}

/**
 * An object rejected more of its lines than the budget allows. The message names
 * the first rejected line and its reason (a wrong time format shows the value and
 * the format), and the rejected record that spans the most lines when one spans
 * several (a quote left open swallows the lines after it into one record).
 */
export class RejectBudgetError extends Error {
  /**
   * @param objectKey the raw object.
   * @param counts its counts; see {@link unreadableLines}.
   * @param maxRejectRatio the budget, a share in [0, 1].
   */
  constructor(readonly objectKey: string, readonly counts: IngestCounts, readonly maxRejectRatio: number) {
    const { firstReject: first, longestReject: longest } = counts;
    super(`${objectKey}: ${describeRejects(counts)}, over the reject budget of ${percent(maxRejectRatio)} (--max-reject-ratio ${maxRejectRatio}), `
      + `which allows ${rejectAllowance(counts.read, maxRejectRatio)}; `
      + (first === undefined || first.line === longest?.line ? '' : `the first rejected line is line ${first.line} (${first.reason}); `)
      + (longest === undefined ? '' : `the longest rejected record spans ${longest.lines} lines from line ${longest.line} (${longest.reason}); `)
      + 'its earlier output, if any, stays published');
    this.name = 'RejectBudgetError';
  }
}

/**
 * The objects a run read whole and within their own budgets rejected more of
 * their lines together than the budget allows, so none of them is published.
 */
export class RunRejectBudgetError extends Error {
  /**
   * @param objectKeys the objects held back, in key order.
   * @param counts their counts added up ({@link sumCounts}).
   * @param maxRejectRatio the budget, a share in [0, 1].
   * @param objectKey when given, this is the error of that one object: the message starts with its key.
   */
  constructor(readonly objectKeys: string[], readonly counts: IngestCounts, readonly maxRejectRatio: number, readonly objectKey?: string) {
    const n = objectKeys.length;
    super(`${objectKey === undefined ? '' : `${objectKey}: not published: `}${n} object${n === 1 ? '' : 's'} of this run: ${describeRejects(counts)}, `
      + `over the run's reject budget of ${percent(maxRejectRatio)} (--max-reject-ratio ${maxRejectRatio}), which allows ${rejectAllowance(counts.read, maxRejectRatio)}; `
      + `none of them is published and their earlier output, if any, stays published`);
    this.name = 'RunRejectBudgetError';
  }

  /** The same error as the error of object `objectKey`. */
  forObject(objectKey: string): RunRejectBudgetError {
    return new RunRejectBudgetError(this.objectKeys, this.counts, this.maxRejectRatio, objectKey);
  }
}

const percent = (share: number) => `${Number((100 * share).toFixed(2))} %`;

/** `<unreadable> of <read> lines rejected (<share>: <reason> <n>, …)`, reasons by count. */
function describeRejects(counts: IngestCounts): string {
  const unreadable = unreadableLines(counts);
  const reasons = Object.entries(counts.byReason)
    .filter(([reason]) => reason !== 'duplicate')
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return `${unreadable} of ${counts.read} lines rejected (${percent(unreadable / counts.read)}: ${reasons})`;
}

/**
 * Lines rejected as unreadable: every reject except later copies of a clean line
 * (`duplicate`, with `csv.duplicates: reject`). A copy of a rejected line is
 * rejected for that line's reason (`typing.ts`), so it counts as unreadable: an
 * object of copies of one bad line has no readable line and is over the budget.
 */
export function unreadableLines(counts: IngestCounts): number {
  return counts.rejected - (counts.byReason.duplicate ?? 0);
}

/** Counts of several objects added up, reason by reason (without a `firstReject` or `longestReject`, which are one object's). */
export function sumCounts(counts: IngestCounts[]): IngestCounts {
  const total: IngestCounts = { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} };
  for (const c of counts) {
    total.read += c.read;
    total.clean += c.clean;
    total.rejected += c.rejected;
    total.duplicates += c.duplicates;
    for (const [reason, n] of Object.entries(c.byReason)) total.byReason[reason] = (total.byReason[reason] ?? 0) + n;
  }
  return total;
}

function checkRatio(maxRejectRatio: number): void {
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) throw new RangeError(`maxRejectRatio must be a number in [0, 1], got ${maxRejectRatio}`);
}

/**
 * The reject budget as a check of one object's counts.
 * @param maxRejectRatio largest share of an object's lines (`counts.read`) that
 *   may be unreadable, in [0, 1]; {@link DEFAULT_MAX_REJECT_RATIO} by default, 1 disables the budget.
 * @returns a check that throws RejectBudgetError when more of the object's lines are
 *   unreadable than {@link rejectAllowance} allows (an object without lines passes).
 * @throws RangeError when `maxRejectRatio` is not a number in [0, 1], quoting it.
 */
export function rejectBudget(maxRejectRatio = DEFAULT_MAX_REJECT_RATIO): (objectKey: string, counts: IngestCounts) => void {
  checkRatio(maxRejectRatio);
  return (objectKey, counts) => {
    if (unreadableLines(counts) > rejectAllowance(counts.read, maxRejectRatio)) throw new RejectBudgetError(objectKey, counts, maxRejectRatio);
  };
}

/**
 * The reject budget of a run, as a check of the objects it would publish (read
 * whole and each within {@link rejectBudget}): the same budget, applied to their
 * lines added up. Objects that failed their own budget are not counted: they are
 * refused already, and counting them would let one bad object hold back every good one.
 * @param maxRejectRatio as for {@link rejectBudget}.
 * @returns a check that throws RunRejectBudgetError when more of the objects' lines
 *   together are unreadable than {@link rejectAllowance} allows (no objects pass).
 * @throws RangeError when `maxRejectRatio` is not a number in [0, 1], quoting it.
 */
export function runRejectBudget(maxRejectRatio = DEFAULT_MAX_REJECT_RATIO): (objects: { key: string; counts: IngestCounts }[]) => void {
  checkRatio(maxRejectRatio);
  return (objects) => {
    const total = sumCounts(objects.map((o) => o.counts));
    if (unreadableLines(total) > rejectAllowance(total.read, maxRejectRatio)) throw new RunRejectBudgetError(objects.map((o) => o.key).sort(), total, maxRejectRatio);
  };
}
