import type { RankedLists } from '../../ranking/lists';
import {
  addCalibration,
  addScoredPairs,
  calibrationError,
  calibrationSums,
  customerMetrics,
  expectedCalibrationError,
  labelPairs,
  logLoss,
  meanLogLoss,
  MetricInputError,
  rankingCurves,
  rankingMetrics,
} from '../../ranking/metrics';
import type { Truth } from '../../ranking/truth';

// Two evaluated customers: 3 → {1, 5, 9}; 7 → {2}. Customer 4 is known but bought nothing.
const TRUTH: Truth = {
  asOf: Date.parse('2011-11-09T00:00:00Z'),
  horizonDays: 30,
  knownCustomers: 8,
  customers: Int32Array.from([3, 7]),
  offsets: Int32Array.from([0, 3, 4]),
  items: Int32Array.from([1, 5, 9, 2]),
};

function lists(rows: [number, number, number][]): RankedLists {
  return {
    customer: Int32Array.from(rows.map((r) => r[0])),
    item: Int32Array.from(rows.map((r) => r[1])),
    rank: Int32Array.from(rows.map((r) => r[2])),
  };
}

describe('rankingMetrics', () => {
  it('matches the protocol definitions on a case worked by hand (K = 3)', () => {
    // Customer 3, list [5, 8, 1]: hits at ranks 1 and 3, |truth| = 3.
    //   recall 2/3, precision 2/3, hit 1;
    //   DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/2 = 2.1309298;
    //   NDCG = 0.7039180; AP = (1/1 + 2/3) / min(3, 3) = 0.5555556.
    // Customer 7, list [4, 2] (only two items): hit at rank 2, |truth| = 1.
    //   recall 1, precision 1/3, hit 1; DCG = 1/log2(3) = 0.6309298, IDCG = 1;
    //   AP = (1/2) / 1 = 0.5.
    // Customer 4 is not evaluated: its list is ignored. Row order does not matter.
    const m = rankingMetrics(
      lists([[7, 2, 2], [3, 1, 3], [4, 1, 1], [3, 5, 1], [7, 4, 1], [3, 8, 2], [3, 9, 4]]),
      TRUTH,
      3,
    );
    expect(m.customers).toBe(2);
    expect(m.recall).toBeCloseTo((2 / 3 + 1) / 2, 10);
    expect(m.precision).toBeCloseTo((2 / 3 + 1 / 3) / 2, 10);
    expect(m.hitRate).toBe(1);
    expect(m.ndcg).toBeCloseTo((1.5 / (1 + 1 / Math.log2(3) + 0.5) + 1 / Math.log2(3)) / 2, 10);
    expect(m.map).toBeCloseTo((5 / 9 + 0.5) / 2, 10);
  });

  it('scores 0 for an evaluated customer without a list', () => {
    // Only customer 7 has a list: [2] → every metric 1 for it (precision 1/K), 0 for customer 3.
    const m = rankingMetrics(lists([[7, 2, 1]]), TRUTH, 10);
    expect(m).toEqual({ k: 10, customers: 2, recall: 0.5, precision: 0.05, ndcg: 0.5, hitRate: 0.5, map: 0.5 });
  });

  it('normalises NDCG and MAP by min(K, |truth|) when the truth is larger than K', () => {
    // K = 2, customer 3 list [9, 1]: both hit. IDCG over 2 positions → NDCG 1; AP = (1 + 1) / 2 = 1.
    const m = rankingMetrics(lists([[3, 9, 1], [3, 1, 2]]), { ...TRUTH, customers: Int32Array.from([3]), offsets: Int32Array.from([0, 3]) }, 2);
    expect(m.ndcg).toBeCloseTo(1, 12);
    expect(m.map).toBeCloseTo(1, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
  });

  it('rejects duplicate ranks and items, and ranks below 1', () => {
    expect(() => rankingMetrics(lists([[3, 1, 1], [3, 5, 1]]), TRUTH)).toThrow(MetricInputError);
    expect(() => rankingMetrics(lists([[3, 1, 1], [3, 5, 1]]), TRUTH)).toThrow('customer 3 has two rows at rank 1 (items 1 and 5, row 1)');
    expect(() => rankingMetrics(lists([[3, 1, 1], [3, 1, 2]]), TRUTH)).toThrow('customer 3 has item 1 at ranks 1 and 2');
    expect(() => rankingMetrics(lists([[3, 1, 0]]), TRUTH)).toThrow('expected a rank ≥ 1 at row 0, found 0');
  });
});

describe('rankingCurves', () => {
  it('gives the metrics at every cut-off 1 … K of the case worked by hand', () => {
    // Customer 3, list [5, 8, 1], hits at ranks 1 and 3, |truth| 3; customer 7, list [4, 2], hit at rank 2, |truth| 1.
    const c = rankingCurves(lists([[7, 2, 2], [3, 1, 3], [4, 1, 1], [3, 5, 1], [7, 4, 1], [3, 8, 2]]), TRUTH, 3);
    expect(c.map((m) => m.k)).toEqual([1, 2, 3]);
    // K = 1: customer 3 hits at rank 1 (recall 1/3, NDCG 1, AP 1), customer 7 misses.
    expect(c[0]).toEqual({ k: 1, customers: 2, recall: 1 / 6, precision: 0.5, ndcg: 0.5, hitRate: 0.5, map: 0.5 });
    // K = 2: customer 3 one hit of two (IDCG 1 + 1/log2 3), customer 7 its hit at rank 2 (NDCG 1/log2 3, AP 1/2).
    expect(c[1].recall).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(c[1].precision).toBeCloseTo(0.5, 12);
    expect(c[1].ndcg).toBeCloseTo((1 / (1 + 1 / Math.log2(3)) + 1 / Math.log2(3)) / 2, 12);
    expect(c[1].hitRate).toBe(1);
    expect(c[1].map).toBeCloseTo((0.5 + 0.5) / 2, 12);
    expect(c[2]).toEqual(rankingMetrics(lists([[7, 2, 2], [3, 1, 3], [3, 5, 1], [7, 4, 1], [3, 8, 2]]), TRUTH, 3));
    expect(c[2].ndcg).toBeCloseTo((1.5 / (1 + 1 / Math.log2(3) + 0.5) + 1 / Math.log2(3)) / 2, 12);
  });

  it('lets two customers list the same item, and rejects one customer listing it twice', () => {
    expect(() => rankingCurves(lists([[3, 2, 1], [7, 2, 1]]), TRUTH, 2)).not.toThrow();
    expect(() => rankingCurves(lists([[3, 2, 1], [7, 2, 1], [7, 2, 2]]), TRUTH, 2)).toThrow('customer 7 has item 2 at ranks 1 and 2');
  });
});

describe('labelPairs', () => {
  it('labels scored pairs against the truth, 0 for customers not evaluated', () => {
    const label = labelPairs(Int32Array.from([3, 3, 7, 4, 12]), Int32Array.from([9, 2, 2, 1, 1]), TRUTH);
    expect(Array.from(label)).toEqual([1, 0, 1, 0, 0]);
  });
});

describe('calibration', () => {
  it('computes ECE over 10 equal-width bins weighted by bin size', () => {
    // Bin [0.1, 0.2): p 0.1, 0.1, 0.1, 0.1 with labels 0, 0, 0, 1 → |0.1 − 0.25| = 0.15, weight 4/6.
    // Bin [0.9, 1.0]: p 0.9 and 1.0 (1.0 falls in the last bin), labels 1, 1 → |0.95 − 1| = 0.05, weight 2/6.
    // ECE = 4/6 · 0.15 + 2/6 · 0.05 = 0.1166667.
    const p = Float64Array.from([0.1, 0.1, 0.1, 0.1, 0.9, 1.0]);
    const y = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    expect(expectedCalibrationError(p, y)).toBeCloseTo(0.1166667, 6);
  });

  it('is 0 for a perfectly calibrated bin', () => {
    expect(expectedCalibrationError(Float64Array.from([0.5, 0.5]), Uint8Array.from([0, 1]))).toBeCloseTo(0, 12);
  });

  it('computes log loss with probabilities clipped to [1e-7, 1 − 1e-7]', () => {
    // −(ln 0.8 + ln(1 − 0.4)) / 2 = 0.3669845; a confident miss costs −ln(1e-7) = 16.1181 instead of ∞.
    expect(logLoss(Float64Array.from([0.8, 0.4]), Uint8Array.from([1, 0]))).toBeCloseTo(0.3669845, 6);
    expect(logLoss(Float64Array.from([0]), Uint8Array.from([1]))).toBeCloseTo(-Math.log(1e-7), 6);
  });

  it('rejects probabilities outside [0, 1] and length mismatches', () => {
    expect(() => logLoss(Float64Array.from([1.2]), Uint8Array.from([1]))).toThrow('probability: expected a value in [0, 1] at row 0, found 1.2');
    expect(() => expectedCalibrationError(Float64Array.from([0.2, Number.NaN]), Uint8Array.from([1, 0]))).toThrow(MetricInputError);
    expect(() => logLoss(Float64Array.from([0.2]), Uint8Array.from([1, 0]))).toThrow('expected equal lengths, found probability 1, label 2');
  });
});

describe('calibration sums', () => {
  /** n pairs of float32 probabilities (some exactly 0 and 1) with 0/1 labels, from a fixed LCG. */
  function pairs(n: number): { p: Float32Array; y: Uint8Array } {
    let state = 12345;
    const next = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const p = Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : i % 89 === 0 ? 1 : next()));
    const y = Uint8Array.from(p, (x) => (next() < x ? 1 : 0));
    return { p, y };
  }

  it('accumulated in two batches are bit for bit the sums, ECE and log loss of one batch of all the pairs', () => {
    const { p, y } = pairs(10_001);
    const cut = 3_333;
    const whole = addCalibration(calibrationSums(), p, y);
    const halves = addCalibration(addCalibration(calibrationSums(), p.subarray(0, cut), y.subarray(0, cut)), p.subarray(cut), y.subarray(cut));
    expect(halves).toEqual(whole);
    expect(halves.pairs).toBe(10_001);
    expect(calibrationError(halves)).toBe(expectedCalibrationError(p, y));
    expect(meanLogLoss(halves)).toBe(logLoss(p, y));
    expect(calibrationError(halves)).toBeGreaterThan(0);
  });

  it('are 0 for no pairs, and keep the bins asked for', () => {
    const empty = calibrationSums(4);
    expect([empty.count.length, calibrationError(empty), meanLogLoss(empty)]).toEqual([4, 0, 0]);
    expect(calibrationError(addCalibration(calibrationSums(4), Float64Array.from([0.3, 0.3]), Uint8Array.from([1, 1])))).toBe(expectedCalibrationError(Float64Array.from([0.3, 0.3]), Uint8Array.from([1, 1]), 4));
  });

  it('are left unchanged by a batch that breaks the input contract, named by its row', () => {
    const sums = addCalibration(calibrationSums(), Float64Array.from([0.2, 0.7]), Uint8Array.from([0, 1]));
    const before = { ...sums, count: sums.count.slice(), sumP: sums.sumP.slice(), sumY: sums.sumY.slice() };
    expect(() => addCalibration(sums, Float64Array.from([0.4, 1.5]), Uint8Array.from([1, 0]))).toThrow('probability: expected a value in [0, 1] at row 1, found 1.5');
    expect(sums).toEqual(before);
  });

  it('label scored pairs against the truth as labelPairs does', () => {
    const scored = { customer: Int32Array.from([3, 3, 7, 4, 12]), item: Int32Array.from([9, 2, 2, 1, 1]), probability: Float32Array.from([0.9, 0.2, 0.6, 0.1, 0.05]) };
    const expected = addCalibration(calibrationSums(), scored.probability, labelPairs(scored.customer, scored.item, TRUTH));
    expect(addScoredPairs(calibrationSums(), scored, TRUTH)).toEqual(expected);
    expect(expected.sumY.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('customerMetrics', () => {
  it('gives each evaluated customer its own figures, whose means are rankingMetrics', () => {
    const l = lists([[7, 2, 2], [3, 1, 3], [4, 1, 1], [3, 5, 1], [7, 4, 1], [3, 8, 2], [3, 9, 4]]);
    const c = customerMetrics(l, TRUTH, 3);
    expect(Array.from(c.customers)).toEqual([3, 7]);
    expect(c.k).toBe(3);
    // Worked by hand above: customer 3 NDCG 1.5 / 2.1309298, customer 7 0.6309298.
    expect(c.ndcg[0]).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5), 10);
    expect(c.ndcg[1]).toBeCloseTo(1 / Math.log2(3), 10);
    expect(Array.from(c.recall)).toEqual([2 / 3, 1]);
    const m = rankingMetrics(l, TRUTH, 3);
    for (const name of ['recall', 'precision', 'ndcg', 'hitRate', 'map'] as const) expect((c[name][0] + c[name][1]) / 2).toBeCloseTo(m[name], 12);
  });

  it('scores a customer without a list 0 and keeps the truth order', () => {
    const c = customerMetrics(lists([[7, 2, 1]]), TRUTH, 10);
    expect(Array.from(c.ndcg)).toEqual([0, 1]);
    expect(() => customerMetrics(lists([[3, 1, 1], [3, 5, 1]]), TRUTH, 10)).toThrow(MetricInputError);
  });
});
