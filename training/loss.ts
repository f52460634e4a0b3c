/**
 * The training loss over a sample of customer groups (`budget.ts`): an
 * importance-weighted binary cross-entropy (the level across customers, what
 * calibration needs) plus λ × the per-group softmax cross-entropy of the
 * positives (the ranking within a customer, what NDCG@K judges; the "ListNet
 * top-one" / softmax loss, Cao et al., ICML 2007; Bruch et al., ICTIR 2019,
 * show it bounds NDCG). Groups are variable-length runs of rows (no padding):
 * the softmax denominator is a segment sum.
 *
 * Every row carries its own coefficients, normalised over the whole gradient
 * step, so the loss of a step is the sum of its rows' terms: a step split
 * across replicas has the summed gradient of the unsplit step.
 */
import * as tf from '@tensorflow/tfjs';
import { float32s, int32s } from './arrays';
import type { EpochSample } from './budget';

/** Per-row coefficients of one epoch's sample, aligned with its rows. */
export interface StepCoefficients {
  /** Binary cross-entropy coefficient: the row's weight ÷ the summed weight of its step. */
  bce: Float32Array;
  /** Softmax coefficient: λ × within-group weight ÷ (the group's summed positive weight × groups with a positive in the step); 0 for negatives. */
  list: Float32Array;
  /** log(within-group weight): the logQ correction added to each logit in the softmax. */
  logWeight: Float32Array;
  /** First group of each step, and the group count at the end: step s trains groups [stepStart[s], stepStart[s + 1]). */
  stepStart: Int32Array;
}

/**
 * Splits an epoch into steps of `groupsPerStep` groups and computes the
 * per-row coefficients of {@link groupLoss}.
 * @param lambda weight of the softmax term, ≥ 0.
 * @param into buffers of {@link coefficientBuffers} to write into (the result's
 *   arrays are views of them); new arrays when absent.
 */
export function stepCoefficients(sample: EpochSample, groupsPerStep: number, lambda: number, into?: StepCoefficients): StepCoefficients {
  const steps = Math.ceil(sample.groups / groupsPerStep);
  const buffers = into ?? coefficientBuffers(sample.rows, steps, false);
  const stepStart = buffers.stepStart.subarray(0, steps + 1);
  for (let s = 0; s <= steps; s++) stepStart[s] = Math.min(s * groupsPerStep, sample.groups);
  const bce = buffers.bce.subarray(0, sample.rows);
  const list = buffers.list.subarray(0, sample.rows).fill(0);
  const logWeight = buffers.logWeight.subarray(0, sample.rows);
  for (let r = 0; r < sample.rows; r++) logWeight[r] = Math.log(sample.withinWeight[r]);
  const { groupStart, label, weight, withinWeight } = sample;
  for (let s = 0; s < steps; s++) {
    const r0 = groupStart[stepStart[s]];
    const r1 = groupStart[stepStart[s + 1]];
    let total = 0;
    let ranked = 0;
    for (let r = r0; r < r1; r++) total += weight[r];
    for (let g = stepStart[s]; g < stepStart[s + 1]; g++) {
      let pos = false;
      for (let r = groupStart[g]; r < groupStart[g + 1] && !pos; r++) pos = label[r] === 1;
      if (pos) ranked++;
    }
    for (let r = r0; r < r1; r++) bce[r] = weight[r] / total;
    for (let g = stepStart[s]; g < stepStart[s + 1]; g++) {
      let posWeight = 0;
      for (let r = groupStart[g]; r < groupStart[g + 1]; r++) posWeight += label[r] * withinWeight[r];
      if (posWeight === 0) continue;
      for (let r = groupStart[g]; r < groupStart[g + 1]; r++) list[r] = (lambda * label[r] * withinWeight[r]) / (posWeight * ranked);
    }
  }
  return { bce, list, logWeight, stepStart };
}

/** Zeroed coefficient arrays for `rows` rows and `steps` steps; in `SharedArrayBuffer`s when `shared` (for worker threads). */
export function coefficientBuffers(rows: number, steps: number, shared: boolean): StepCoefficients {
  return { bce: float32s(rows, shared), list: float32s(rows, shared), logWeight: float32s(rows, shared), stepStart: int32s(steps + 1, shared) };
}

/** The tensors of a slice of rows that {@link groupLoss} reads. */
export interface LossInputs {
  /** Predicted probabilities, [n, 1] or [n]. */
  probability: tf.Tensor;
  label: tf.Tensor1D;
  bce: tf.Tensor1D;
  list: tf.Tensor1D;
  logWeight: tf.Tensor1D;
  /** Group of each row, 0 … groups − 1 (int32). */
  segment: tf.Tensor1D;
  groups: number;
}

/**
 * Σ_r bce_r · BCE(y_r, p_r) − Σ_r list_r · (a_r − logsumexp_{g(r)} a), with
 * a = logit(p) + logWeight: the loss of a slice of rows of one step
 * (`stepCoefficients` has normalised the coefficients over the whole step).
 * Probabilities are clipped to [1e-7, 1 − 1e-7], so logits lie in ±16.1 and the
 * segment sums cannot underflow.
 */
export function groupLoss(t: LossInputs): tf.Scalar {
  return tf.tidy(() => {
    const p = t.probability.reshape([-1]).clipByValue(1e-7, 1 - 1e-7);
    const logP = p.log();
    const log1mP = tf.sub(1, p).log();
    const bce = tf.add(t.label.mul(logP), tf.sub(1, t.label).mul(log1mP)).neg();
    const pointwise = bce.mul(t.bce).sum();
    const a = logP.sub(log1mP).add(t.logWeight);
    const m = a.max();
    const lse = tf.unsortedSegmentSum(a.sub(m).exp(), t.segment, t.groups).log().add(m);
    const listwise = a.sub(tf.gather(lse, t.segment)).mul(t.list).sum().neg();
    return pointwise.add(listwise) as tf.Scalar;
  });
}
