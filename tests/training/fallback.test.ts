import { buildEventIndex, customerItemsInWindow } from '../../features/event-index';
import type { PurchaseEvents } from '../../features/types';
import { setHas } from '../../ranking/ranges';
import { purchaseEvents } from '../../features/events';
import { DAY_MS } from '../../lib/schema';
import { repeatBaseline } from '../../evaluation/baselines';
import { TrainingInputError } from '../../training/errors';
import { applyCalibration } from '../../training/calibration';
import { baselineScores, fallbackFitId, fitBaselineFallback, parseBaselineId, parseFallbackId } from '../../training/fallback';
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

/**
 * 200 customers with the same three items, bought together (so every repeat
 * list is A, B, C): the 100 regulars (even ids) every 10 days until the cut-off
 * t, the 100 dormant ones only on days 0, 10 and 20, 180 days and more before
 * t. In [t, t + 30 d) 60 of the regulars buy A again and 5 of the dormant ones.
 */
function regularsAndDormant(): { index: ReturnType<typeof buildEventIndex>; t: number; regular: (c: number) => boolean } {
  const start = Date.parse('2011-01-01T00:00:00Z');
  const t = start + 200 * DAY_MS;
  const rows: [number, number, number, number][] = []; // time, customer, item, order
  let order = 0;
  for (let day = 0; day < 200; day += 10) {
    for (let c = 0; c < 200; c++) {
      if (c % 2 === 1 && day > 20) continue;
      order++;
      for (let item = 0; item < 3; item++) rows.push([start + day * DAY_MS + c, c, item, order]);
    }
  }
  for (let c = 0; c < 200; c++) {
    const buys = c % 2 === 0 ? c / 2 < 60 : (c - 1) / 2 < 5;
    if (buys) rows.push([t + 5 * DAY_MS + c, c, 0, ++order]);
  }
  const events: PurchaseEvents = {
    time: Float64Array.from(rows, (r) => r[0]),
    customer: Int32Array.from(rows, (r) => r[1]),
    item: Int32Array.from(rows, (r) => r[2]),
    order: Int32Array.from(rows, (r) => r[3]),
    quantity: new Float32Array(rows.length).fill(1),
    spend: new Float32Array(rows.length).fill(1),
    customerIds: Array.from({ length: 200 }, (_, c) => String(10_000 + c)),
    itemIds: ['A', 'B', 'C'],
  };
  return { index: buildEventIndex(events), t, regular: (c) => c % 2 === 0 };
}

describe('the baseline fallback\'s customer level', () => {
  const { index: shop, t, regular } = regularsAndDormant();
  const fallback = fitBaselineFallback(shop, 'repeat', t, 30, 10, 'challenger lost');
  const noShift = { ...fallback, calibration: { ...fallback.calibration, priorShift: 0 } };

  it('gives regulars and dormant customers of equal ranks their own rates at the cut-off, in the same order', () => {
    expect(fallback.customerLevel).toMatchObject({ method: 'logistic' });
    const scored = baselineScores(shop, noShift, t, 10);
    const truth = customerItemsInWindow(shop, t, t + 30 * DAY_MS);
    for (const group of [true, false]) {
      const rows = Array.from(scored.rank.keys()).filter((r) => scored.rank[r] === 1 && regular(scored.customer[r]) === group);
      const observed = rows.filter((r) => setHas(truth, scored.customer[r], scored.item[r])).length / rows.length;
      const predicted = rows.reduce((s, r) => s + scored.probability[r], 0) / rows.length;
      expect(observed).toBeCloseTo(group ? 0.6 : 0.05, 12);
      expect(Math.abs(predicted - observed)).toBeLessThan(0.03);
    }
    expect(Array.from(scored.item)).toEqual(Array.from(repeatBaseline(shop, t, { k: 10 }).item));
    for (let r = 1; r < scored.rank.length; r++) if (scored.customer[r] === scored.customer[r - 1]) expect(scored.probability[r]).toBeLessThanOrEqual(scored.probability[r - 1]);
  });

  it('scores a record written before it with the Platt map on the rank alone, as then', async () => {
    const { customerLevel: _, ...old } = noShift;
    const lists = repeatBaseline(shop, t, { k: 10 });
    const scored = baselineScores(shop, old, t, 10);
    expect(scored.probability).toEqual(applyCalibration(old.calibration, Float32Array.from(lists.rank, (r) => 1 / (1 + r))));
    // Rank 1 of a regular and of a dormant customer: one probability for both.
    expect(scored.probability[0]).toBe(scored.probability[3]);
    // Stored and read back without the field, it still loads and scores the same.
    const store = new MemoryStore();
    const { fallbacks } = new Catalog(store, 'online-retail');
    await store.put(fallbacks.key('repeat'), JSON.stringify(old));
    const loaded = await fallbacks.load('repeat');
    expect(loaded.customerLevel).toBeUndefined();
    expect(baselineScores(shop, loaded, t, 10).probability).toEqual(scored.probability);
  });
});

describe('parseBaselineId and parseFallbackId', () => {
  const MODEL = '20111109T000000000Z-3fa2c01b';
  it('read baseline:<name>@<model-id> and baseline:<name>, and leave model ids alone', () => {
    expect(fallbackFitId('repeat', MODEL)).toBe(`baseline:repeat@${MODEL}`);
    expect(parseFallbackId(`baseline:repeat@${MODEL}`)).toEqual({ baseline: 'repeat', modelId: MODEL });
    expect(parseBaselineId(`baseline:repeat@${MODEL}`)).toBe('repeat');
    expect(parseFallbackId('baseline:popularity')).toEqual({ baseline: 'popularity' });
    expect(parseBaselineId('baseline:popularity')).toBe('popularity');
    expect(parseBaselineId(MODEL)).toBeUndefined();
    expect(parseFallbackId(`blend:${MODEL}`)).toBeUndefined();
    expect(() => parseBaselineId('baseline:tifu')).toThrow('unknown baseline "tifu" in "baseline:tifu"');
    expect(() => parseBaselineId(`baseline:tifu@${MODEL}`)).toThrow(`unknown baseline "tifu" in "baseline:tifu@${MODEL}"`);
    // Names an object holds by its prototype are no baselines.
    for (const name of ['constructor', 'toString', '__proto__']) expect(() => parseBaselineId(`baseline:${name}`)).toThrow(`unknown baseline "${name}"`);
    expect(() => parseFallbackId('baseline:repeat@latest')).toThrow('"baseline:repeat@latest" names no fit of baseline repeat: expected baseline:repeat@<model-id>');
  });
});

describe('baseline fallback records', () => {
  it('round-trip through the store and fail with typed errors', async () => {
    const store = new MemoryStore();
    const { fallbacks } = new Catalog(store, 'online-retail');
    await expect(fallbacks.load('repeat')).rejects.toThrow(DatasetNotFoundError);
    const fallback = fitBaselineFallback(index, 'repeat', validationCutoff, 30, 10, 'challenger lost');
    const model = '20111109T000000000Z-3fa2c01b';
    await store.put(`models/online-retail/${model}/manifest.json`, '{}');
    const { key } = await fallbacks.save(model, fallback);
    expect(key).toBe(`models/online-retail/${model}/fallback.json`);
    expect(await fallbacks.load('repeat', model)).toEqual(fallback);
    await store.put(key, JSON.stringify({ ...fallback, k: 0 }));
    await expect(fallbacks.load('repeat', model)).rejects.toThrow(DatasetFormatError);
  });
});
