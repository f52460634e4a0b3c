/**
 * `evaluateAt` measures the calibration of the top-K lists on their own pairs,
 * apart from the calibration over every scored pair, and reports it under a
 * stable name and in the table.
 */
import { buildEventIndex, canEvaluate } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { evaluateAt, formatMetricsTable, metricsByName } from '../../evaluation/evaluate';
import { expectedCalibrationError, labelPairs } from '../../ranking/metrics';
import { buildTruth } from '../../evaluation/truth';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from '../features/fixtures';

describe('evaluateAt', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const truth = buildTruth(index, T, 30);
  const customers = index.events.customerIds.length;
  // Every customer's list: items 0, 1, 2 at ranks 1-3, with probabilities 0.9, 0.5, 0.1.
  const n = customers * 3;
  const lists = {
    customer: Int32Array.from({ length: n }, (_, r) => Math.floor(r / 3)),
    item: Int32Array.from({ length: n }, (_, r) => r % 3),
    rank: Int32Array.from({ length: n }, (_, r) => (r % 3) + 1),
    probability: Float32Array.from({ length: n }, (_, r) => [0.9, 0.5, 0.1][r % 3]),
  };
  // All scored pairs: the lists plus one pair per customer at probability 0.
  const scored = {
    customer: Int32Array.from([...lists.customer, ...Array.from({ length: customers }, (_, c) => c)]),
    item: Int32Array.from([...lists.item, ...Array.from({ length: customers }, () => 3)]),
    probability: Float32Array.from([...lists.probability, ...Array.from({ length: customers }, () => 0)]),
  };

  it('measures the ECE over the pairs of the lists, apart from the ECE over every scored pair', () => {
    const [model] = evaluateAt(index, T, 30, 3, { name: 'm', lists, scored });
    const expected = expectedCalibrationError(lists.probability, labelPairs(lists.customer, lists.item, truth));
    expect(model.eceTopK).toBeCloseTo(expected, 12);
    expect(model.eceTopK).toBeGreaterThan(0.05); // 0.9 and 0.5 for items most customers do not buy
    expect(model.ece).not.toBeCloseTo(model.eceTopK!, 4);
    expect(metricsByName([model], 'm')['model.ece@3']).toBe(model.eceTopK);
    expect(formatMetricsTable([model]).split('\n')[0]).toMatch(/ ECE +ECE@3 +LogLoss/);
  });

  it('leaves it out for lists without probabilities, and for the baselines', () => {
    const { probability: _dropped, ...bare } = lists;
    const rows = evaluateAt(index, T, 30, 3, { name: 'm', lists: bare, scored });
    expect(rows.map((r) => r.eceTopK)).toEqual([undefined, undefined, undefined]);
    expect(Object.keys(metricsByName(rows, 'm')).filter((k) => k.includes('ece@'))).toEqual([]);
  });
});

describe('canEvaluate', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const last = index.events.time[index.events.time.length - 1];
  const DAY = 86_400_000;

  it('needs the data to reach the end of the horizon, so that no part of it is missing from the truth', () => {
    // The data end just after the last event: a horizon may end there, not later.
    expect(canEvaluate(index, last + 1 - 30 * DAY, 30)).toBe(true);
    expect(canEvaluate(index, last + 2 - 30 * DAY, 30)).toBe(false);
    // The horizon would end an hour after the last event: that hour's purchases would be missing.
    expect(canEvaluate(index, last - 30 * DAY + 3_600_000, 30)).toBe(false);
    expect(canEvaluate(index, T, 30)).toBe(true);
  });
});
