import { EXIT, exitCodeOf } from '../../cli/exit';
import { NoTruthError } from '../../evaluation/errors';
import { AsOfAfterDataError, NoPurchaseEventsError, PurchaseRuleError } from '../../features/errors';
import { parseCustomerList } from '../../scoring/customer-list';
import { ExportFilterError, ModelMismatchError, ScoringInputError } from '../../scoring/errors';
import { checkRecency } from '../../training/schedule';

/** What `f` throws; undefined when it returns. */
function refusalOf(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('exitCodeOf', () => {
  it('calls a refusal the run\'s options can fix bad usage, and a broken contract a failure', () => {
    expect(exitCodeOf(new ModelMismatchError('model m learnt purchases up to …, after the as-of time …'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ExportFilterError('--top-k 11 is more than the 10 items per customer …'))).toBe(EXIT.usage);
    for (const list of ['customer_id\n', '17850,85123A\n']) expect(exitCodeOf(refusalOf(() => parseCustomerList(list, 'vip.txt')))).toBe(EXIT.usage);
    expect(exitCodeOf(new ScoringInputError('scores hold NaN'))).toBe(EXIT.failed);
    expect(exitCodeOf('not an error')).toBe(EXIT.failed);
  });

  it('calls a configuration or --as-of time the data cannot serve bad usage, in training as in scoring', () => {
    const refusal = refusalOf(() => checkRecency([Date.parse('2011-12-09T12:50:00Z')], Date.parse('2011-12-24T00:00:00Z')));
    expect(refusal).toBeInstanceOf(AsOfAfterDataError);
    expect(exitCodeOf(refusal)).toBe(EXIT.usage);
    // A configuration whose purchase rules cannot be evaluated or keep nothing.
    expect(exitCodeOf(new PurchaseRuleError(0, { column: 'quantity', op: 'gt', value: 'x' }, 'value is not a number'))).toBe(EXIT.usage);
    expect(exitCodeOf(new NoPurchaseEventsError('shop', { read: 3, kept: 0, missingKey: 0, rules: [{ rule: { column: 'quantity', op: 'gt', value: 1000 }, failed: 3, droppedHere: 3 }] }))).toBe(EXIT.usage);
    // And an as-of time whose truth the data do not reach yet, in backtest and evaluate.
    expect(exitCodeOf(new NoTruthError('backtest as-of 2011-12-01T00:00:00.000Z: the data ends before 30 days after it, so there is no truth'))).toBe(EXIT.usage);
  });
});
