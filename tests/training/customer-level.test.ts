/**
 * training/customer-level.ts: the logistic fit of a customer level after a
 * rank-only map (coefficients recovered, group means met, order within a
 * customer kept, a ≤ 0 refused), and its application (the map alone without a
 * level, the prior shift after it).
 */
import { applyCalibration, type Calibration, logit, sigmoid } from '../../training/calibration';
import { calibrateWithLevel, type CustomerLevel, fitCustomerLevel } from '../../training/customer-level';
import { TrainingInputError } from '../../training/errors';
import { Prng } from '../../lib/prng';

/** n customers of 10 rows each: p₀ = 0.3 / rank; customer u's covariate x(u) ∈ {0, 1}; labels from σ(a·logit(p₀) + b·x + c). */
function generate(seed: number, customers: number, truth: { a: number; b: number; c: number }) {
  const rng = new Prng(seed);
  const n = customers * 10;
  const customer = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 10));
  const p0 = Float32Array.from({ length: n }, (_, i) => 0.3 / (1 + (i % 10)));
  const x = Float64Array.from(customer, (u) => u % 2);
  const label = Uint8Array.from({ length: n }, (_, i) => (rng.next() < sigmoid(truth.a * logit(p0[i]) + truth.b * x[i] + truth.c) ? 1 : 0));
  return { customer, p0, x, label };
}

const identity: Calibration = { method: 'identity' };

describe('fitCustomerLevel', () => {
  it('recovers the coefficients of a logistic level model', () => {
    const { p0, x, label } = generate(1, 20000, { a: 0.8, b: 1.5, c: -1 });
    const level = fitCustomerLevel(p0, [x], label) as Extract<CustomerLevel, { method: 'logistic' }>;
    expect(level.method).toBe('logistic');
    expect(Math.abs(level.a - 0.8)).toBeLessThan(0.05);
    expect(Math.abs(level.b[0] - 1.5)).toBeLessThan(0.06);
    expect(Math.abs(level.c + 1)).toBeLessThan(0.08);
  });

  it('gives two groups of equal ranks their own rates, where the rank-only map gives both the same, and keeps each customer\'s order', () => {
    // Customers with x = 1 buy about 8 times as often at every rank as those with x = 0.
    const { customer, p0, x, label } = generate(2, 4000, { a: 1, b: 2.5, c: -1.5 });
    const level = fitCustomerLevel(p0, [x], label);
    const p = calibrateWithLevel(identity, level, p0, () => [x]);
    for (const group of [0, 1]) {
      const rows = Array.from(x.keys()).filter((i) => x[i] === group);
      const observed = rows.reduce((s, i) => s + label[i], 0) / rows.length;
      const predicted = rows.reduce((s, i) => s + p[i], 0) / rows.length;
      const rankOnly = rows.reduce((s, i) => s + p0[i], 0) / rows.length;
      expect(Math.abs(predicted - observed)).toBeLessThan(0.005);
      // The rank-only map gives both groups the same mean, far from either rate.
      expect(Math.abs(rankOnly - observed)).toBeGreaterThan(0.02);
    }
    for (let i = 1; i < p.length; i++) if (customer[i] === customer[i - 1]) expect(p[i]).toBeLessThan(p[i - 1]);
  });

  it('refuses a fit whose rank term would reverse the order, and says why', () => {
    const { p0, x, label } = generate(3, 2000, { a: -0.7, b: 0, c: -2 });
    const level = fitCustomerLevel(p0, [x], label);
    expect(level).toMatchObject({ method: 'none' });
    expect((level as { reason: string }).reason).toMatch(/^the logistic fit gave a = -0\.\d+ ≤ 0 on the rank term/);
    // Scoring then uses the map alone.
    expect(calibrateWithLevel(identity, level, p0, () => [x])).toEqual(applyCalibration(identity, p0));
  });

  it('refuses a covariate that is not finite, naming it and the row, instead of a Newton failure', () => {
    const { p0, x, label } = generate(3, 2000, { a: 1, b: 0.5, c: -2 });
    x[17] = Number.NEGATIVE_INFINITY;
    expect(fitCustomerLevel(p0, [x], label)).toEqual({ method: 'none', reason: 'covariate 1 is -Infinity at row 17' });
  });

  it('refuses no rows and columns of other lengths', () => {
    expect(() => fitCustomerLevel([], [], [])).toThrow(TrainingInputError);
    expect(() => fitCustomerLevel([0.1, 0.2], [new Float64Array(3)], [0, 1])).toThrow('2 labels but a column of 3 values');
  });
});

describe('calibrateWithLevel', () => {
  const score = Float32Array.from([0.9, 0.5, 0.2]);
  const platt: Calibration = { method: 'platt', a: 0.7, b: -1, priorShift: 0.3 };

  it('is the map alone, prior shift included, without a level', () => {
    expect(calibrateWithLevel(platt, undefined, score, () => [])).toEqual(applyCalibration(platt, score));
  });

  it('applies the level to the map\'s probability before the prior shift, then the shift', () => {
    const level: CustomerLevel = { method: 'logistic', a: 1.2, b: [0.5, -0.25], c: 0.1 };
    const x = [Float64Array.from([1, 1, 2]), Float64Array.from([0, 0, 4])];
    const p = calibrateWithLevel(platt, level, score, () => x);
    const p0 = applyCalibration({ ...platt, priorShift: 0 }, score);
    for (let i = 0; i < 3; i++) expect(p[i]).toBeCloseTo(sigmoid(1.2 * logit(p0[i]) + 0.5 * x[0][i] - 0.25 * x[1][i] + 0.1 + 0.3), 6);
    expect(() => calibrateWithLevel(platt, level, score, () => [x[0]])).toThrow('2 coefficients and 3 rows, but 1 covariates of 3 rows');
  });
});
