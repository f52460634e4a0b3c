import { buildEventIndex, customerItemsInWindow } from '../../features/event-index';
import { setHas } from '../../ranking/ranges';
import { purchaseEvents } from '../../features/events';
import { DAY_MS } from '../../lib/schema';
import { repeatBaseline } from '../../evaluation/baselines';
import { TrainingInputError } from '../../training/errors';
import { baselineScores, fitBaselineFallback, parseBaselineId } from '../../training/fallback';
import { trendPriorShift } from '../../training/prior-shift';
import { Catalog, DatasetFormatError, DatasetNotFoundError } from '../../lib/catalog';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from '../features/fixtures';
import { MemoryStore } from '../helpers/memory-store';

const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
const validationCutoff = T - 30 * DAY_MS;

describe('fitBaselineFallback', () => {
  const fallback = fitBaselineFallback(index, 'repeat', validationCutoff, 30, 10, 'challenger lost');

  /** The lists' hit rate at cut-off t, and the mean probability the fallback gives them without its prior shift. */
  const atCutoff = (t: number) => {
    const at = baselineScores(index, { ...fallback, calibration: { ...fallback.calibration, priorShift: 0 } }, t, 10);
    const truth = customerItemsInWindow(index, t, t + 30 * DAY_MS);
    let hits = 0;
    let mass = 0;
    for (let r = 0; r < at.rank.length; r++) {
      if (setHas(truth, at.customer[r], at.item[r])) hits++;
      mass += at.probability[r];
    }
    return { rate: hits / at.rank.length, mean: mass / at.rank.length };
  };

  it('fits a Platt map on the rank whose mean matches the validation hit rate, then shifts it to the trend of the hit rates', () => {
    expect(fallback).toMatchObject({ baseline: 'repeat', validationCutoff, k: 10, reason: 'challenger lost', calibration: { method: 'platt' } });
    const validation = atCutoff(validationCutoff);
    expect(validation.rate).toBeGreaterThan(0);
    // Platt's regularised targets bias the mean slightly toward 1/2: within 2 percentage points here.
    expect(Math.abs(validation.mean - validation.rate)).toBeLessThan(0.02);
    const before = atCutoff(validationCutoff - 30 * DAY_MS);
    expect(fallback.calibration.priorShift).toBe(trendPriorShift([before.rate, validation.rate]).shift);
    expect(fallback.calibration.priorShift).not.toBe(0);
  });

  it('scores the baseline lists at the as-of time with probabilities in [0, 1], non-increasing in rank', () => {
    const scores = baselineScores(index, fallback, T, 10);
    const lists = repeatBaseline(index, T, { k: 10 });
    // The export's K, not the K of the training that fitted the fallback.
    const three = baselineScores(index, fallback, T, 3);
    expect(Array.from(three.rank)).toEqual(Array.from(repeatBaseline(index, T, { k: 3 }).rank));
    expect(Math.max(...three.rank)).toBe(3);
    expect(Array.from(scores.item)).toEqual(Array.from(lists.item));
    expect(Array.from(scores.rank)).toEqual(Array.from(lists.rank));
    for (let r = 1; r < scores.rank.length; r++) {
      expect(scores.probability[r]).toBeGreaterThanOrEqual(0);
      expect(scores.probability[r]).toBeLessThanOrEqual(1);
      if (scores.customer[r] === scores.customer[r - 1]) expect(scores.probability[r]).toBeLessThanOrEqual(scores.probability[r - 1]);
    }
  });

  it('refuses a cut-off without any list', () => {
    expect(() => fitBaselineFallback(index, 'repeat', Date.parse('2010-01-01T00:00:00Z'), 30, 10, 'x')).toThrow(TrainingInputError);
  });
});

describe('parseBaselineId', () => {
  it('reads baseline:<name> and leaves model ids alone', () => {
    expect(parseBaselineId('baseline:popularity')).toBe('popularity');
    expect(parseBaselineId('20111109T000000000Z-3fa2c01b')).toBeUndefined();
    expect(() => parseBaselineId('baseline:tifu')).toThrow('unknown baseline "tifu" in "baseline:tifu"');
  });
});

describe('baseline fallback records', () => {
  it('round-trip through the store and fail with typed errors', async () => {
    const store = new MemoryStore();
    const { fallbacks } = new Catalog(store, 'online-retail');
    await expect(fallbacks.load('repeat')).rejects.toThrow(DatasetNotFoundError);
    const fallback = fitBaselineFallback(index, 'repeat', validationCutoff, 30, 10, 'challenger lost');
    const { key } = await fallbacks.save(fallback);
    expect(key).toBe('models/online-retail/baseline-repeat/fallback.json');
    expect(await fallbacks.load('repeat')).toEqual(fallback);
    await store.put(key, JSON.stringify({ ...fallback, k: 0 }));
    await expect(fallbacks.load('repeat')).rejects.toThrow(DatasetFormatError);
  });
});
