/**
 * The paired bootstrap of a difference in means over customers: is system A
 * better than system B by more than the luck of which customers happened to buy
 * in the window?
 *
 * Method: B. Efron & R. J. Tibshirani, "An Introduction to the Bootstrap"
 * (Chapman & Hall, 1993), ch. 13 (percentile intervals) and §16.4 (paired
 * comparisons). With per-customer figures a_i and b_i of the same n customers,
 * the differences d_i = a_i − b_i are resampled with replacement, n at a time,
 * R times; each resample's mean is a bootstrap replicate of the mean difference.
 * Resampling customers (not pairs of a list) keeps each customer's items
 * together, which are not independent.
 *
 * The one-sided lower bound at confidence 1 − α is the α′-quantile of the
 * replicates, the expanded percentile bound of T. Hesterberg, "What Teachers
 * Should Know About the Bootstrap", The American Statistician 69(4), 2015, §5:
 * α′ = Φ(−√(n / (n − 1)) · t₁₋α,ₙ₋₁). The plain percentile bound (α′ = α) is
 * too narrow on few customers, as a t bound with z for t and the divisor n
 * for n − 1 would be (docs/promotion.md measures it); the expansion corrects
 * both and vanishes as n grows. The one-sided p-value of "A is no better
 * than B" is the smallest α at which that bound excludes 0:
 * F₍ₙ₋₁₎(Φ⁻¹(q) / √(n / (n − 1))) with q = (1 + #{replicates ≤ 0}) / (R + 1),
 * the add-one estimate of A. C. Davison & D. V. Hinkley, "Bootstrap Methods and
 * their Application" (Cambridge, 1997), eq. 4.11 (F₍ₙ₋₁₎: Student's t with
 * n − 1 degrees of freedom; for large n, p = q). Deterministic: the resamples come from a
 * seeded generator (`Prng`, mulberry32), so one seed gives one answer, and every
 * comparison made with the same seed and n draws the same customers.
 */
import { jStat } from 'jstat';
import { Prng } from '../lib/prng';

/** Options of {@link pairedBootstrap}; defaults in brackets. */
export interface BootstrapOptions {
  /** R, resamples of the customers [{@link DEFAULT_RESAMPLES}]. */
  resamples?: number;
  /** Seed of the resampling [{@link DEFAULT_BOOTSTRAP_SEED}]. */
  seed?: number;
  /** 1 − α of the one-sided lower bound, in (0, 1) [0.95]. */
  confidence?: number;
}

/** Default R: enough for a stable 5 % quantile and a p-value to ±0.01 at 0.05. */
export const DEFAULT_RESAMPLES = 1000;
/** Default seed of the resampling. */
export const DEFAULT_BOOTSTRAP_SEED = 20111109;

/** The bootstrap of mean(a − b). Units: those of a and b (e.g. NDCG@10 per customer). */
export interface PairedBootstrap {
  /** Customers n (pairs). */
  n: number;
  /** mean(a) − mean(b) over the n customers. */
  meanDifference: number;
  /** Standard deviation of the R replicates: the standard error of the mean difference. */
  standardError: number;
  /**
   * One-sided lower confidence bound of the mean difference at `confidence`: the
   * k-th smallest replicate, k = ⌊α′·(R + 1)⌋ and α′ of {@link expandedLevel}, so
   * that it is above 0 exactly when `pValue` is at most 1 − confidence. When R
   * replicates cannot resolve α′ (k = 0: at 95 % and R = 1,000, n ≤ 3) no lead is
   * significant, and it is min(0, the smallest replicate).
   */
  lower: number;
  /** One-sided p-value of mean difference ≤ 0, in (0, 1]. */
  pValue: number;
  resamples: number;
  seed: number;
  confidence: number;
}

/**
 * Mean of per-customer figures, or of those whose position `keep` accepts.
 * @returns 0 when none is kept.
 */
export function meanOf(x: ArrayLike<number>, keep: (i: number) => boolean = () => true): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (!keep(i)) continue;
    s += x[i];
    n++;
  }
  return n === 0 ? 0 : s / n;
}

/** Inputs of the bootstrap that break its contract. */
export class BootstrapInputError extends Error {
  override readonly name = 'BootstrapInputError';
}

/**
 * Paired bootstrap of mean(a − b) over customers.
 * @param a per-customer figures of system A (e.g. `CustomerMetrics.ndcg` of `ranking/metrics.ts`).
 * @param b the same customers' figures of system B, in the same order; or one
 *   number, a figure of B known only as a mean (the test is then the one-sample
 *   bootstrap of mean(a) against it).
 * @param options resamples, seed and confidence.
 * @returns the mean difference, its standard error, lower bound and p-value;
 *   below 2 customers no evidence: a bound of min(0, difference) and p-value 1
 *   (with n = 0 a difference of 0).
 * @throws BootstrapInputError when a and b differ in length, a value is not
 *   finite, R is not a positive integer or the confidence is not in (0, 1).
 * @example
 * const t = pairedBootstrap(challenger.ndcg, repeat.ndcg, { seed: 7 });
 * if (t.lower > 0) console.log(`better by ${t.meanDifference} (p ${t.pValue})`);
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number> | number, options: BootstrapOptions = {}): PairedBootstrap {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const confidence = options.confidence ?? 0.95;
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new BootstrapInputError(`resamples: expected a positive integer, found ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new BootstrapInputError(`confidence: expected a number in (0, 1), found ${confidence}`);
  const n = a.length;
  if (typeof b !== 'number' && b.length !== n) throw new BootstrapInputError(`expected figures of the same customers, found ${n} and ${b.length}`);
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = a[i] - (typeof b === 'number' ? b : b[i]);
    if (!Number.isFinite(d[i])) throw new BootstrapInputError(`customer ${i}: expected finite figures, found ${a[i]} and ${typeof b === 'number' ? b : b[i]}`);
    sum += d[i];
  }
  const meanDifference = n === 0 ? 0 : sum / n;
  if (n < 2) return { n, meanDifference, standardError: 0, lower: Math.min(0, meanDifference), pValue: 1, resamples, seed, confidence };
  const rng = new Prng(seed);
  const replicates = new Float64Array(resamples);
  for (let j = 0; j < resamples; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    replicates[j] = s / n;
  }
  let notAbove = 0;
  let mean = 0;
  for (const x of replicates) {
    if (x <= 0) notAbove++;
    mean += x / resamples;
  }
  let ss = 0;
  for (const x of replicates) ss += (x - mean) ** 2;
  replicates.sort();
  // The k-th smallest replicate, k = ⌊α′·(R + 1)⌋.
  const k = Math.floor(expandedLevel(1 - confidence, n) * (resamples + 1));
  const q = (1 + notAbove) / (resamples + 1);
  return {
    n,
    meanDifference,
    standardError: resamples > 1 ? Math.sqrt(ss / (resamples - 1)) : 0,
    lower: k >= 1 ? replicates[k - 1] : Math.min(0, replicates[0]),
    // q = 1 (no replicate above 0) is p = 1: jStat's Φ⁻¹(1) is 141.4, not ∞, and F₁(100) is 0.997.
    pValue: q >= 1 ? 1 : jStat.studentt.cdf(jStat.normal.inv(q, 0, 1) / expansion(n), n - 1),
    resamples,
    seed,
    confidence,
  };
}

/** √(n / (n − 1)): the bootstrap's variance of a mean divides by n, the unbiased one by n − 1. */
function expansion(n: number): number {
  return Math.sqrt(n / (n - 1));
}

/**
 * α′ of the expanded percentile bound (Hesterberg 2015, §5): the quantile of the
 * replicates taken as the one-sided lower bound at confidence 1 − α on n ≥ 2
 * customers, Φ(−√(n / (n − 1)) · t₁₋α,ₙ₋₁). Below α, approaching it as n grows:
 * 0.0086 at n = 5, 0.042 at n = 30, 0.0498 at n = 1,000 for α = 0.05.
 * @param alpha α in (0, 1).
 * @param n customers, at least 2.
 * @throws BootstrapInputError when n < 2: one customer has no spread to widen.
 */
export function expandedLevel(alpha: number, n: number): number {
  if (!(n >= 2)) throw new BootstrapInputError(`expanded level: expected at least 2 customers, found ${n}`);
  return jStat.normal.cdf(-expansion(n) * jStat.studentt.inv(1 - alpha, n - 1), 0, 1);
}
