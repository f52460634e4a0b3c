/**
 * One copy of the network being trained, with its own Adam: it computes the
 * gradient of {@link groupLoss} on a slice of a step's groups and applies a
 * summed gradient. Data-parallel training (`data-parallel.ts`) runs one replica
 * per thread; replicas that start from the same weights and apply the same
 * summed gradients stay identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochSample } from './budget';
import { groupLoss, type StepCoefficients } from './loss';
import { buildModel, type ModelSpec } from './model';

/** Adam whose learning rate can change between steps (a schedule). */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** Weights of a network as plain arrays, in `model.getWeights()` order. */
export type FlatWeights = Float32Array[];

/** Total number of trainable values of `model`. */
export function parameterCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** What a replica needs to start: the architecture, the weights to start from and the share of the L2 penalty it adds. */
export interface ReplicaInit {
  spec: ModelSpec;
  weights: FlatWeights;
  /** 1 / number of replicas: the summed gradient then holds the L2 penalty once. */
  l2Share: number;
}

export class Replica {
  readonly model: tf.LayersModel;
  private readonly optimizer = new ScheduledAdam(1e-3, 0.9, 0.999, 1e-7);
  private readonly variables: tf.Variable[];
  /** Offset of each trainable variable in a flat gradient. */
  readonly offsets: number[];
  readonly size: number;

  constructor(private readonly init: ReplicaInit) {
    this.model = buildModel(init.spec);
    setFlatWeights(this.model, init.weights);
    this.variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.offsets = [];
    let o = 0;
    for (const v of this.variables) {
      this.offsets.push(o);
      o += v.size;
    }
    this.size = o;
  }

  /**
   * Gradient of the loss of groups [g0, g1) of `sample`, written into `out` (length `size`).
   * @returns that slice's loss.
   */
  gradient(sample: EpochSample, coef: StepCoefficients, g0: number, g1: number, out: Float32Array): number {
    const r0 = sample.groupStart[g0];
    const r1 = sample.groupStart[g1];
    const n = r1 - r0;
    if (n === 0) {
      out.fill(0);
      return 0;
    }
    const d = this.init.spec.features;
    const segment = new Int32Array(n);
    for (let g = g0; g < g1; g++) segment.fill(g - g0, sample.groupStart[g] - r0, sample.groupStart[g + 1] - r0);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor2d(sample.x.subarray(r0 * d, r1 * d), [n, d]);
      const item = tf.tensor2d(sample.item.subarray(r0, r1), [n, 1], 'int32');
      const customer = tf.tensor2d(sample.customer.subarray(r0, r1), [n, 1], 'int32');
      const inputs = {
        label: tf.tensor1d(sample.label.subarray(r0, r1)),
        bce: tf.tensor1d(coef.bce.subarray(r0, r1)),
        list: tf.tensor1d(coef.list.subarray(r0, r1)),
        logWeight: tf.tensor1d(coef.logWeight.subarray(r0, r1)),
        segment: tf.tensor1d(segment, 'int32'),
        groups: g1 - g0,
      };
      return tf.variableGrads(() => {
        const probability = this.model.apply([x, item, customer], { training: true }) as tf.Tensor;
        const l2 = this.model.calculateLosses();
        const loss = groupLoss({ probability, ...inputs });
        return (l2.length === 0 ? loss : loss.add(tf.addN(l2).mul(this.init.l2Share))) as tf.Scalar;
      }, this.variables);
    });
    this.variables.forEach((v, i) => out.set(grads[v.name].dataSync() as Float32Array, this.offsets[i]));
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  }

  /** One Adam step with the summed gradient `flat` at learning rate `lr`. */
  apply(flat: Float32Array, lr: number): void {
    this.optimizer.setLearningRate(lr);
    const named = this.variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(flat.subarray(this.offsets[i], this.offsets[i] + v.size), v.shape) }));
    this.optimizer.applyGradients(named);
    tf.dispose(named.map((g) => g.tensor));
  }

  weights(): FlatWeights {
    return flatWeights(this.model);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

/** `model.getWeights()` as plain arrays (copies). */
export function flatWeights(model: tf.LayersModel): FlatWeights {
  return model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
}

/** Sets `model`'s weights from plain arrays in `getWeights()` order. */
export function setFlatWeights(model: tf.LayersModel, weights: FlatWeights): void {
  const current = model.getWeights();
  if (current.length !== weights.length) throw new RangeError(`setFlatWeights: the model has ${current.length} weights, ${weights.length} given`);
  const tensors = current.map((w, i) => tf.tensor(weights[i], w.shape, w.dtype));
  model.setWeights(tensors);
  tf.dispose(tensors);
}
