/**
 * Listwise training: rows in fixed-size groups of one customer's candidates at one
 * cut-off, and a loss that adds a per-group softmax cross-entropy (the ranking
 * within a customer, what NDCG@K judges) to an importance-weighted binary
 * cross-entropy (the level across customers, what calibration needs).
 *
 * Targets carry label, weight and padding in one float per row so that the
 * layers API's `fit` can feed them: `+w` a positive of weight w, `−w` a negative
 * of weight w, `0` a padding row (ignored by both terms).
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { TrainingInputError } from './errors';
import type { Prng } from './sampling';

/** Rows of one cut-off in groups of `groupSize`: `rows[g·G + j]` is a row of `fs`, or −1 for padding. */
export interface RowGroups {
  rows: Int32Array;
  /** Signed target per slot (see the module comment). */
  target: Float32Array;
}

/**
 * One group of `G` slots per customer of a labelled cut-off. A customer with at
 * most G candidates gets all of them (the rest padding); otherwise up to G/2 of
 * its positives and a uniform sample of its negatives fill the group, each
 * weighted by (its class's rows ÷ rows taken) so that the weighted binary
 * cross-entropy is an unbiased estimate of the one over all candidates.
 * Customers without a positive keep their group: it teaches the level.
 * @param fs a labelled feature set, rows grouped by customer.
 * @param groupSize G ≥ 2.
 * @param rng the run's generator.
 * @throws TrainingInputError when `fs` has no labels or G < 2.
 */
export function sampleGroups(fs: FeatureSet, groupSize: number, rng: Prng): RowGroups {
  const label = fs.label;
  if (label === undefined) throw new TrainingInputError(`feature set at cut-off ${new Date(fs.cutoff).toISOString()} has no labels`);
  if (!Number.isInteger(groupSize) || groupSize < 2) throw new TrainingInputError(`groupSize must be an integer >= 2, found ${groupSize}`);
  const starts: number[] = [];
  for (let r = 0; r < fs.n; r++) if (r === 0 || fs.customer[r] !== fs.customer[r - 1]) starts.push(r);
  starts.push(fs.n);
  const groups = starts.length - 1;
  const rows = new Int32Array(groups * groupSize).fill(-1);
  const target = new Float32Array(groups * groupSize);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let g = 0; g < groups; g++) {
    pos.length = 0;
    neg.length = 0;
    for (let r = starts[g]; r < starts[g + 1]; r++) (label[r] === 1 ? pos : neg).push(r);
    const takePos = Math.min(pos.length, starts[g + 1] - starts[g] <= groupSize ? pos.length : groupSize >> 1);
    const takeNeg = Math.min(neg.length, groupSize - takePos);
    partialShuffle(pos, takePos, rng);
    partialShuffle(neg, takeNeg, rng);
    const at = g * groupSize;
    for (let j = 0; j < takePos; j++) {
      rows[at + j] = pos[j];
      target[at + j] = pos.length / takePos;
    }
    for (let j = 0; j < takeNeg; j++) {
      rows[at + takePos + j] = neg[j];
      target[at + takePos + j] = -neg.length / takeNeg;
    }
  }
  return { rows, target };
}

/** Moves a uniform sample of k elements without replacement to the front of `a` (partial Fisher–Yates). */
function partialShuffle(a: number[], k: number, rng: Prng): void {
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
}

/**
 * The loss of grouped batches: weighted binary cross-entropy over real rows
 * (normalised by the total weight) plus `lambda` × the mean over groups with a
 * positive of the softmax cross-entropy −Σ_pos w·log softmax(z)_pos / Σ_pos w,
 * z = logit(p) and padding masked out of the softmax (the "ListNet top-one" /
 * softmax loss; Cao et al., ICML 2007; Bruch et al., ICTIR 2019, show it bounds NDCG).
 * @param groupSize G: every batch must hold whole groups, i.e. a multiple of G rows.
 * @param lambda weight of the listwise term, ≥ 0.
 * @returns a `(yTrue, yPred) → scalar` loss for `model.compile`.
 */
export function groupedRankingLoss(groupSize: number, lambda: number): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const t = yTrue.reshape([-1, groupSize]);
      const p = yPred.reshape([-1, groupSize]).clipByValue(1e-7, 1 - 1e-7);
      const w = t.abs();
      const isPos = t.greater(0).cast('float32');
      const real = t.notEqual(0).cast('float32');
      const logP = p.log();
      const log1mP = tf.sub(1, p).log();
      const bce = tf.add(isPos.mul(logP), tf.sub(1, isPos).mul(log1mP)).neg();
      const pointwise = w.mul(bce).sum().div(w.sum().maximum(1e-12));
      const z = logP.sub(log1mP).add(tf.sub(1, real).mul(-1e9));
      const logSoftmax = z.sub(z.logSumExp(1, true));
      const posW = w.mul(isPos);
      const groupPos = posW.sum(1);
      const hasPos = groupPos.greater(0).cast('float32');
      const perGroup = posW.mul(logSoftmax).sum(1).neg().div(groupPos.maximum(1e-12));
      const listwise = perGroup.mul(hasPos).sum().div(hasPos.sum().maximum(1));
      return pointwise.add(listwise.mul(lambda)) as tf.Scalar;
    });
}
