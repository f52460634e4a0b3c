/** The retraining rule, durations and cron parsing of lib/schedule.ts. */
import { CronExpressionError, decideRetrain, DurationError, parseCron, parseDuration } from '../../lib/schedule';

const DAY = 86_400_000;
const now = Date.parse('2011-12-10T03:00:00Z');

describe('decideRetrain', () => {
  it('retrains when new raw objects arrived, whatever the champion', () => {
    expect(decideRetrain({ newObjects: 1, championPromotedAt: '2011-12-10T02:00:00Z', maxModelAgeMs: 7 * DAY, now })).toEqual({
      retrain: true,
      reason: '1 new raw object ingested',
    });
  });

  it('retrains when unchanged raw objects were read again under newer ingest rules, whose rows may differ', () => {
    expect(decideRetrain({ newObjects: 0, rereadObjects: 2, championPromotedAt: '2011-12-10T02:00:00Z', maxModelAgeMs: 7 * DAY, now })).toEqual({
      retrain: true,
      reason: '2 unchanged raw objects read again under newer ingest rules, whose rows may differ',
    });
  });

  it('retrains without a champion', () => {
    expect(decideRetrain({ newObjects: 0, championPromotedAt: undefined, maxModelAgeMs: 7 * DAY, now }).retrain).toBe(true);
  });

  it('retrains, saying why, when the champion cannot score, however fresh it is', () => {
    const why = 'champion baseline:popularity cannot score: baseline fallback "popularity" not found: file:///lake/models/online-retail/baseline-popularity/fallback.json does not exist';
    expect(decideRetrain({ newObjects: 0, championPromotedAt: '2011-12-10T02:00:00Z', championUnscoreable: why, maxModelAgeMs: 7 * DAY, now })).toEqual({
      retrain: true,
      reason: `${why}; it is no champion, so this tick retrains (the training picks a champion or fallback anew)`,
    });
  });

  it('retrains when the champion reaches the maximum age, and not a millisecond before', () => {
    const at = (age: number) => new Date(now - age).toISOString();
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(7 * DAY), maxModelAgeMs: 7 * DAY, now }).retrain).toBe(true);
    const fresh = decideRetrain({ newObjects: 0, championPromotedAt: at(7 * DAY - 1), maxModelAgeMs: 7 * DAY, now });
    expect(fresh.retrain).toBe(false);
    expect(fresh.reason).toMatch(/^nothing changed: no new raw objects, champion promoted at 2011-12-03T03:00:00.001Z is 168.0 h old \(max 168.0 h\)$/);
  });

  it('counts the age from the latest challenge the champion stood, when later than its promotion', () => {
    const at = (age: number) => new Date(now - age).toISOString();
    const kept = decideRetrain({ newObjects: 0, championPromotedAt: at(30 * DAY), championChallengedAt: at(DAY), maxModelAgeMs: 7 * DAY, now });
    expect(kept).toEqual({
      retrain: false,
      reason: 'nothing changed: no new raw objects, champion promoted at 2011-11-10T03:00:00.000Z, last challenged at 2011-12-09T03:00:00.000Z, is 24.0 h old (max 168.0 h)',
    });
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(30 * DAY), championChallengedAt: at(7 * DAY), maxModelAgeMs: 7 * DAY, now }).retrain).toBe(true);
  });

  it('tells the age of a champion under an hour old in seconds or minutes', () => {
    const at = (age: number) => new Date(now - age).toISOString();
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(25_000), maxModelAgeMs: 7 * DAY, now }).reason).toMatch(/ is 25 s old \(max 168\.0 h\)$/);
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(12 * 60_000), maxModelAgeMs: 7 * DAY, now }).reason).toMatch(/ is 12 min old \(max 168\.0 h\)$/);
  });

  it('retrains when raw data were ingested after the champion\'s latest training, however fresh it is', () => {
    const at = (age: number) => new Date(now - age).toISOString();
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(DAY), lastIngestedAt: at(DAY / 2), maxModelAgeMs: 7 * DAY, now })).toEqual({
      retrain: true,
      reason: "raw data ingested at 2011-12-09T15:00:00.000Z was never trained on: the champion's latest training (its promotion, or the latest challenge it stood) was at 2011-12-09T03:00:00.000Z",
    });
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(2 * DAY), championChallengedAt: at(DAY / 4), lastIngestedAt: at(DAY / 2), maxModelAgeMs: 7 * DAY, now }).retrain).toBe(false);
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(DAY), lastIngestedAt: at(2 * DAY), maxModelAgeMs: 7 * DAY, now }).retrain).toBe(false);
  });

  it('retrains when objects whose raw object is gone were dropped after the champion\'s latest training', () => {
    const at = (age: number) => new Date(now - age).toISOString();
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(DAY), lastIngestedAt: at(2 * DAY), lastForgottenAt: at(DAY / 2), maxModelAgeMs: 7 * DAY, now })).toEqual({
      retrain: true,
      reason: "objects whose raw object is gone were dropped from the lake at 2011-12-09T15:00:00.000Z, after the champion's latest training (its promotion, or the latest challenge it stood) at 2011-12-09T03:00:00.000Z: the data changed",
    });
    expect(decideRetrain({ newObjects: 0, championPromotedAt: at(2 * DAY), championChallengedAt: at(DAY / 4), lastForgottenAt: at(DAY / 2), maxModelAgeMs: 7 * DAY, now }).retrain).toBe(false);
  });

  it('treats an unreadable promotedAt as too old', () => {
    expect(decideRetrain({ newObjects: 0, championPromotedAt: 'yesterday', maxModelAgeMs: DAY, now })).toMatchObject({ retrain: true, reason: expect.stringContaining('of unknown age') });
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1.5h', 5_400_000],
    ['7d', 7 * DAY],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '7', '0s', '-1h', '3w', '1 d'])('rejects %j quoting it', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow(`invalid duration ${JSON.stringify(text)}`);
  });
});

describe('parseCron', () => {
  it('gives the next UTC tick of a daily expression', () => {
    expect(parseCron('0 3 * * *').nextRun(new Date('2011-12-10T03:00:00Z'))?.toISOString()).toBe('2011-12-11T03:00:00.000Z');
  });

  it('rejects a bad expression quoting it', () => {
    expect(() => parseCron('0 25 * * *')).toThrow(CronExpressionError);
    expect(() => parseCron('every day')).toThrow(/^invalid cron expression "every day": /);
  });
});
