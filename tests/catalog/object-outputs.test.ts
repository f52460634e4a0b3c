import { checkAttemptId, ownOutputKeys } from '../../lib/catalog/object-outputs';

describe('ownOutputKeys', () => {
  it('keeps the keys one attempt folder below the prefix, not those of a raw key that extends it', () => {
    const prefix = 'clean/d/x.lzo/';
    expect(ownOutputKeys(prefix, [
      'clean/d/x.lzo/a1/part-00000.parquet',
      'clean/d/x.lzo/crashed/.~tmp.part-00001.parquet',
      'clean/d/x.lzo/y.lzo/a2/part-00000.parquet',
      'clean/d/x.lzo//y.lzo/a3/part-00000.parquet',
      'clean/d/x.lzo/stray.parquet',
      'clean/d/x.lzo.bak/a4/part-00000.parquet',
    ])).toEqual(['clean/d/x.lzo/a1/part-00000.parquet', 'clean/d/x.lzo/crashed/.~tmp.part-00001.parquet']);
  });
});

describe('checkAttemptId', () => {
  it('takes a name and refuses an empty one or one with "/", quoting it', () => {
    expect(checkAttemptId('20260102T030405Z-0a1b2c3d')).toBe('20260102T030405Z-0a1b2c3d');
    expect(() => checkAttemptId('')).toThrow('an attempt id must be a non-empty name without "/", got ""');
    expect(() => checkAttemptId('y.lzo/a1')).toThrow('an attempt id must be a non-empty name without "/", got "y.lzo/a1"');
  });
});
