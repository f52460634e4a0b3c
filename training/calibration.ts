/**
 * Probability calibration of raw model scores, fitted on validation predictions
 * (rows of a cut-off whose horizon ends before the as-of time, so no leakage).
 *
 * - Platt scaling (J. Platt, "Probabilistic outputs for support vector machines and
 *   comparisons to regularized likelihood methods", 1999): p = σ(a·logit(s) + b),
 *   fitted by Newton's method with backtracking on the regularised targets
 *   t+ = (N+ + 1)/(N+ + 2), t- = 1/(N- + 2) as in the paper (Lin, Lin & Weng,
 *   "A note on Platt's probabilistic outputs", 2007, for the Newton variant).
 * - Isotonic regression (B. Zadrozny & C. Elkan, "Transforming classifier scores
 *   into accurate multiclass probability estimates", KDD 2002): the non-decreasing
 *   step function of the score minimising squared error, by pool-adjacent-violators;
 *   each constant piece then valued by its m-estimate (Cestnik 1990) instead of its
 *   raw share, so no score maps to 0 or 1, and pieces merged again where those
 *   values would decrease (`fitIsotonic`); applied with linear interpolation
 *   between the ends of its constant pieces.
 *
 * {@link fitCalibration} picks the method with the lower held-out log loss in a
 * 2-fold cross-fit split by customer (in-sample, isotonic would nearly always win,
 * being close to the best monotone fit), then refits it on all rows. Everything is pure and
 * the fitted calibration is plain JSON.
 */
import { TrainingInputError } from './errors';
import { logLoss } from '../ranking/metrics';
import { lowerBound } from '../ranking/ranges';

/**
 * The cross-fit fold, 0 or 1, of a dense customer index: the top bit of a
 * multiplicative (Fibonacci) hash, so folds do not follow id order.
 */
export function customerFold(customer: number): number {
  return (Math.imul(customer, 0x9e3779b1) >>> 31) & 1;
}

/**
 * A fitted calibration map, serialisable as JSON, and two optional logit offsets
 * (none when absent, as in models saved before them): `refitShift`, added to the
 * logit of each raw score before the map, brings another network to the level of
 * the one the map was fitted on; `priorShift`, added to the logit of each
 * probability after the map, moves them to a forecast base rate (`prior-shift.ts`).
 */
export type Calibration = (
  | { method: 'platt'; a: number; b: number }
  | { method: 'isotonic'; x: number[]; y: number[] }
  | { method: 'identity' }
) & { refitShift?: number; priorShift?: number };

/** Scores are clipped to [EPS, 1 - EPS] before the logit. */
const EPS = 1e-7;

/** ln(p / (1 − p)) of `p` clipped to [EPS, 1 − EPS]. */
export const logit = (s: number): number => {
  const c = Math.min(1 - EPS, Math.max(EPS, s));
  return Math.log(c / (1 - c));
};
/** 1 / (1 + e^−z), computed without overflow. */
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>, what: string): void {
  if (scores.length !== labels.length) {
    throw new TrainingInputError(`${what}: ${scores.length} scores but ${labels.length} labels`);
  }
  if (scores.length === 0) throw new TrainingInputError(`${what}: no rows`);
}

/**
 * Platt scaling fit. Objective: cross-entropy of σ(a·logit(s)+b) against Platt's
 * regularised targets; Newton steps with step halving until the objective decreases.
 * @param scores raw scores in [0, 1]; @param labels 0/1 per row.
 * @throws TrainingInputError when lengths differ or there are no rows.
 */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>, maxIterations = 100): Calibration {
  checkInputs(scores, labels, 'fitPlatt');
  const n = labels.length;
  const f = new Float64Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    f[i] = logit(scores[i]);
    pos += labels[i];
  }
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (n - pos + 2);
  const objective = (a: number, b: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const t = labels[i] === 1 ? hi : lo;
      const z = a * f[i] + b;
      // −[t·log σ(z) + (1−t)·log(1−σ(z))] = log(1 + e^z) − t·z, computed stably
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
    }
    return sum;
  };
  // Platt's start: a = 0, b = log odds of the regularised prior.
  let a = 0;
  let b = Math.log((pos + 1) / (n - pos + 1));
  let value = objective(a, b);
  for (let it = 0; it < maxIterations; it++) {
    let ga = 0, gb = 0, haa = 1e-12, hab = 0, hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * f[i] + b);
      const r = p - (labels[i] === 1 ? hi : lo);
      const w = p * (1 - p);
      ga += r * f[i];
      gb += r;
      haa += w * f[i] * f[i];
      hab += w * f[i];
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    if (Math.abs(ga) < 1e-8 * n && Math.abs(gb) < 1e-8 * n) break;
    let step = 1;
    let decrease = 0;
    while (step > 1e-10) {
      const candidate = objective(a + step * da, b + step * db);
      if (candidate < value) {
        a += step * da;
        b += step * db;
        decrease = value - candidate;
        value = candidate;
        break;
      }
      step /= 2;
    }
    if (decrease <= 1e-12 * value) break;
  }
  return { method: 'platt', a, b };
}

/**
 * Pseudo-count m of the m-estimate that values each constant piece of the
 * isotonic map (`fitIsotonic`): the weight, in rows, of the prior centred on the
 * base rate. 2 is the pseudo-count of Laplace's rule of succession.
 */
export const ISOTONIC_PRIOR_ROWS = 2;

/**
 * Isotonic regression fit by pool-adjacent-violators over rows sorted by score
 * (equal scores pooled first, so ties get one value), with bounded piece values.
 *
 * Raw PAV gives each constant piece its share of positives k/n, so the lowest
 * piece is often exactly 0 and the highest exactly 1. Here each piece is valued
 * by the m-estimate of B. Cestnik ("Estimating probabilities: a crucial task in
 * machine learning", ECAI 1990), the posterior mean under a Beta(m·p0, m·(1 − p0))
 * prior: (k + m·p0) / (n + m), k positives of n rows, m = `priorRows` pseudo-rows
 * centred on p0 = (K + 1) / (N + 2), Laplace's rule of succession for the base
 * rate of all N rows with K positives (so 0 < p0 < 1 even when every label is
 * equal). This is the smoothing Zadrozny & Elkan apply to the class frequencies
 * of decision-tree leaves ("Obtaining calibrated probability estimates from
 * decision trees and naive Bayesian classifiers", ICML 2001).
 * Because the prior weighs more in a small piece, the estimates of adjacent
 * pieces may decrease; a second PAV pass merges adjacent pieces while the left
 * one's estimate is not below the right one's, valuing a merged piece by the
 * m-estimate of all its rows. The map stays non-decreasing in the score (rankings
 * by it do not change) and every value lies in [m·p0 / (N + m), (N + m·p0) / (N + m)],
 * inside (0, 1) for m > 0. With m = 0 it is plain PAV (values k/n).
 * @param scores raw scores in [0, 1]; @param labels 0/1 per row.
 * @param priorRows the pseudo-count m ≥ 0, in rows (default {@link ISOTONIC_PRIOR_ROWS}).
 * @returns knots x (ascending scores) and y (non-decreasing probabilities): both
 *   ends of every constant piece.
 * @throws TrainingInputError when lengths differ, there are no rows, or `priorRows` is negative or not finite.
 */
export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>, priorRows: number = ISOTONIC_PRIOR_ROWS): Calibration {
  checkInputs(scores, labels, 'fitIsotonic');
  if (!(priorRows >= 0 && Number.isFinite(priorRows))) throw new TrainingInputError(`fitIsotonic: priorRows must be a finite number >= 0, found ${priorRows}`);
  const n = labels.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i] - scores[j]);
  // Blocks as a stack: value sum, weight, first and last score.
  const sum = new Float64Array(n);
  const weight = new Float64Array(n);
  const xFirst = new Float64Array(n);
  const xLast = new Float64Array(n);
  let top = -1;
  let positives = 0;
  for (let k = 0; k < n; ) {
    // One block per distinct score, whole before any pooling: pooling row by row would
    // merge a tie's first row into the block before it by that row's label alone.
    const s = scores[order[k]];
    const from = k;
    let ones = 0;
    for (; k < n && scores[order[k]] === s; k++) ones += labels[order[k]];
    positives += ones;
    top++;
    sum[top] = ones;
    weight[top] = k - from;
    xFirst[top] = s;
    xLast[top] = s;
    while (top > 0 && sum[top - 1] * weight[top] >= sum[top] * weight[top - 1]) {
      sum[top - 1] += sum[top];
      weight[top - 1] += weight[top];
      xLast[top - 1] = xLast[top];
      top--;
    }
  }
  // Second pass over the PAV blocks, in place: m-estimates, merged while not increasing.
  const prior = priorRows * ((positives + 1) / (n + 2));
  const estimate = (b: number): number => (sum[b] + prior) / (weight[b] + priorRows);
  let last = -1;
  for (let b = 0; b <= top; b++) {
    last++;
    sum[last] = sum[b];
    weight[last] = weight[b];
    xFirst[last] = xFirst[b];
    xLast[last] = xLast[b];
    while (last > 0 && estimate(last - 1) >= estimate(last)) {
      sum[last - 1] += sum[last];
      weight[last - 1] += weight[last];
      xLast[last - 1] = xLast[last];
      last--;
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k <= last; k++) {
    const v = estimate(k);
    x.push(xFirst[k]);
    y.push(v);
    if (xLast[k] !== xFirst[k]) {
      x.push(xLast[k]);
      y.push(v);
    }
  }
  return { method: 'isotonic', x, y };
}

/**
 * Maps raw scores to calibrated probabilities in [0, 1]: `refitShift` added to
 * the scores' logits, the map, then `priorShift` added to the probabilities' logits.
 * @param out destination (a new Float32Array by default); may be `scores` itself.
 */
export function applyCalibration(cal: Calibration, scores: ArrayLike<number>, out: Float32Array = new Float32Array(scores.length)): Float32Array {
  const refit = cal.refitShift ?? 0;
  applyMap(cal, refit === 0 ? scores : Float32Array.from(scores, (s) => sigmoid(logit(s) + refit)), out);
  const prior = cal.priorShift ?? 0;
  if (prior !== 0) for (let i = 0; i < out.length; i++) out[i] = sigmoid(logit(out[i]) + prior);
  return out;
}

function applyMap(cal: Calibration, scores: ArrayLike<number>, out: Float32Array): void {
  const n = scores.length;
  if (cal.method === 'identity') {
    for (let i = 0; i < n; i++) out[i] = Math.min(1, Math.max(0, scores[i]));
  } else if (cal.method === 'platt') {
    for (let i = 0; i < n; i++) out[i] = sigmoid(cal.a * logit(scores[i]) + cal.b);
  } else {
    const { x, y } = cal;
    const m = x.length;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (s <= x[0]) out[i] = y[0];
      else if (s >= x[m - 1]) out[i] = y[m - 1];
      else {
        const hi = lowerBound(x, s, 1, m - 1); // x[hi - 1] < s <= x[hi]
        const lo = hi - 1;
        out[i] = y[lo] + ((y[hi] - y[lo]) * (s - x[lo])) / (x[hi] - x[lo]);
      }
    }
  }
}

/** The chosen calibration and the held-out log loss of each candidate method. */
export interface CalibrationChoice {
  calibration: Calibration;
  heldOutLogLoss: { platt: number; isotonic: number };
}

/**
 * Fits Platt and isotonic calibration, keeps the one with the lower held-out log
 * loss of a 2-fold cross-fit (folds by `customerFold`, a hash of the customer
 * index, so a customer's rows stay together; ties go to Platt, the smoother map),
 * and refits it on all rows.
 * @param scores raw validation scores; @param labels 0/1; @param customer dense customer per row.
 * @param isotonicPriorRows the isotonic map's pseudo-count (`fitIsotonic`), default {@link ISOTONIC_PRIOR_ROWS}; 0 for plain PAV.
 * @throws TrainingInputError when lengths differ, there are no rows, a fold has no rows, or `isotonicPriorRows` is invalid.
 */
export function fitCalibration(scores: Float32Array, labels: Uint8Array, customer: Int32Array, isotonicPriorRows: number = ISOTONIC_PRIOR_ROWS): CalibrationChoice {
  checkInputs(scores, labels, 'fitCalibration');
  if (customer.length !== labels.length) {
    throw new TrainingInputError(`fitCalibration: ${customer.length} customer ids but ${labels.length} labels`);
  }
  const fold = Uint8Array.from(customer, customerFold);
  const part = (f: number, s: boolean): { s: Float32Array; l: Uint8Array } => {
    const idx: number[] = [];
    for (let i = 0; i < fold.length; i++) if ((fold[i] === f) === s) idx.push(i);
    if (idx.length === 0) throw new TrainingInputError(`fitCalibration: cross-fit fold ${f} is empty (${labels.length} rows)`);
    return { s: Float32Array.from(idx, (i) => scores[i]), l: Uint8Array.from(idx, (i) => labels[i]) };
  };
  let platt = 0;
  let isotonic = 0;
  for (const f of [0, 1]) {
    const fit = part(f, true);
    const held = part(f, false);
    platt += logLoss(applyCalibration(fitPlatt(fit.s, fit.l), held.s), held.l) * held.l.length;
    isotonic += logLoss(applyCalibration(fitIsotonic(fit.s, fit.l, isotonicPriorRows), held.s), held.l) * held.l.length;
  }
  platt /= labels.length;
  isotonic /= labels.length;
  const calibration = isotonic < platt ? fitIsotonic(scores, labels, isotonicPriorRows) : fitPlatt(scores, labels);
  return { calibration, heldOutLogLoss: { platt, isotonic } };
}
