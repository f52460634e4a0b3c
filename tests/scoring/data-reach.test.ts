/**
 * scoring/runner.ts: scoring refuses an as-of time more than a horizon after the
 * data's last purchase (bad usage, exit 2), and scores at the present time over
 * data that ended a few days before it.
 */
import { EXIT, exitCodeOf } from '../../cli/exit';
import { buildEventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { DAY_MS } from '../../lib/schema';
import { AsOfAfterDataError } from '../../features/errors';
import { checkDataReach, scoreStep } from '../../scoring/runner';
import { cleanTable, RETAIL_RULES, syntheticShop } from '../features/fixtures';
import { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

const LAST = Date.parse('2011-12-09T12:50:00Z');
const time = [Date.parse('2010-12-01T08:26:00Z'), LAST];

describe('checkDataReach', () => {
  it('lets scoring run up to a horizon after the last purchase: at the present time over data of a few days before', () => {
    for (const asOf of [LAST + 1, LAST + 3 * DAY_MS, LAST + 30 * DAY_MS, Date.parse('2011-11-09T00:00:00Z')]) expect(() => checkDataReach(time, asOf, 30)).not.toThrow();
  });

  it('refuses a later as-of time as bad usage, naming it, the last purchase and the latest it allows', () => {
    expect(() => checkDataReach(time, LAST + 30 * DAY_MS + 1, 30)).toThrow(AsOfAfterDataError);
    expect(() => checkDataReach(time, LAST + 8 * DAY_MS, 7)).toThrow(AsOfAfterDataError);
    let error: unknown;
    try {
      checkDataReach(time, Date.parse('2012-12-09T00:00:00Z'), 30);
    } catch (e) {
      error = e;
    }
    expect(exitCodeOf(error)).toBe(EXIT.usage);
    expect((error as Error).message).toBe(
      'the as-of time 2012-12-09T00:00:00.000Z is 365.5 days after the data, whose last purchase is at 2011-12-09T12:50:00.000Z: '
        + 'more than the 30-day horizon without data, which the features would take for days without purchases; '
        + 'pass an --as-of up to 2012-01-08T12:50:00.000Z (or none: just after the last purchase), or ingest the newer data first',
    );
  });
});

describe('scoreStep a year after the data', () => {
  it('is refused before it writes anything', async () => {
    const lake = new MemoryStore();
    const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
    const last = index.events.time[index.events.time.length - 1];
    const asOf = last + 365 * DAY_MS;
    await expect(scoreStep(retailContext(lake, 'score'), index, { asOf, horizonDays: 30, k: 10, modelId: 'baseline:repeat' })).rejects.toThrow(
      `the as-of time ${new Date(asOf).toISOString()} is 365.0 days after the data, whose last purchase is at ${new Date(last).toISOString()}`,
    );
    expect(lake.puts).toEqual([]);
  });
});
