import { EXIT, exitCodeOf } from '../../cli/exit';
import { AsOfAfterDataError } from '../../features/errors';
import { ExportFilterError, ModelMismatchError, ScoringInputError } from '../../scoring/errors';
import { checkRecency } from '../../training/schedule';

describe('exitCodeOf', () => {
  it('calls a refusal the run\'s options can fix bad usage, and a broken contract a failure', () => {
    expect(exitCodeOf(new ModelMismatchError('model m learnt purchases up to …, after the as-of time …'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ExportFilterError('--top-k 11 is more than the 10 items per customer …'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ScoringInputError('scores hold NaN'))).toBe(EXIT.failed);
    expect(exitCodeOf('not an error')).toBe(EXIT.failed);
  });

  it('calls an --as-of after the data bad usage in training as in scoring', () => {
    let refusal: unknown;
    try {
      checkRecency([Date.parse('2011-12-09T12:50:00Z')], Date.parse('2011-12-24T00:00:00Z'));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AsOfAfterDataError);
    expect(exitCodeOf(refusal)).toBe(EXIT.usage);
  });
});
