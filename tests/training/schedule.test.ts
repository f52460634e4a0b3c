import { AsOfAfterDataError, AsOfBeforeDataError } from '../../features/errors';
import { checkHistory, checkRecency, trainingSchedule } from '../../training/schedule';

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const T = Date.parse('2011-11-09T00:00:00Z');

describe('trainingSchedule', () => {
  it('puts the validation cut-off one horizon before T and monthly training cut-offs before it', () => {
    const s = trainingSchedule(T, 30, 3);
    expect(iso(s.validation)).toBe('2011-10-10');
    expect(s.train.map(iso)).toEqual(['2011-07-12', '2011-08-11', '2011-09-10']);
  });

  it('spaces training cut-offs by the step, the last one a horizon before validation so label windows never overlap', () => {
    const s = trainingSchedule(T, 30, 4, 14);
    expect(s.train.map(iso)).toEqual(['2011-07-30', '2011-08-13', '2011-08-27', '2011-09-10']);
    expect(s.train[s.train.length - 1] + 30 * 86_400_000).toBe(s.validation);
  });
});

describe('checkHistory', () => {
  const first = Date.parse('2011-01-04T10:00:00Z');
  const time = Float64Array.of(first, Date.parse('2011-02-28T17:00:00Z'));

  it('takes a schedule whose oldest cut-off has a purchase before it', () => {
    expect(() => checkHistory(time, trainingSchedule(Date.parse('2011-03-10T00:00:00Z'), 30, 1), 30)).not.toThrow();
  });

  it('says what the data cover, how far back the schedule reaches and how many cut-offs fit', () => {
    const asOf = Date.parse('2011-05-01T00:00:00Z');
    expect(() => checkHistory(time, trainingSchedule(asOf, 30, 6), 30)).toThrow(
      new AsOfBeforeDataError(
        'the data cover 2011-01-04T10:00:00.000Z to 2011-02-28T17:00:00.000Z, but the 6 training cut-offs 30 days apart and the validation cut-off '
          + 'reach back to 2010-10-03T00:00:00.000Z, before the first purchase: pass --train-cutoffs 2 or fewer (or a shorter --cutoff-step), or ingest more history',
      ),
    );
    // Two fit: 2011-01-31 and 2011-03-02 are after the first purchase, 2011-01-01 is not.
    expect(() => checkHistory(time, trainingSchedule(asOf, 30, 2), 30)).not.toThrow();
    expect(() => checkHistory(time, trainingSchedule(asOf, 30, 3), 30)).toThrow(AsOfBeforeDataError);
  });

  it('says when the as-of time is too early for any cut-off', () => {
    expect(() => checkHistory(time, trainingSchedule(Date.parse('2011-02-01T00:00:00Z'), 30, 1), 30)).toThrow(/even one training cut-off \(2010-12-03T00:00:00\.000Z, two horizons before the as-of time\) comes before it; ingest more history, pass a shorter --horizon, or a later --as-of when the data run past it$/);
  });
});

describe('checkRecency', () => {
  const time = Float64Array.of(Date.parse('2011-01-04T10:00:00Z'), Date.parse('2011-12-09T12:50:00Z'));

  it('takes an as-of time up to the start of the day after the last purchase', () => {
    for (const asOf of ['2011-12-09T12:50:00.001Z', '2011-12-10T00:00:00Z', '2011-11-09T00:00:00Z']) expect(() => checkRecency(time, Date.parse(asOf))).not.toThrow();
  });

  it('refuses a later one, whose validation labels would take the days without data for days without purchases', () => {
    expect(() => checkRecency(time, Date.parse('2011-12-10T00:00:00.001Z'))).toThrow(AsOfAfterDataError);
    expect(() => checkRecency(time, Date.parse('2011-12-24T00:00:00Z'))).toThrow(
      'the as-of time 2011-12-24T00:00:00.000Z is after the data, whose last purchase is at 2011-12-09T12:50:00.000Z: the validation labels before it would take the days without data for days without purchases, '
        + 'and calibrate the probabilities too low; pass an --as-of up to 2011-12-10T00:00:00.000Z (or none: just after the last purchase), or ingest the newer data first',
    );
  });
});
