import {
  applyCalibration,
  customerFold,
  fitCalibration,
  fitIsotonic,
  fitPlatt,
  ISOTONIC_PRIOR_ROWS,
  type Calibration,
} from '../../training/calibration';
import { TrainingInputError } from '../../training/errors';
import { expectedCalibrationError as ece, logLoss } from '../../ranking/metrics';
import { Prng } from '../../lib/prng';
import { gaussian, sigmoid } from './synthetic';

/** Raw scores s = σ(f), f ~ N(0, 2²); labels from P(y=1) = truth(s). */
function generate(seed: number, n: number, truth: (s: number) => number): { s: Float32Array; y: Uint8Array; customer: Int32Array } {
  const rng = new Prng(seed);
  const s = new Float32Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = sigmoid(2 * gaussian(rng));
    y[i] = rng.next() < truth(s[i]) ? 1 : 0;
  }
  return { s, y, customer: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 7)) };
}
const logit = (s: number): number => Math.log(s / (1 - s));

describe('Platt scaling', () => {
  it('recovers a and b of a logistic model on the logit', () => {
    const { s, y } = generate(1, 60000, (x) => sigmoid(0.6 * logit(x) - 1.5));
    const cal = fitPlatt(s, y) as Extract<Calibration, { method: 'platt' }>;
    expect(cal.a).toBeCloseTo(0.6, 1);
    expect(cal.b).toBeCloseTo(-1.5, 1);
    expect(Math.abs(cal.a - 0.6)).toBeLessThan(0.03);
    expect(Math.abs(cal.b + 1.5)).toBeLessThan(0.05);
  });
});

describe('isotonic regression', () => {
  const { s, y } = generate(2, 20000, (x) => x * x);
  const cal = fitIsotonic(s, y) as Extract<Calibration, { method: 'isotonic' }>;

  it('is a monotone map into [0, 1] with ascending knots', () => {
    for (let i = 1; i < cal.x.length; i++) {
      expect(cal.x[i]).toBeGreaterThanOrEqual(cal.x[i - 1]);
      expect(cal.y[i]).toBeGreaterThanOrEqual(cal.y[i - 1]);
    }
    const grid = Float32Array.from({ length: 1001 }, (_, i) => i / 1000);
    const p = applyCalibration(cal, grid);
    for (let i = 1; i < p.length; i++) expect(p[i]).toBeGreaterThanOrEqual(p[i - 1]);
    expect(p[0]).toBeGreaterThanOrEqual(0);
    expect(p[1000]).toBeLessThanOrEqual(1);
  });

  it('pools tied scores and solves a small case by hand (plain PAV, m = 0)', () => {
    const c = fitIsotonic([0.1, 0.2, 0.2, 0.3, 0.4], [0, 1, 0, 0, 1], 0) as Extract<Calibration, { method: 'isotonic' }>;
    // 0.1→0; {0.2, 0.2, 0.3} pooled to 1/3 (the 0.3 row violates 0.5 of the tie); 0.4→1
    expect(c.x).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(c.y).toEqual([0, 1 / 3, 1 / 3, 1]);
    expect(Array.from(applyCalibration(c, [0, 0.25, 0.35, 0.9]))).toEqual([0, 1 / 3, 2 / 3, 1].map(Math.fround));
  });

  it('pools a tie whole, whatever the order of its labels', () => {
    // The tie at 0.2 is worth 1/2 whether its positive comes first or last; the 0.3 row then violates it.
    for (const labels of [[0, 1, 0, 0, 1], [0, 0, 1, 0, 1]]) {
      const c = fitIsotonic([0.1, 0.2, 0.2, 0.3, 0.4], labels, 0) as Extract<Calibration, { method: 'isotonic' }>;
      expect(c.x).toEqual([0.1, 0.2, 0.3, 0.4]);
      expect(c.y).toEqual([0, 1 / 3, 1 / 3, 1]);
    }
    // Many rows per score: each distinct score's rate rises, so every one is a piece of its own.
    const scores: number[] = [];
    const labels: number[] = [];
    for (let level = 1; level <= 20; level++) {
      for (let r = 0; r < 100; r++) {
        scores.push(level / 100);
        labels.push(r >= 100 - level ? 1 : 0); // level % bought, negatives first within the tie
      }
    }
    const c = fitIsotonic(scores, labels, 0) as Extract<Calibration, { method: 'isotonic' }>;
    expect(c.x).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) / 100));
    expect(c.y.map((v) => Math.round(v * 100))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('isotonic regression with m-estimate pieces', () => {
  type Isotonic = Extract<Calibration, { method: 'isotonic' }>;

  it('maps no score to 0 or 1, even where a piece is all negatives or all positives', () => {
    // Lowest fifth never bought, highest fifth always: plain PAV gives those pieces 0 and 1.
    const n = 1000;
    const s = Float32Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const y = Uint8Array.from({ length: n }, (_, i) => (i < 200 ? 0 : i >= 800 ? 1 : (i + 1) % 2));
    const cal = fitIsotonic(s, y) as Isotonic;
    const p = applyCalibration(cal, Float32Array.from({ length: 1001 }, (_, i) => i / 1000));
    expect(Math.min(...p)).toBeGreaterThan(0);
    expect(Math.max(...p)).toBeLessThan(1);
    for (let i = 1; i < p.length; i++) expect(p[i]).toBeGreaterThanOrEqual(p[i - 1]);
    // Each end piece is its m-estimate: (k + m·p0) / (n + m), p0 = (K + 1) / (N + 2).
    const m = ISOTONIC_PRIOR_ROWS;
    const p0 = (500 + 1) / (n + 2);
    expect(cal.y[0]).toBeCloseTo((m * p0) / (200 + m), 12);
    expect(cal.y[cal.y.length - 1]).toBeCloseTo((200 + m * p0) / (200 + m), 12);
    const plain = fitIsotonic(s, y, 0) as Isotonic;
    expect([plain.y[0], plain.y[plain.y.length - 1]]).toEqual([0, 1]);
  });

  it('merges pieces whose estimates fall out of order, by hand', () => {
    // Pieces of plain PAV: 0.1 → 0/2, 0.2 → 1/1000, 0.9 → 10/10. With m = 2 and
    // p0 = 12/1014, 0/2 becomes 2·p0/4 > (1 + 2·p0)/1002, so the first two merge.
    const s = [0.1, 0.1, ...Array<number>(1000).fill(0.2), ...Array<number>(10).fill(0.9)];
    const y = [0, 0, 1, ...Array<number>(999).fill(0), ...Array<number>(10).fill(1)];
    const c = fitIsotonic(s, y, 2) as Isotonic;
    const p0 = 12 / 1014;
    const low = (1 + 2 * p0) / 1004;
    expect(c.x).toEqual([0.1, 0.2, 0.9]);
    expect(c.y[0]).toBeCloseTo(low, 15);
    expect(c.y[1]).toBeCloseTo(low, 15);
    expect(c.y[2]).toBeCloseTo((10 + 2 * p0) / 12, 15);
  });

  it('rejects a negative pseudo-count', () => {
    expect(() => fitIsotonic([0.1, 0.2], [0, 1], -1)).toThrow(TrainingInputError);
  });
});

describe('fitCalibration', () => {
  it('calibrates held-out data to a small ECE and chooses by held-out log loss', () => {
    const truth = (x: number): number => 0.05 + 0.5 * x * x; // not logistic in logit(s)
    const fit = generate(3, 30000, truth);
    const test = generate(4, 30000, truth);
    const choice = fitCalibration(fit.s, fit.y, fit.customer);
    const { platt, isotonic } = choice.heldOutLogLoss;
    expect(choice.calibration.method).toBe(isotonic < platt ? 'isotonic' : 'platt');
    const p = applyCalibration(choice.calibration, test.s);
    expect(ece(test.s, test.y)).toBeGreaterThan(0.1);
    expect(ece(p, test.y)).toBeLessThan(0.015);
    expect(logLoss(p, test.y)).toBeLessThan(logLoss(test.s, test.y));
    // JSON round trip gives the same map
    const again = applyCalibration(JSON.parse(JSON.stringify(choice.calibration)), test.s);
    expect(again).toEqual(p);
  });

  it('rejects inputs of different lengths', () => {
    expect(() => fitCalibration(new Float32Array(3), new Uint8Array(2), new Int32Array(3))).toThrow(TrainingInputError);
    expect(() => fitPlatt([], [])).toThrow(/no rows/);
  });
});

describe('customerFold', () => {
  it('splits customers about in half, not by id order', () => {
    const ones = Array.from({ length: 1000 }, (_, c) => customerFold(c)).reduce((s: number, f) => s + f, 0);
    expect(ones).toBeGreaterThan(450);
    expect(ones).toBeLessThan(550);
    const lowHalf = Array.from({ length: 500 }, (_, c) => customerFold(c)).reduce((s: number, f) => s + f, 0);
    expect(lowHalf).toBeGreaterThan(200);
    expect(lowHalf).toBeLessThan(300);
  });
});
