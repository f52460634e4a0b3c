import {
  computeCurves,
  cumulativeGains,
  CurveInputError,
  precisionRecallCurve,
  rankByProbability,
  reliabilityDiagram,
  rocCurve,
  scoreHistogram,
} from '../../report/curves';
import { expectedCalibrationError } from '../../ranking/metrics';
import { syntheticScored } from './synthetic';

const pairs = (probability: number[], label: number[]) => ({ probability: Float32Array.from(probability), label: Uint8Array.from(label) });
const f32 = (x: number) => Math.fround(x);

// Six pairs, three of each class, no ties: worked by hand in the comments below.
const six = pairs([0.6, 0.9, 0.5, 0.7, 0.8, 0.55], [1, 1, 0, 0, 1, 0]);

describe('rankByProbability', () => {
  it('orders distinct thresholds descending with cumulative class counts', () => {
    const r = rankByProbability(six);
    expect(Array.from(r.threshold)).toEqual([0.9, 0.8, 0.7, 0.6, 0.55, 0.5].map(f32));
    expect(Array.from(r.tp)).toEqual([1, 2, 2, 3, 3, 3]);
    expect(Array.from(r.fp)).toEqual([0, 0, 1, 1, 2, 3]);
    expect([r.positives, r.negatives]).toEqual([3, 3]);
  });

  it('groups tied probabilities into one threshold, −0 with +0', () => {
    const r = rankByProbability(pairs([0.2, 0.8, 0.8, -0, 0, 0.2], [0, 1, 0, 1, 0, 1]));
    expect(Array.from(r.threshold)).toEqual([0.8, 0.2, 0].map(f32));
    expect(Array.from(r.tp)).toEqual([1, 2, 3]);
    expect(Array.from(r.fp)).toEqual([1, 2, 3]);
  });

  it('rejects bad pairs, naming the row and the value', () => {
    expect(() => rankByProbability(pairs([0.1, NaN], [0, 1]))).toThrow('scored pairs: expected a probability in [0, 1] at row 1, found NaN');
    expect(() => rankByProbability(pairs([0.1, 1.5], [0, 1]))).toThrow('at row 1, found 1.5');
    expect(() => rankByProbability(pairs([0.1, 0.2], [0, 2]))).toThrow('expected a label 0 or 1 at row 1, found 2');
    expect(() => rankByProbability({ probability: new Float32Array(3), label: new Uint8Array(2) })).toThrow(CurveInputError);
    expect(() => rankByProbability({ probability: new Float32Array(3), label: new Uint8Array(2) })).toThrow('found probability 3, label 2');
  });
});

describe('rocCurve', () => {
  it('steps through (FPR, TPR) and integrates AUC = 8/9 (8 of 9 positive-negative pairs ordered right)', () => {
    const roc = rocCurve(rankByProbability(six));
    expect(Array.from(roc.x)).toEqual([0, 0, 0, 1 / 3, 1 / 3, 2 / 3, 1]);
    expect(Array.from(roc.y)).toEqual([0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1]);
    expect(roc.auc).toBeCloseTo(8 / 9, 12);
  });

  it('draws ties as a diagonal, worth half (AUC 0.5 for fully tied classes)', () => {
    const roc = rocCurve(rankByProbability(pairs([0.5, 0.5, 0.2, 0.2], [1, 0, 1, 0])));
    expect(Array.from(roc.x)).toEqual([0, 0.5, 1]);
    expect(Array.from(roc.y)).toEqual([0, 0.5, 1]);
    expect(roc.auc).toBe(0.5);
  });

  it('equals the Mann-Whitney statistic on tied random scores', () => {
    const { probability, label } = syntheticScored(2000, 7);
    const q = probability.map((p) => Math.round(p * 20) / 20); // 21 levels: many ties
    let wins = 0;
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < q.length; i++) {
      if (label[i] === 1) pos++;
      else neg++;
      if (label[i] !== 1) continue;
      for (let j = 0; j < q.length; j++) if (label[j] === 0) wins += q[i] > q[j] ? 1 : q[i] === q[j] ? 0.5 : 0;
    }
    expect(rocCurve(rankByProbability({ probability: q, label })).auc).toBeCloseTo(wins / (pos * neg), 10);
  });

  it('needs both classes', () => {
    expect(() => rocCurve(rankByProbability(pairs([0.1, 0.2], [1, 1])))).toThrow('ROC curve: expected positives and negatives, found 2 positives and 0 negatives');
  });
});

describe('precisionRecallCurve', () => {
  it('gives one point per threshold and AP = 1/3 + 1/3 + 1/3 · 3/4 = 11/12', () => {
    const pr = precisionRecallCurve(rankByProbability(six));
    expect(Array.from(pr.x)).toEqual([1 / 3, 2 / 3, 2 / 3, 1, 1, 1]);
    expect(Array.from(pr.y)).toEqual([1, 1, 2 / 3, 3 / 4, 3 / 5, 1 / 2]);
    expect(pr.averagePrecision).toBeCloseTo(11 / 12, 12);
    expect(pr.baseRate).toBe(0.5);
  });

  it('needs a positive', () => {
    expect(() => precisionRecallCurve(rankByProbability(pairs([0.1], [0])))).toThrow('precision-recall curve: expected at least one positive among 1 pairs');
  });
});

describe('cumulativeGains', () => {
  it('captures the share of positives against the share of pairs taken', () => {
    const g = cumulativeGains(rankByProbability(six));
    expect(Array.from(g.x)).toEqual([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
    expect(Array.from(g.y)).toEqual([0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1]);
  });
});

describe('thinning', () => {
  const scored = syntheticScored(200_000, 1);
  const ranked = rankByProbability(scored);

  it('keeps at most maxPoints + 2 points, from (0, 0) to (1, 1), monotone', () => {
    for (const curve of [rocCurve(ranked, 100), cumulativeGains(ranked, 100)]) {
      expect(curve.x.length).toBeLessThanOrEqual(102);
      expect(curve.x.length).toBeGreaterThan(50);
      expect([curve.x[0], curve.y[0]]).toEqual([0, 0]);
      expect([curve.x[curve.x.length - 1], curve.y[curve.y.length - 1]]).toEqual([1, 1]);
      for (let i = 1; i < curve.x.length; i++) expect(curve.x[i] >= curve.x[i - 1] && curve.y[i] >= curve.y[i - 1]).toBe(true);
    }
    const pr = precisionRecallCurve(ranked, 100);
    expect(pr.x.length).toBeLessThanOrEqual(102);
    expect(pr.x[pr.x.length - 1]).toBe(1);
  });

  it('leaves AUC and AP at full resolution, and a logistic signal gives a useful AUC', () => {
    expect(rocCurve(ranked, 10).auc).toBe(rocCurve(ranked, 1000).auc);
    expect(precisionRecallCurve(ranked, 10).averagePrecision).toBe(precisionRecallCurve(ranked, 1000).averagePrecision);
    const auc = rocCurve(ranked).auc;
    expect(auc).toBeGreaterThan(0.75);
    expect(auc).toBeLessThan(0.95);
  });

  it('rejects a resolution below 2', () => {
    expect(() => rocCurve(ranked, 1)).toThrow('maxPoints: expected an integer ≥ 2, found 1');
  });
});

describe('reliabilityDiagram', () => {
  it('bins equal-width, p = 1 in the last bin, ECE = (0.05 + 2 · 0.35 + 2 · 0.025) / 5 = 0.16', () => {
    const r = reliabilityDiagram(pairs([0.05, 0.15, 0.15, 0.95, 1], [0, 0, 1, 1, 1]));
    expect(Array.from(r.count)).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(r.meanPredicted[1]).toBeCloseTo(0.15, 6);
    expect(r.observedRate[1]).toBe(0.5);
    expect(r.meanPredicted[9]).toBeCloseTo(0.975, 6);
    expect(Number.isNaN(r.meanPredicted[4]) && Number.isNaN(r.observedRate[4])).toBe(true);
    expect(r.lower[3]).toBeCloseTo(0.3, 12);
    expect(r.ece).toBeCloseTo(0.16, 6);
  });

  it('agrees with the protocol ECE of ranking/metrics', () => {
    const scored = syntheticScored(50_000, 3);
    expect(reliabilityDiagram(scored).ece).toBeCloseTo(expectedCalibrationError(scored.probability, scored.label), 12);
  });

  it('is 0 for no pairs and rejects bad bins', () => {
    expect(reliabilityDiagram(pairs([], [])).ece).toBe(0);
    expect(() => reliabilityDiagram(six, 0)).toThrow('bins: expected a positive integer, found 0');
  });
});

describe('scoreHistogram', () => {
  it('counts each class over equal-width bins up to the largest probability', () => {
    const h = scoreHistogram(pairs([0, 0.125, 0.25, 0.375, 0.5, 0.5], [0, 0, 1, 0, 1, 0]), 4);
    expect(Array.from(h.edges)).toEqual([0, 0.125, 0.25, 0.375, 0.5]);
    expect(Array.from(h.negatives)).toEqual([1, 1, 0, 2]);
    expect(Array.from(h.positives)).toEqual([0, 0, 1, 1]);
  });

  it('spans [0, 1] when every probability is 0', () => {
    const h = scoreHistogram(pairs([0, 0], [0, 1]), 2);
    expect(Array.from(h.edges)).toEqual([0, 0.5, 1]);
    expect(Array.from(h.positives)).toEqual([1, 0]);
  });
});

describe('computeCurves', () => {
  it('leaves out the curves a single-class input cannot define', () => {
    const c = computeCurves(pairs([0.1, 0.3], [0, 0]));
    expect([c.pairs, c.positives, c.negatives]).toEqual([2, 0, 2]);
    expect(c.roc).toBeUndefined();
    expect(c.pr).toBeUndefined();
    expect(c.gains).toBeUndefined();
    expect(c.reliability.count[1]).toBe(1);
  });

  it('gives every curve on realistic pairs', () => {
    const c = computeCurves(syntheticScored(100_000, 5));
    expect(c.roc?.auc).toBeGreaterThan(0.75);
    expect(c.pr?.averagePrecision).toBeGreaterThan(c.pr?.baseRate ?? 1);
    expect(c.reliability.ece).toBeLessThan(0.01); // the synthetic labels are drawn from the probabilities
    expect(c.histogram.positives.reduce((a, b) => a + b, 0)).toBe(c.positives);
  });
});
