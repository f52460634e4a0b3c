import * as tf from '@tensorflow/tfjs';
import type { EpochSample } from '../../training/budget';
import { barrier, CONTROL, threadShare } from '../../training/data-parallel';
import { groupLoss, stepCoefficients } from '../../training/loss';
import { DEFAULT_MODEL_SPEC, buildModel } from '../../training/model';
import { flatWeights, l2Coefficients, Replica, setFlatWeights } from '../../training/replica';

/** A sample of groups given as label lists, within-group weights w, class weight c per group. */
function sample(groups: { labels: number[]; within: number[]; classWeight: number }[], d = 2): EpochSample {
  const rows = groups.reduce((s, g) => s + g.labels.length, 0);
  const groupStart = new Int32Array(groups.length + 1);
  groups.forEach((g, j) => (groupStart[j + 1] = groupStart[j] + g.labels.length));
  const label = Float32Array.from(groups.flatMap((g) => g.labels));
  const withinWeight = Float32Array.from(groups.flatMap((g) => g.within));
  const weight = Float32Array.from(groups.flatMap((g) => g.within.map((w) => w * g.classWeight)));
  return {
    groups: groups.length,
    rows,
    groupStart,
    x: Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i)),
    item: Int32Array.from({ length: rows }, (_, i) => i % 3),
    customer: Int32Array.from({ length: rows }, (_, i) => i % 2),
    label,
    weight,
    withinWeight,
  };
}

const s = sample([
  { labels: [1, 0, 0], within: [1, 2, 2], classWeight: 1 },
  { labels: [0, 0], within: [1, 1], classWeight: 3 },
  { labels: [1, 1, 0, 0], within: [1, 1, 4, 4], classWeight: 1 },
]);

describe('stepCoefficients', () => {
  it('normalises the binary cross-entropy weights and the softmax weights over each step', () => {
    const c = stepCoefficients(s, 2, 0.5);
    expect(Array.from(c.stepStart)).toEqual([0, 2, 3]);
    // step 0: groups 0 and 1, weights 1 2 2 3 3 (sum 11); step 1: group 2, weights 1 1 4 4 (sum 10)
    expect(Array.from(c.bce)).toEqual([1, 2, 2, 3, 3].map((w) => w / 11).concat([1, 1, 4, 4].map((w) => w / 10)).map(Math.fround));
    // softmax: one ranked group per step; its positives share λ by their within-group weight
    expect(Array.from(c.list)).toEqual([0.5, 0, 0, 0, 0, 0.25, 0.25, 0, 0]);
    expect(Array.from(c.logWeight)).toEqual([1, 2, 2, 1, 1, 1, 1, 4, 4].map((w) => Math.fround(Math.log(w))));
  });
});

describe('groupLoss', () => {
  it('equals the weighted cross-entropy plus the logQ-corrected softmax term, by hand', () => {
    const p = [0.2, 0.5, 0.1, 0.3, 0.6, 0.7, 0.4, 0.2, 0.1];
    const c = stepCoefficients(s, 3, 0.5); // one step
    const loss = groupLoss({
      probability: tf.tensor1d(p),
      label: tf.tensor1d(s.label),
      bce: tf.tensor1d(c.bce),
      list: tf.tensor1d(c.list),
      logWeight: tf.tensor1d(c.logWeight),
      segment: tf.tensor1d([0, 0, 0, 1, 1, 2, 2, 2, 2], 'int32'),
      groups: 3,
    }).arraySync();
    const y = Array.from(s.label);
    const w = Array.from(s.weight);
    const wSum = w.reduce((a, b) => a + b, 0);
    const bce = p.reduce((acc, pi, r) => acc - (w[r] / wSum) * (y[r] * Math.log(pi) + (1 - y[r]) * Math.log(1 - pi)), 0);
    const a = p.map((pi, r) => Math.log(pi / (1 - pi)) + Math.log(s.withinWeight[r]));
    const lse = (rows: number[]): number => Math.log(rows.reduce((acc, r) => acc + Math.exp(a[r]), 0));
    // groups 0 and 2 hold positives: 2 ranked groups; group 2's two positives have equal weight
    const list = (0.5 / 2) * -(a[0] - lse([0, 1, 2])) + (0.5 / 2) * -(0.5 * (a[5] - lse([5, 6, 7, 8])) + 0.5 * (a[6] - lse([5, 6, 7, 8])));
    expect(loss).toBeCloseTo(bce + list, 5);
  });
});

describe('Replica.gradient', () => {
  it('adds up over slices of a step to the gradient of the whole step (what data-parallel threads sum)', () => {
    const spec = { ...DEFAULT_MODEL_SPEC, hidden: [4], features: 2, customers: 2, items: 3 };
    const replica = new Replica({ spec, weights: flatWeights(buildModel(spec)) });
    const c = stepCoefficients(s, 3, 0.3);
    const whole = new Float32Array(replica.size);
    const first = new Float32Array(replica.size);
    const rest = new Float32Array(replica.size);
    const loss = replica.gradient(s, c, 0, 3, whole);
    const half = new Replica({ spec, weights: replica.weights() });
    const l1 = half.gradient(s, c, 0, 1, first);
    const l2 = half.gradient(s, c, 1, 3, rest);
    expect(l1 + l2).toBeCloseTo(loss, 5);
    for (let i = 0; i < whole.length; i++) expect(first[i] + rest[i]).toBeCloseTo(whole[i], 5);
    expect(whole.some((g) => Math.abs(g) > 1e-4)).toBe(true);
    replica.dispose();
    half.dispose();
  });
});

describe('Replica.apply', () => {
  const spec = { ...DEFAULT_MODEL_SPEC, hidden: [4], features: 2, customers: 2, items: 3, customerEmbedding: 2, l2: 0.05 };

  it('finds the L2 coefficient of each regularised weight: embeddings and hidden kernels, not biases or the output layer', () => {
    const model = buildModel(spec);
    const byName = Object.fromEntries(model.trainableWeights.map((w, i) => [w.originalName, l2Coefficients(model)[i]]));
    expect(byName).toEqual({
      'item_embedding/embeddings': 0.05,
      'customer_embedding/embeddings': 0.05,
      'hidden_0/kernel': 0.05,
      'hidden_0/bias': 0,
      'probability/kernel': 0,
      'probability/bias': 0,
    });
    model.dispose();
  });

  it('takes the same Adam step as differentiating the loss plus the L2 penalties', () => {
    const c = stepCoefficients(s, 3, 0.3);
    const replica = new Replica({ spec, weights: flatWeights(buildModel(spec)) });
    const reference = buildModel(spec);
    setFlatWeights(reference, replica.weights());
    const grad = new Float32Array(replica.size);
    replica.gradient(s, c, 0, 3, grad);
    replica.apply(grad, 0.01);

    const adam = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    const variables = reference.trainableWeights.map((w) => w.read() as tf.Variable);
    adam.minimize(() => {
      const inputs = [tf.tensor2d(s.x, [s.rows, 2]), tf.tensor2d(s.item, [s.rows, 1], 'int32'), tf.tensor2d(s.customer, [s.rows, 1], 'int32')];
      const probability = reference.apply(inputs, { training: true }) as tf.Tensor;
      const segment = tf.tensor1d(Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2, 2]), 'int32');
      const loss = groupLoss({ probability, label: tf.tensor1d(s.label), bce: tf.tensor1d(c.bce), list: tf.tensor1d(c.list), logWeight: tf.tensor1d(c.logWeight), segment, groups: 3 });
      return loss.add(tf.addN(reference.calculateLosses())) as tf.Scalar;
    }, false, variables);
    const expected = flatWeights(reference);
    const moved = replica.weights();
    expected.forEach((w, i) => w.forEach((v, j) => expect(moved[i][j]).toBeCloseTo(v, 5)));
    replica.dispose();
    reference.dispose();
    adam.dispose();
  });
});

describe('data-parallel helpers', () => {
  it('threadShare splits each step evenly and completely', () => {
    const stepStart = Int32Array.from([0, 5, 7]);
    expect([0, 1].map((k) => threadShare(stepStart, 0, k, 2))).toEqual([[0, 2], [2, 5]]);
    expect([0, 1, 2].map((k) => threadShare(stepStart, 1, k, 3))).toEqual([[5, 5], [5, 6], [6, 7]]);
  });

  it('barrier lets the last arrival through and throws when aborted', () => {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL.length * 4));
    barrier(control, 1); // a barrier of one thread never waits
    expect(control[CONTROL.generation]).toBe(1);
    Atomics.store(control, CONTROL.abort, 1);
    expect(() => barrier(control, 2)).toThrow(/training aborted/);
  });
});
