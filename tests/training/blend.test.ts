/**
 * training/blend.ts: the weighted reciprocal-rank fusion of a model's order with
 * a baseline's, on hand-made rows (ranks, scores, the 0.001 weight that keeps the
 * baseline's list and lets the model rank the rest), and its fit on the
 * validation cut-off of the synthetic shop (out of fold, calibrated, no rows after T).
 */
import { buildEventIndex } from '../../features/event-index';
import { buildFeatureSet } from '../../features/build';
import { purchaseEvents } from '../../features/events';
import { DAY_MS } from '../../lib/schema';
import type { RankedLists } from '../../ranking/lists';
import { itemOrder, topKPerCustomer } from '../../ranking/topk';
import { repeatBaseline } from '../../evaluation/baselines';
import { baselineRanks, BLEND_WEIGHTS, blendLevelCovariates, blendRows, blendScores, fitBlend, formatWeight, modelRanks, parseBlendId, RRF_CONSTANT } from '../../training/blend';
import { applyCalibration, logit, sigmoid } from '../../training/calibration';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from '../features/fixtures';

// Customer 0: items 10..14; customer 1: items 10..12. Model probabilities descending with the item id for
// customer 0, ascending for customer 1.
const customer = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1]);
const item = Int32Array.from([10, 11, 12, 13, 14, 10, 11, 12]);
const probability = Float32Array.from([0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.2, 0.3]);
const tieKey = Int32Array.from({ length: 20 }, (_, i) => i);
// The baseline lists item 14 then 12 for customer 0, nothing for customer 1.
const baseline: RankedLists = { customer: Int32Array.from([0, 0]), item: Int32Array.from([14, 12]), rank: Int32Array.from([1, 2]) };

describe('blend scores', () => {
  it('ranks rows by the model within each customer, and finds their rank in the baseline list', () => {
    expect(Array.from(modelRanks(customer, item, probability, probability, tieKey))).toEqual([1, 2, 3, 4, 5, 3, 2, 1]);
    expect(Array.from(baselineRanks(baseline, customer, item))).toEqual([0, 0, 2, 0, 1, 0, 0, 0]);
  });

  it('is the weighted reciprocal-rank fusion scaled to (0, 1]', () => {
    const c = RRF_CONSTANT;
    const s = blendScores(Int32Array.from([1, 3]), Int32Array.from([1, 0]), 0.4);
    expect(s[0]).toBeCloseTo((c + 1) * (0.4 / (c + 1) + 0.6 / (c + 1)), 6);
    expect(s[0]).toBeCloseTo(1, 6);
    expect(s[1]).toBeCloseTo((c + 1) * (0.4 / (c + 3)), 6);
    // Weight 1: the model's order alone.
    const m = blendScores(Int32Array.from([2, 1, 3]), Int32Array.from([1, 0, 2]), 1);
    expect(m[1]).toBeGreaterThan(m[0]);
    expect(m[0]).toBeGreaterThan(m[2]);
  });

  it('at weight 0.001 keeps the baseline list first, in its order, and the model orders the rest', () => {
    const { score, probability: p } = blendRows({ weight: BLEND_WEIGHTS[0], calibration: { method: 'identity' } }, baseline, { customer, item, probability, raw: probability }, tieKey);
    const top = topKPerCustomer(customer, item, p, 10, { score, tieKey });
    expect(Array.from(top.item)).toEqual([14, 12, 10, 11, 13, 12, 11, 10]);
    expect(BLEND_WEIGHTS[0]).toBe(0.001);
    expect(BLEND_WEIGHTS[BLEND_WEIGHTS.length - 1]).toBe(1);
  });

  it('names blends blend:<model-id> and prints weights short', () => {
    expect(parseBlendId('blend:20111109T000000000Z-3fa2c01b')).toBe('20111109T000000000Z-3fa2c01b');
    expect(parseBlendId('baseline:repeat')).toBeUndefined();
    expect(parseBlendId('20111109T000000000Z-3fa2c01b')).toBeUndefined();
    expect([0.001, 0.05, 0.7, 1].map(formatWeight)).toEqual(['0.001', '0.05', '0.7', '1']);
  });
});

describe('fitBlend', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const cutoff = T - 30 * DAY_MS;
  const held = buildFeatureSet(index, cutoff, { withLabels: true, horizonDays: 30 });
  // A "model" that knows nothing: the same score for every row, so it orders by item id.
  const flat = new Float32Array(held.n).fill(0.1);

  it('picks a weight on the validation cut-off, judged out of fold, and never beats a baseline it only repeats', () => {
    const fit = fitBlend(index, held, { probability: flat, raw: flat }, 'repeat', { horizonDays: 30, k: 10 });
    expect(BLEND_WEIGHTS).toContain(fit.weight);
    for (const w of fit.foldWeights) expect(BLEND_WEIGHTS).toContain(w);
    expect(fit.outOfFold.length).toBe(fit.baselineNdcg.length);
    expect(fit.outOfFoldNdcg).toBeCloseTo(fit.outOfFold.reduce((s, x) => s + x, 0) / fit.outOfFold.length, 12);
    expect(fit.metrics).toMatchObject({ system: 'blend', customers: fit.outOfFold.length });
    expect(fit.metrics.ece).toBeGreaterThanOrEqual(0);
    expect(fit.calibration.method === 'platt' || fit.calibration.method === 'isotonic').toBe(true);
  });

  it('reproduces the baseline where its lists are full, at weight 0.001', () => {
    const tie = itemOrder(index.events.itemIds);
    const lists = repeatBaseline(index, cutoff, { k: 10 });
    const score = blendScores(modelRanks(held.customer, held.item, flat, flat, tie), baselineRanks(lists, held.customer, held.item), 0.001);
    const top = topKPerCustomer(held.customer, held.item, score, 10, { tieKey: tie });
    for (let r = 0; r < lists.rank.length; r++) {
      const at = top.customer.findIndex((c, j) => c === lists.customer[r] && top.rank[j] === lists.rank[r]);
      expect(top.item[at]).toBe(lists.item[r]);
    }
  });

  it('gives customers the model expects to buy more higher probabilities at equal ranks, each group at its rate, the order unchanged', () => {
    // The model's expected items E_u: 2 for customers who buy in the horizon, 0.02 for the others, spread evenly over their candidates.
    const rowsOf = new Map<number, number>();
    const buys = new Set<number>();
    held.customer.forEach((c, r) => {
      rowsOf.set(c, (rowsOf.get(c) ?? 0) + 1);
      if (held.label![r] === 1) buys.add(c);
    });
    const even = Float32Array.from(held.customer, (c) => (buys.has(c) ? 2 : 0.02) / rowsOf.get(c)!);
    const fit = fitBlend(index, held, { probability: even, raw: even }, 'repeat', { horizonDays: 30, k: 10 });
    expect(fit.customerLevel).toMatchObject({ method: 'logistic' });
    const tie = itemOrder(index.events.itemIds);
    const lists = repeatBaseline(index, cutoff, { k: 10 });
    const blend = { weight: fit.weight, calibration: fit.calibration, customerLevel: fit.customerLevel };
    const { score, probability: p } = blendRows(blend, lists, { customer: held.customer, item: held.item, probability: even, raw: even }, tie);
    const before = blendRows({ weight: fit.weight, calibration: fit.calibration }, lists, { customer: held.customer, item: held.item, probability: even, raw: even }, tie);
    // A record written before the level: the map of the blend score alone, whatever the customer.
    expect(before.probability).toEqual(applyCalibration(fit.calibration, score));
    for (const group of [true, false]) {
      const rows = Array.from(held.customer.keys()).filter((r) => buys.has(held.customer[r]) === group);
      const observed = rows.reduce((s, r) => s + held.label![r], 0) / rows.length;
      const mean = (q: Float32Array): number => rows.reduce((s, r) => s + q[r], 0) / rows.length;
      expect(Math.abs(mean(p) - observed)).toBeLessThan(0.1 * observed + 0.002);
      expect(Math.abs(mean(before.probability) - observed)).toBeGreaterThan(0.2 * observed);
    }
    // Scoring's probabilities carry the model's prior shift, which the covariate takes off.
    const shifted = Float32Array.from(even, (q) => sigmoid(logit(q) + 0.4));
    expect(blendLevelCovariates(held.customer, shifted, 0.4)[0][0]).toBeCloseTo(blendLevelCovariates(held.customer, even)[0][0], 5);
    // The same lists as the map alone gives, in the same order.
    const top = (q: Float32Array) => topKPerCustomer(held.customer, held.item, q, 10, { score, tieKey: tie });
    expect(Array.from(top(p).item)).toEqual(Array.from(top(before.probability).item));
    expect(Array.from(top(p).customer)).toEqual(Array.from(top(before.probability).customer));
  });

  it('refuses rows without labels or scores of another length', () => {
    const unlabelled = buildFeatureSet(index, cutoff, { horizonDays: 30 });
    expect(() => fitBlend(index, unlabelled, { probability: flat, raw: flat }, 'repeat', { horizonDays: 30, k: 10 })).toThrow('have no labels');
    expect(() => fitBlend(index, held, { probability: flat.subarray(1), raw: flat }, 'repeat', { horizonDays: 30, k: 10 })).toThrow(`${held.n} rows but ${held.n - 1} probabilities`);
  });
});
