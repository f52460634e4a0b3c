/**
 * A per-customer level for the probabilities of the fallbacks (the blend,
 * `blend.ts`, and the baseline fallback, `fallback.ts`), whose rank-only maps
 * give every customer's rank-1 item about the same probability however often
 * the customer buys (`docs/promotion.md`, "A customer level for the fallbacks'
 * probabilities").
 *
 * With p₀ the probability the rank-only map gives a row (before its prior shift)
 * and x(u) a few covariates of the row's customer u,
 *
 *   p = σ(a·logit(p₀) + Σ_j b_j·x_j(u) + c),   a > 0,
 *
 * then the calibration's `priorShift` added to the logit, as after the map.
 * Within one customer x is constant, so p is non-decreasing in p₀, itself
 * non-decreasing in the row's score: each customer's order is unchanged. For
 * the baseline fallback p₀ is Platt's σ(α·logit(s) + β), so this is
 * σ(a′·logit(s) + b·x + c′), a Platt map with a customer term; for the blend
 * p₀ is its fitted map of the blend score (isotonic or Platt), a better shaped
 * offset than logit(s) itself (s is near 1 for the whole baseline list at small
 * weights). The coefficients are the logistic regression of the labels on
 * (logit(p₀), x, 1) (D. R. Cox, "The regression analysis of binary sequences",
 * JRSS B 20(2), 1958; Platt scaling, `calibration.ts`, is the case without x),
 * fitted by Newton's method (iteratively reweighted least squares: T. Hastie,
 * R. Tibshirani & J. Friedman, *The Elements of Statistical Learning*, 2nd ed.,
 * 2009, §4.4.1) with step halving, on the validation cut-off's rows, whose
 * labels end at the as-of time. A light ridge penalty λ/2·((a − 1)² + Σ b_j² +
 * c²) pulls toward the rank-only map (a = 1, b = 0, c = 0), where the fit also
 * starts, and keeps it finite when the rows separate.
 */
import { applyCalibration, type Calibration, logit, sigmoid } from './calibration';
import { TrainingInputError } from './errors';

/**
 * A fitted customer level (plain JSON), or why the rank-only map is used
 * instead: the fit gave a ≤ 0 (it would reverse the order) or did not converge.
 * `b` holds one coefficient per covariate, in the order the fallback documents.
 */
export type CustomerLevel = { method: 'logistic'; a: number; b: number[]; c: number } | { method: 'none'; reason: string };

/** λ of the ridge penalty, in units of the log likelihood of one row: light against the thousands of validation rows. */
export const LEVEL_RIDGE = 1;

const MAX_ITERATIONS = 50;

/**
 * Solves H·d = g for a symmetric positive definite H by Cholesky decomposition.
 * @returns d, or undefined when H is not positive definite (numerically).
 */
function solveSpd(h: Float64Array[], g: Float64Array): Float64Array | undefined {
  const m = g.length;
  const l = h.map(() => new Float64Array(m));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i][i] = Math.sqrt(sum);
      } else l[i][j] = sum / l[j][j];
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = g[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const d = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < m; k++) sum -= l[k][i] * d[k];
    d[i] = sum / l[i][i];
  }
  return d;
}

/**
 * Fits the customer level (see the file comment) on labelled rows.
 * @param rankProbability p₀ per row: the rank-only map's probability, before its prior shift.
 * @param covariates x: one column per covariate, each a value per row (constant within a customer).
 * @param labels 0/1 per row.
 * @param lambda λ of the ridge penalty [{@link LEVEL_RIDGE}].
 * @returns the coefficients, or `method: 'none'` with the reason when a
 *   covariate is not finite, a ≤ 0, or Newton's method fails (no convergence in
 *   50 steps, a Hessian not positive definite, a step that finds no decrease).
 * @throws TrainingInputError when there are no rows or the columns differ in length.
 */
export function fitCustomerLevel(rankProbability: ArrayLike<number>, covariates: readonly Float64Array[], labels: ArrayLike<number>, lambda = LEVEL_RIDGE): CustomerLevel {
  const n = labels.length;
  if (n === 0) throw new TrainingInputError('fitCustomerLevel: no rows');
  for (const column of [rankProbability, ...covariates]) {
    if (column.length !== n) throw new TrainingInputError(`fitCustomerLevel: ${n} labels but a column of ${column.length} values`);
  }
  for (const [j, column] of covariates.entries()) {
    const i = column.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) return { method: 'none', reason: `covariate ${j + 1} is ${column[i]} at row ${i}` };
  }
  // Columns of the design: logit(p₀), x_1 … x_m, 1; θ = (a, b_1 … b_m, c), prior mean θ₀ = (1, 0 … 0, 0).
  const design = [Float64Array.from({ length: n }, (_, i) => logit(rankProbability[i])), ...covariates];
  const m = design.length + 1;
  const at = (j: number, i: number): number => (j < design.length ? design[j][i] : 1);
  const theta = new Float64Array(m);
  theta[0] = 1;
  const linear = (t: Float64Array, i: number): number => {
    let z = t[m - 1];
    for (let j = 0; j < design.length; j++) z += t[j] * design[j][i];
    return z;
  };
  const penalty = (t: Float64Array): number => t.reduce((s, v, j) => s + (j === 0 ? v - 1 : v) ** 2, 0) * (lambda / 2);
  const objective = (t: Float64Array): number => {
    let sum = penalty(t);
    for (let i = 0; i < n; i++) {
      const z = linear(t, i);
      // −[y·log σ(z) + (1−y)·log(1−σ(z))] = log(1 + e^z) − y·z, computed stably
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i] * z;
    }
    return sum;
  };
  let value = objective(theta);
  let converged = false;
  let failure = `Newton's method did not converge in ${MAX_ITERATIONS} steps`;
  for (let it = 0; it < MAX_ITERATIONS && !converged; it++) {
    const g = Float64Array.from(theta, (v, j) => lambda * (j === 0 ? v - 1 : v));
    const h = Array.from({ length: m }, (_, j) => Float64Array.from({ length: m }, (__, k) => (j === k ? lambda : 0)));
    for (let i = 0; i < n; i++) {
      const p = sigmoid(linear(theta, i));
      const r = p - labels[i];
      const w = p * (1 - p);
      for (let j = 0; j < m; j++) {
        const xj = at(j, i);
        g[j] += r * xj;
        for (let k = 0; k <= j; k++) h[j][k] += w * xj * at(k, i);
      }
    }
    for (let j = 0; j < m; j++) for (let k = 0; k < j; k++) h[k][j] = h[j][k];
    if (g.every((v) => Math.abs(v) < 1e-8 * n)) {
      converged = true;
      break;
    }
    const d = solveSpd(h, g);
    if (d === undefined) {
      failure = 'its Hessian is not positive definite';
      break;
    }
    let step = 1;
    let decrease = -1;
    while (step > 1e-10) {
      const candidate = Float64Array.from(theta, (v, j) => v - step * d[j]);
      const next = objective(candidate);
      if (next < value) {
        theta.set(candidate);
        decrease = value - next;
        value = next;
        break;
      }
      step /= 2;
    }
    // No decrease found along the Newton step: at the minimum up to rounding when the gradient is small, else stuck.
    if (decrease < 0) {
      if (g.every((v) => Math.abs(v) < 1e-4 * n)) converged = true;
      else failure = 'the line search found no decrease along the Newton step';
      break;
    }
    if (decrease <= 1e-12 * value) converged = true;
  }
  const [a, c] = [theta[0], theta[m - 1]];
  const b = Array.from(theta.subarray(1, m - 1));
  if (!converged || !theta.every(Number.isFinite)) return { method: 'none', reason: `the logistic fit on ${n} rows failed: ${failure}` };
  if (!(a > 0)) return { method: 'none', reason: `the logistic fit gave a = ${a.toPrecision(4)} ≤ 0 on the rank term, which would reverse each customer's order` };
  return { method: 'logistic', a, b, c };
}

/**
 * Calibrated probabilities of rows: the map `calibration` of their scores, with
 * the customer level when one was fitted (see the file comment), then the
 * calibration's `priorShift`. Without a fitted level (`level` absent, as in
 * records written before it, or `method: 'none'`) this is exactly
 * `applyCalibration(calibration, score)`.
 * @param score the rows' scores (the blend score, or 1 / (1 + rank)).
 * @param covariates x per row, as fitted; only called when a level is applied.
 * @throws TrainingInputError when the covariates do not match the level's coefficients or the rows.
 */
export function calibrateWithLevel(calibration: Calibration, level: CustomerLevel | undefined, score: ArrayLike<number>, covariates: () => readonly Float64Array[]): Float32Array {
  if (level === undefined || level.method === 'none') return applyCalibration(calibration, score);
  const x = covariates();
  if (x.length !== level.b.length || x.some((column) => column.length !== score.length)) {
    throw new TrainingInputError(`calibrateWithLevel: ${level.b.length} coefficients and ${score.length} rows, but ${x.length} covariates of ${x.map((column) => column.length).join(', ')} rows`);
  }
  const out = applyCalibration({ ...calibration, priorShift: 0 }, score);
  const shift = calibration.priorShift ?? 0;
  for (let i = 0; i < out.length; i++) {
    let z = level.a * logit(out[i]) + level.c + shift;
    for (let j = 0; j < x.length; j++) z += level.b[j] * x[j][i];
    out[i] = sigmoid(z);
  }
  return out;
}
