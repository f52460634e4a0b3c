import { DEFAULT_MAX_REJECT_RATIO, MIN_BUDGET_LINES, RejectBudgetError, RunRejectBudgetError, rejectAllowance, rejectBudget, runRejectBudget, sumCounts } from '../../ingest/reject-budget';
import { IngestCounts } from '../../ingest/typing';

const counts = (read: number, byReason: Record<string, number>, duplicates = 0): IngestCounts => {
  const rejected = Object.values(byReason).reduce((a, b) => a + b, 0);
  return { read, clean: read - rejected, rejected, duplicates, byReason };
};

describe('rejectBudget', () => {
  it('allows up to 5 % of an object\'s lines unreadable by default', () => {
    expect(DEFAULT_MAX_REJECT_RATIO).toBe(0.05);
    const check = rejectBudget();
    expect(() => check('k.csv.lzo', counts(1000, { bad_time: 30, field_count: 20 }))).not.toThrow();
    expect(() => check('k.csv.lzo', counts(0, {}))).not.toThrow();
    expect(() => check('k.csv.lzo', counts(1000, { bad_time: 31, field_count: 20 }))).toThrow(RejectBudgetError);
  });

  it('budgets a small object as one of 200 lines, so a stray bad line does not fail it, but never for all its lines', () => {
    expect(MIN_BUDGET_LINES).toBe(200);
    const check = rejectBudget();
    // One bad line of 19 is 5.3 %: over the ratio, within the 10 lines of the allowance.
    expect(() => check('k.csv.lzo', counts(19, { bad_time: 1 }))).not.toThrow();
    for (const [read, allowed] of [[12, 10], [200, 10], [400, 20], [5, 4], [1, 0]]) {
      expect([read, rejectAllowance(read, 0.05)]).toEqual([read, allowed]);
      expect(() => check('k.csv.lzo', counts(read, { bad_time: allowed }))).not.toThrow();
      expect(() => check('k.csv.lzo', counts(read, { bad_time: allowed + 1 }))).toThrow(RejectBudgetError);
    }
    expect(() => check('k.csv.lzo', counts(5, { bad_time: 5 }))).toThrow('k.csv.lzo: 5 of 5 lines rejected (100 %: bad_time 5), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 4;');
    expect(rejectAllowance(12, 0.1)).toBe(11);
    expect(rejectAllowance(300, 0.1)).toBe(30);
  });

  it('names the object, the share, the reasons, the budget and the lines it allows', () => {
    expect(() => rejectBudget()('raw/2011-02.csv.lzo', counts(27707, { bad_time: 27700, bad_number: 7 }))).toThrow(
      'raw/2011-02.csv.lzo: 27707 of 27707 lines rejected (100 %: bad_time 27700, bad_number 7), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 1385; its earlier output, if any, stays published',
    );
  });

  it('names the first rejected line and its reason, which show what the configuration got wrong', () => {
    const firstReject = { line: 2, reason: 'bad_time: InvoiceDate="12/1/2010 8:26" does not match YYYY-MM-DD HH:mm' };
    expect(() => rejectBudget()('raw/2011-02.csv.lzo', { ...counts(435, { bad_time: 435 }), firstReject })).toThrow(
      'raw/2011-02.csv.lzo: 435 of 435 lines rejected (100 %: bad_time 435), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 21; '
        + 'the first rejected line is line 2 (bad_time: InvoiceDate="12/1/2010 8:26" does not match YYYY-MM-DD HH:mm); its earlier output, if any, stays published',
    );
    // The longest record names its start once, when it is also the first.
    const longestReject = { line: 2, lines: 3, reason: firstReject.reason };
    expect(() => rejectBudget()('k.csv', { ...counts(435, { bad_time: 435 }), firstReject, longestReject })).toThrow(/which allows 21; the longest rejected record spans 3 lines from line 2 \(bad_time: /);
  });

  it('weighs a reject by the lines its record spans, naming the longest one', () => {
    // One record from line 7 swallowed the 14,995 lines up to the end of a 15,000-line object.
    const longestReject = { line: 7, lines: 14995, reason: 'unterminated_quote: a quoted field is not closed before the end of the object' };
    expect(() => rejectBudget()('a.csv', { ...counts(15000, { unterminated_quote: 14995 }), longestReject })).toThrow(
      'a.csv: 14995 of 15000 lines rejected (99.97 %: unterminated_quote 14995), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 750; '
        + 'the longest rejected record spans 14995 lines from line 7 (unterminated_quote: a quoted field is not closed before the end of the object); '
        + 'its earlier output, if any, stays published',
    );
  });

  it('does not count later copies of a clean line (duplicate) against the budget', () => {
    expect(() => rejectBudget()('k.csv.lzo', counts(100, { duplicate: 60, bad_time: 5 }, 60))).not.toThrow();
    expect(() => rejectBudget(0)('k.csv.lzo', counts(100, { duplicate: 60 }, 60))).not.toThrow();
  });

  it('is off at 1 and strict at 0, small objects included', () => {
    expect(() => rejectBudget(1)('k.csv.lzo', counts(10, { bad_time: 10 }))).not.toThrow();
    expect(() => rejectBudget(0)('k.csv.lzo', counts(10, { empty_line: 1 }))).toThrow('1 of 10 lines rejected (10 %: empty_line 1), over the reject budget of 0 % (--max-reject-ratio 0), which allows 0;');
  });

  it.each([[1.5], [-0.1], [NaN]])('refuses a ratio of %p, quoting it', (ratio) => {
    expect(() => rejectBudget(ratio)).toThrow(new RangeError(`maxRejectRatio must be a number in [0, 1], got ${ratio}`));
  });
});

describe('runRejectBudget', () => {
  const small = (key: string) => ({ key, counts: counts(12, { bad_time: 10 }) });

  it('holds the objects of a run to the same budget, their lines added up', () => {
    const check = runRejectBudget();
    expect(() => check([])).not.toThrow();
    expect(() => check([small('a.lzo')])).not.toThrow();
    expect(() => check([{ key: 'a.lzo', counts: counts(1000, { bad_time: 50 }) }, { key: 'b.lzo', counts: counts(1000, { bad_time: 50 }) }])).not.toThrow();
    // Each within its own allowance of 10 lines; together 30 of 36, where the run allows 10.
    expect(() => check([small('c.lzo'), small('a.lzo'), small('b.lzo')])).toThrow(new RunRejectBudgetError(['a.lzo', 'b.lzo', 'c.lzo'], counts(36, { bad_time: 30 }), 0.05));
    expect(() => check([small('c.lzo'), small('a.lzo'), small('b.lzo')])).toThrow(
      '3 objects of this run: 30 of 36 lines rejected (83.33 %: bad_time 30), over the run\'s reject budget of 5 % (--max-reject-ratio 0.05), which allows 10; none of them is published and their earlier output, if any, stays published',
    );
    expect(() => runRejectBudget(1)([small('a.lzo'), small('b.lzo'), small('c.lzo')])).not.toThrow();
    expect(() => runRejectBudget(2)).toThrow('maxRejectRatio must be a number in [0, 1], got 2');
  });

  it('gives each object held back an error that starts with its key', () => {
    const error = new RunRejectBudgetError(['a.lzo', 'b.lzo'], counts(24, { bad_time: 20 }), 0.05).forObject('b.lzo');
    expect(error).toBeInstanceOf(RunRejectBudgetError);
    expect(error.objectKey).toBe('b.lzo');
    expect(error.message).toBe('b.lzo: not published: 2 objects of this run: 20 of 24 lines rejected (83.33 %: bad_time 20), over the run\'s reject budget of 5 % (--max-reject-ratio 0.05), which allows 10; none of them is published and their earlier output, if any, stays published');
  });

  it('adds counts up reason by reason', () => {
    expect(sumCounts([counts(10, { bad_time: 2, duplicate: 1 }, 1), counts(5, { bad_time: 1, empty_line: 1 })])).toEqual({ read: 15, clean: 10, rejected: 5, duplicates: 1, byReason: { bad_time: 3, duplicate: 1, empty_line: 1 } });
  });
});
