import { trainingSchedule } from '../../training/schedule';

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
