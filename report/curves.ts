/**
 * Diagnostic curves of scored pairs (probability, 0/1 label) for the run report:
 * ROC with its area, precision-recall with average precision, the reliability
 * diagram with the expected calibration error, cumulative gains, and the score
 * histogram per class. Pure functions over typed arrays; n may be a few million.
 *
 * Definitions:
 * - ROC: true-positive rate against false-positive rate over all thresholds,
 *   tied scores forming one diagonal segment; AUC by the trapezoidal rule
 *   (Fawcett, "An introduction to ROC analysis", Pattern Recognition Letters
 *   27(8), 2006, algorithms 1 and 2).
 * - Precision-recall: one point per distinct threshold; average precision
 *   AP = Σ_i (R_i − R_{i−1}) · P_i, the step-wise area, since linear
 *   interpolation in PR space is over-optimistic (Davis & Goadrich, "The
 *   relationship between precision-recall and ROC curves", ICML 2006).
 * - Reliability and ECE: B equal-width bins of [0, 1] (bin b holds p in
 *   [b/B, (b+1)/B), p = 1 in the last bin); ECE = Σ_b (n_b / N) · |mean p in b −
 *   share of positives in b| (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo et
 *   al., "On calibration of modern neural networks", ICML 2017). The same rule as
 *   `expectedCalibrationError` in `ranking/metrics.ts`.
 * - Cumulative gains: share of all positives captured against share of pairs
 *   taken, pairs in descending probability.
 *
 * Pairs are ranked with one numeric sort of a Uint32Array key (the float32 bit
 * pattern of p, which orders like p for p ≥ 0, shifted left once with the label
 * in the low bit), so no comparator and no row objects are involved.
 */
import { addCalibration, calibrationError, calibrationSums } from '../ranking/metrics';
import type { ScoredLabels } from './types';

/** Scored pairs or a curve request that break the input contract. */
export class CurveInputError extends Error {
  constructor(readonly what: string, detail: string) {
    super(`${what}: ${detail}`);
    this.name = 'CurveInputError';
  }
}

/** Distinct thresholds in descending order with cumulative class counts at or above each. */
export interface RankedThresholds {
  /** Distinct probabilities, strictly descending. */
  threshold: Float32Array;
  /** Positives with probability ≥ threshold[i] (non-decreasing, ends at `positives`). */
  tp: Float64Array;
  /** Negatives with probability ≥ threshold[i] (non-decreasing, ends at `negatives`). */
  fp: Float64Array;
  positives: number;
  negatives: number;
}

/** A curve thinned for plotting: parallel coordinates, in drawing order. */
export interface Curve {
  x: Float64Array;
  y: Float64Array;
}

/** ROC: x = false-positive rate, y = true-positive rate, from (0, 0) to (1, 1). */
export interface RocCurve extends Curve {
  /** Area under the full-resolution curve, in [0, 1]. */
  auc: number;
}

/** Precision-recall: x = recall, y = precision, one point per kept threshold. */
export interface PrecisionRecallCurve extends Curve {
  /** Step-wise area of the full-resolution curve, in [0, 1]. */
  averagePrecision: number;
  /** Share of positives among all pairs: the precision of a random ranking. */
  baseRate: number;
}

/** Reliability diagram of B equal-width bins of [0, 1]. */
export interface ReliabilityDiagram {
  /** Lower edge of each bin, b / B. */
  lower: Float64Array;
  /** Mean predicted probability per bin; NaN for an empty bin. */
  meanPredicted: Float64Array;
  /** Share of positives per bin; NaN for an empty bin. */
  observedRate: Float64Array;
  /** Pairs per bin. */
  count: Float64Array;
  /** Expected calibration error, in [0, 1]; 0 for no pairs. */
  ece: number;
}

/** Histogram of probabilities per class over equal-width bins of [0, upper]. */
export interface ScoreHistogram {
  /** B + 1 bin edges, edges[0] = 0, edges[B] = upper. */
  edges: Float64Array;
  /** Positive pairs per bin. */
  positives: Float64Array;
  /** Negative pairs per bin. */
  negatives: Float64Array;
}

/** Every curve of the report; the ones a class-less input cannot define are absent. */
export interface Curves {
  pairs: number;
  positives: number;
  negatives: number;
  /** Absent when either class is empty. */
  roc?: RocCurve;
  /** Absent when there are no positives. */
  pr?: PrecisionRecallCurve;
  /** Absent when there are no positives. */
  gains?: Curve;
  reliability: ReliabilityDiagram;
  histogram: ScoreHistogram;
}

/** Plot resolution of thinned curves: at most about this many points each. */
export const DEFAULT_MAX_POINTS = 300;

/** Throws unless row i holds a probability in [0, 1] and a 0/1 label. */
function checkPair(p: number, y: number, i: number): void {
  if (!(p >= 0 && p <= 1)) throw new CurveInputError('scored pairs', `expected a probability in [0, 1] at row ${i}, found ${p}`);
  if (y > 1) throw new CurveInputError('scored pairs', `expected a label 0 or 1 at row ${i}, found ${y}`);
}

function checkLengths(scored: ScoredLabels): void {
  const { probability, label } = scored;
  if (probability.length !== label.length) {
    throw new CurveInputError('scored pairs', `expected equal lengths, found probability ${probability.length}, label ${label.length}`);
  }
}

function checkMaxPoints(maxPoints: number): void {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new CurveInputError('maxPoints', `expected an integer ≥ 2, found ${maxPoints}`);
}

/**
 * Ranks pairs by descending probability and groups ties: the one sort every
 * threshold curve shares. O(n log n) time, 4n bytes of scratch.
 * @throws CurveInputError on length mismatch, a probability outside [0, 1] or NaN, or a label other than 0/1.
 * @example rankByProbability({ probability: Float32Array.of(0.2, 0.8, 0.8), label: Uint8Array.of(0, 1, 0) })
 * // threshold [0.8, 0.2], tp [1, 1], fp [1, 2], positives 1, negatives 2
 */
export function rankByProbability(scored: ScoredLabels): RankedThresholds {
  checkLengths(scored);
  const { probability, label } = scored;
  const n = label.length;
  const bits = new Uint32Array(probability.buffer, probability.byteOffset, n);
  const key = new Uint32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    checkPair(probability[i], label[i], i);
    // & 0x7fffffff folds −0 onto +0; p ≤ 1 keeps the bits ≤ 0x3f800000, so the shift cannot overflow.
    key[i] = (((bits[i] & 0x7fffffff) << 1) | label[i]) >>> 0;
    positives += label[i];
  }
  key.sort();
  let distinct = 0;
  for (let i = n - 1; i >= 0; i--) if (i === n - 1 || key[i] >>> 1 !== key[i + 1] >>> 1) distinct++;
  const thresholdBits = new Uint32Array(distinct);
  const tp = new Float64Array(distinct);
  const fp = new Float64Array(distinct);
  let t = -1;
  let cumTp = 0;
  let cumFp = 0;
  for (let i = n - 1; i >= 0; i--) {
    const value = key[i] >>> 1;
    if (t < 0 || value !== thresholdBits[t]) thresholdBits[++t] = value;
    if ((key[i] & 1) === 1) cumTp++;
    else cumFp++;
    tp[t] = cumTp;
    fp[t] = cumFp;
  }
  return { threshold: new Float32Array(thresholdBits.buffer), tp, fp, positives, negatives: n - positives };
}

/**
 * Collects the points of a curve whose progress (a non-decreasing measure of
 * distance along it) moved at least `step` since the last kept point; the first
 * and last points are always kept, and every point when the curve has at most
 * `maxPoints` thresholds.
 */
class ThinnedCurve {
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];
  private readonly step: number;
  private last = -Infinity;

  constructor(step: number, thresholds: number, maxPoints: number) {
    this.step = thresholds <= maxPoints ? 0 : step;
  }

  add(x: number, y: number, progress: number, keep: boolean): void {
    if (!keep && progress - this.last < this.step) return;
    this.xs.push(x);
    this.ys.push(y);
    this.last = progress;
  }

  curve(): Curve {
    return { x: Float64Array.from(this.xs), y: Float64Array.from(this.ys) };
  }
}

/**
 * ROC curve and AUC (Fawcett 2006). The plotted curve starts at (0, 0), ends at
 * (1, 1) and keeps a point each time FPR + TPR advanced by 2 / maxPoints
 * (every point when there are at most maxPoints distinct thresholds).
 * @param ranked from {@link rankByProbability}.
 * @param maxPoints plot resolution, ≥ 2; the curve has at most maxPoints + 2 points.
 * @throws CurveInputError when either class is empty (the rates are undefined).
 */
export function rocCurve(ranked: RankedThresholds, maxPoints = DEFAULT_MAX_POINTS): RocCurve {
  checkMaxPoints(maxPoints);
  const { tp, fp, positives, negatives } = ranked;
  if (positives === 0 || negatives === 0) {
    throw new CurveInputError('ROC curve', `expected positives and negatives, found ${positives} positives and ${negatives} negatives`);
  }
  const out = new ThinnedCurve(2 / maxPoints, tp.length, maxPoints);
  out.add(0, 0, 0, true);
  let auc = 0;
  let prevX = 0;
  let prevY = 0;
  const m = tp.length;
  for (let i = 0; i < m; i++) {
    const x = fp[i] / negatives;
    const y = tp[i] / positives;
    auc += ((x - prevX) * (y + prevY)) / 2;
    out.add(x, y, x + y, i === m - 1);
    prevX = x;
    prevY = y;
  }
  return { ...out.curve(), auc };
}

/**
 * Precision-recall curve and average precision (Davis & Goadrich 2006). One
 * point per distinct threshold at full resolution; the plotted curve keeps a
 * point each time recall advanced by 1 / maxPoints, plus the first and last
 * (every point when there are at most maxPoints distinct thresholds).
 * @param ranked from {@link rankByProbability}.
 * @param maxPoints plot resolution, ≥ 2; the curve has at most maxPoints + 2 points.
 * @throws CurveInputError when there are no positives (recall is undefined).
 */
export function precisionRecallCurve(ranked: RankedThresholds, maxPoints = DEFAULT_MAX_POINTS): PrecisionRecallCurve {
  checkMaxPoints(maxPoints);
  const { tp, fp, positives, negatives } = ranked;
  if (positives === 0) throw new CurveInputError('precision-recall curve', `expected at least one positive among ${negatives} pairs, found none`);
  const out = new ThinnedCurve(1 / maxPoints, tp.length, maxPoints);
  let averagePrecision = 0;
  let prevRecall = 0;
  const m = tp.length;
  for (let i = 0; i < m; i++) {
    const recall = tp[i] / positives;
    const precision = tp[i] / (tp[i] + fp[i]);
    averagePrecision += (recall - prevRecall) * precision;
    out.add(recall, precision, recall, i === 0 || i === m - 1);
    prevRecall = recall;
  }
  return { ...out.curve(), averagePrecision, baseRate: positives / (positives + negatives) };
}

/**
 * Cumulative gains: x = share of pairs taken in descending probability, y =
 * share of all positives among them; from (0, 0) to (1, 1), the diagonal being a
 * random order. Lift at x is y / x. Thinned as {@link rocCurve}.
 * @param ranked from {@link rankByProbability}.
 * @param maxPoints plot resolution, ≥ 2; the curve has at most maxPoints + 2 points.
 * @throws CurveInputError when there are no positives.
 */
export function cumulativeGains(ranked: RankedThresholds, maxPoints = DEFAULT_MAX_POINTS): Curve {
  checkMaxPoints(maxPoints);
  const { tp, fp, positives, negatives } = ranked;
  if (positives === 0) throw new CurveInputError('cumulative gains', `expected at least one positive among ${negatives} pairs, found none`);
  const n = positives + negatives;
  const out = new ThinnedCurve(2 / maxPoints, tp.length, maxPoints);
  out.add(0, 0, 0, true);
  const m = tp.length;
  for (let i = 0; i < m; i++) {
    const x = (tp[i] + fp[i]) / n;
    const y = tp[i] / positives;
    out.add(x, y, x + y, i === m - 1);
  }
  return out.curve();
}

/**
 * Reliability diagram and expected calibration error over `bins` equal-width
 * bins (Naeini et al. 2015; Guo et al. 2017); the protocol uses 10 bins.
 * @throws CurveInputError on bad pairs (as {@link rankByProbability}) or bins not a positive integer.
 */
export function reliabilityDiagram(scored: ScoredLabels, bins = 10): ReliabilityDiagram {
  if (!Number.isInteger(bins) || bins < 1) throw new CurveInputError('bins', `expected a positive integer, found ${bins}`);
  checkLengths(scored);
  const { probability, label } = scored;
  for (let i = 0; i < label.length; i++) checkPair(probability[i], label[i], i);
  // The bins of the protocol's ECE, summed once (`ranking/metrics.ts`).
  const sums = addCalibration(calibrationSums(bins), probability, label);
  const { count } = sums;
  return {
    lower: Float64Array.from({ length: bins }, (_, b) => b / bins),
    // 0 / 0 = NaN marks an empty bin.
    meanPredicted: sums.sumP.map((s, b) => s / count[b]),
    observedRate: sums.sumY.map((s, b) => s / count[b]),
    count,
    ece: calibrationError(sums),
  };
}

/**
 * Histogram of probabilities per class over `bins` equal-width bins of
 * [0, upper], upper = the largest probability (1 when every probability is 0);
 * bin b holds p in [edges[b], edges[b+1]), the largest value in the last bin.
 * @throws CurveInputError on bad pairs (as {@link rankByProbability}) or bins not a positive integer.
 */
export function scoreHistogram(scored: ScoredLabels, bins = 40): ScoreHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new CurveInputError('bins', `expected a positive integer, found ${bins}`);
  checkLengths(scored);
  const { probability, label } = scored;
  let upper = 0;
  for (let i = 0; i < label.length; i++) {
    checkPair(probability[i], label[i], i);
    if (probability[i] > upper) upper = probability[i];
  }
  if (upper === 0) upper = 1;
  const positives = new Float64Array(bins);
  const negatives = new Float64Array(bins);
  for (let i = 0; i < label.length; i++) {
    const b = Math.min(bins - 1, Math.floor((probability[i] / upper) * bins));
    if (label[i] === 1) positives[b]++;
    else negatives[b]++;
  }
  const edges = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = (upper * b) / bins;
  return { edges, positives, negatives };
}

/**
 * All curves of the report from one sort and two linear passes.
 * @param options.maxPoints plot resolution of ROC, PR and gains (default 300).
 * @param options.reliabilityBins bins of the reliability diagram and ECE (default 10, the protocol's).
 * @param options.histogramBins bins of the score histogram (default 40).
 * @throws CurveInputError on bad pairs or options.
 */
export function computeCurves(
  scored: ScoredLabels,
  options: { maxPoints?: number; reliabilityBins?: number; histogramBins?: number } = {},
): Curves {
  const ranked = rankByProbability(scored);
  const { positives, negatives } = ranked;
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  return {
    pairs: positives + negatives,
    positives,
    negatives,
    roc: positives > 0 && negatives > 0 ? rocCurve(ranked, maxPoints) : undefined,
    pr: positives > 0 ? precisionRecallCurve(ranked, maxPoints) : undefined,
    gains: positives > 0 ? cumulativeGains(ranked, maxPoints) : undefined,
    reliability: reliabilityDiagram(scored, options.reliabilityBins),
    histogram: scoreHistogram(scored, options.histogramBins),
  };
}
