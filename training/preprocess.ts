/**
 * Per-feature transform of engineered features, fit on training rows only
 * (point-in-time correct: nothing from the scoring cut-off reaches the statistics).
 *
 * For feature j: `z = (t(x) - mean_j) / scale_j` where `t` is the signed log1p
 * `sign(x)·ln(1 + |x|)` when the feature is heavy-tailed and non-negative on the
 * training rows (min ≥ 0 and sample skewness > `skewThreshold`), else identity;
 * `mean_j`, `scale_j` are the mean and population standard deviation of `t(x)` over
 * the training rows (scale 1 for a constant feature). Non-finite inputs are ignored
 * by the fit and mapped to 0 (the training mean) by `applyPreprocessing`.
 */
import type { FeatureSet, LabelledCandidates } from '../features/types';
import { checkFeatureNames, TrainingInputError } from './errors';

/** Transform of one feature column. */
export interface FeatureTransform {
  /** Feature name (column of `FeatureSet.names`). */
  name: string;
  /** Whether the signed log1p is applied before standardisation. */
  log: boolean;
  /** Mean of the (log-)transformed training values. */
  mean: number;
  /** Standard deviation of the (log-)transformed training values; 1 when it is 0. */
  scale: number;
}

/** Serialisable (plain JSON) preprocessing of a model's feature input. */
export interface Preprocessing {
  version: 1;
  transforms: FeatureTransform[];
}

/** Options of {@link fitPreprocessing}. */
export interface PreprocessOptions {
  /** Sample skewness above which a non-negative feature is log-transformed; default 1. */
  skewThreshold?: number;
  /** The rows of each set the statistics read, in order, as positions in the set; default every row. */
  rows?: readonly ArrayLike<number>[];
}

/**
 * A sample of the rows of labelled cut-offs for the statistics, of about
 * `maxRows` rows whatever the number of customers: every row when the sets
 * hold at most `maxRows`, else the rows of customer groups 0, k, 2k, … of each
 * set, k = ceil(rows / maxRows). A systematic sample of customers, not of rows,
 * so that its features are built for a k-th of the customers (`draw-plan.ts`).
 * @param sets the cut-offs' groups: customer group g owns rows [offsets[g], offsets[g + 1]).
 * @returns the positions of the sample in each set, ascending.
 */
export function groupSample(sets: readonly Pick<LabelledCandidates, 'offsets'>[], maxRows: number): Int32Array[] {
  const total = sets.reduce((acc, c) => acc + (c.offsets[c.offsets.length - 1] ?? 0), 0);
  const k = Math.max(1, Math.ceil(total / maxRows));
  return sets.map(({ offsets }) => {
    const rows: number[] = [];
    for (let g = 0; g + 1 < offsets.length; g += k) for (let r = offsets[g]; r < offsets[g + 1]; r++) rows.push(r);
    return Int32Array.from(rows);
  });
}

const signedLog1p = (x: number): number => (x < 0 ? -Math.log1p(-x) : Math.log1p(x));

/**
 * Fits the transform on the rows of the training feature sets: all of them, or `options.rows`.
 * @param sets training cut-offs; all must have the same `names`.
 * @returns the fitted preprocessing, one transform per feature in column order.
 * @throws FeatureMismatchError when the sets' feature names differ.
 * @throws TrainingInputError when there are no rows, or `options.rows` does not have one entry per set or names a row a set does not have.
 */
export function fitPreprocessing(sets: readonly FeatureSet[], options: PreprocessOptions = {}): Preprocessing {
  const skewThreshold = options.skewThreshold ?? 1;
  if (sets.length === 0) throw new TrainingInputError('fitPreprocessing: no training feature sets');
  const names = sets[0].names;
  for (const fs of sets) checkFeatureNames(names, fs.names, `feature set at cut-off ${new Date(fs.cutoff).toISOString()}`);
  if (sets.every((fs) => fs.n === 0)) throw new TrainingInputError('fitPreprocessing: the training feature sets have no rows');
  const d = names.length;
  const rows = options.rows ?? sets.map((fs) => Int32Array.from({ length: fs.n }, (_, r) => r));
  if (rows.length !== sets.length) throw new TrainingInputError(`fitPreprocessing: rows of ${rows.length} sets for ${sets.length} sets`);
  rows.forEach((set, s) => {
    for (let i = 0; i < set.length; i++) {
      if (!(Number.isInteger(set[i]) && set[i] >= 0 && set[i] < sets[s].n)) {
        throw new TrainingInputError(`fitPreprocessing: row ${set[i]} at position ${i} of set ${s} is not one of its ${sets[s].n} rows`);
      }
    }
  });
  const count = new Float64Array(d);
  const sum = new Float64Array(d);
  const min = new Float64Array(d).fill(Infinity);
  for (let s = 0; s < sets.length; s++) {
    const v = sets[s].values;
    for (let i = 0; i < rows[s].length; i++) {
      const o = rows[s][i] * d;
      for (let j = 0; j < d; j++) {
        const x = v[o + j];
        if (!Number.isFinite(x)) continue;
        count[j]++;
        sum[j] += x;
        if (x < min[j]) min[j] = x;
      }
    }
  }
  const mean = sum.map((s, j) => (count[j] > 0 ? s / count[j] : 0));
  // Second pass: central moments for skewness, and moments of the log-transformed values.
  const m2 = new Float64Array(d);
  const m3 = new Float64Array(d);
  const logSum = new Float64Array(d);
  const logSq = new Float64Array(d);
  for (let s = 0; s < sets.length; s++) {
    const v = sets[s].values;
    for (let i = 0; i < rows[s].length; i++) {
      const o = rows[s][i] * d;
      for (let j = 0; j < d; j++) {
        const x = v[o + j];
        if (!Number.isFinite(x)) continue;
        const c = x - mean[j];
        m2[j] += c * c;
        m3[j] += c * c * c;
        const l = signedLog1p(x);
        logSum[j] += l;
        logSq[j] += l * l;
      }
    }
  }
  const transforms: FeatureTransform[] = [];
  for (let j = 0; j < d; j++) {
    const n = count[j];
    if (n === 0) {
      transforms.push({ name: names[j], log: false, mean: 0, scale: 1 });
      continue;
    }
    const variance = m2[j] / n;
    const skew = variance > 0 ? m3[j] / n / Math.pow(variance, 1.5) : 0;
    const log = min[j] >= 0 && skew > skewThreshold;
    const mu = log ? logSum[j] / n : mean[j];
    const sd = log ? Math.sqrt(Math.max(0, logSq[j] / n - mu * mu)) : Math.sqrt(variance);
    transforms.push({ name: names[j], log, mean: mu, scale: sd > 1e-12 ? sd : 1 });
  }
  return { version: 1, transforms };
}

/**
 * Applies the transform in place to a row-major matrix.
 * @param values n × d float32, d = `pre.transforms.length`, overwritten with the transformed values.
 * @throws TrainingInputError when `values.length` is not a multiple of d.
 */
export function applyPreprocessing(pre: Preprocessing, values: Float32Array): void {
  const t = pre.transforms;
  const d = t.length;
  if (d === 0 || values.length % d !== 0) {
    throw new TrainingInputError(`applyPreprocessing: ${values.length} values are not rows of ${d} features`);
  }
  const log = t.map((f) => f.log);
  const mean = Float64Array.from(t, (f) => f.mean);
  const inv = Float64Array.from(t, (f) => 1 / f.scale);
  for (let o = 0; o < values.length; o += d) {
    for (let j = 0; j < d; j++) values[o + j] = transformValue(values[o + j], log[j], mean[j], inv[j]);
  }
}

/**
 * One value through its feature's transform, the definition every user of a
 * {@link Preprocessing} shares: 0 when not finite, else `(t(x) − mean) · inv`
 * with t the signed log1p when `log`, identity otherwise.
 * @param inv 1 / `FeatureTransform.scale`.
 */
export function transformValue(x: number, log: boolean, mean: number, inv: number): number {
  if (!Number.isFinite(x)) return 0;
  return ((log ? signedLog1p(x) : x) - mean) * inv;
}
