import { EXIT, exitCodeOf } from '../../cli/exit';
import { ExportFilterError, ModelMismatchError, ScoringInputError } from '../../scoring/errors';

describe('exitCodeOf', () => {
  it('calls a refusal the run\'s options can fix bad usage, and a broken contract a failure', () => {
    expect(exitCodeOf(new ModelMismatchError('model m learnt purchases up to …, after the as-of time …'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ExportFilterError('--top-k 11 is more than the 10 items per customer …'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ScoringInputError('scores hold NaN'))).toBe(EXIT.failed);
    expect(exitCodeOf('not an error')).toBe(EXIT.failed);
  });
});
