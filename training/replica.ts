/**
 * One copy of the network being trained, with its own Adam: it computes the
 * gradient of {@link groupLoss} on a slice of a step's groups and applies a
 * summed gradient. Data-parallel training (`data-parallel.ts`) runs one replica
 * per thread; replicas that start from the same weights and apply the same
 * summed gradients stay identical.
 *
 * The network's L2 penalties (l2 · Σ w², on the weights whose layer declares a
 * regulariser) enter once per step, when the summed gradient is applied, as
 * their gradient 2 · l2 · w (L2 regularisation added to the gradient, as
 * `weight_decay` does in PyTorch's Adam): the same update as differentiating
 * the penalty with the loss, without differentiating every table in every
 * slice of every step.
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

/** What a replica needs to start: the architecture and the weights to start from. */
export interface ReplicaInit {
  spec: ModelSpec;
  weights: FlatWeights;
}

/**
 * The L2 coefficient of each of `model`'s trainable weights, in
 * `trainableWeights` order: l2 of the `L1L2` regulariser its layer declares for
 * it (a dense layer's `kernelRegularizer`, an embedding's
 * `embeddingsRegularizer`), else 0.
 * @throws RangeError when a layer declares an L1 term (the replica applies L2 only).
 */
export function l2Coefficients(model: tf.LayersModel): number[] {
  const byWeight = new Map<string, number>();
  for (const layer of model.layers) {
    const config = layer.getConfig();
    for (const [key, suffix] of [['kernelRegularizer', '/kernel'], ['embeddingsRegularizer', '/embeddings']] as const) {
      const reg = config[key] as { className?: string; config?: { l1?: number; l2?: number } } | null | undefined;
      if (reg == null) continue;
      if (reg.className !== 'L1L2' || (reg.config?.l1 ?? 0) !== 0) throw new RangeError(`layer ${layer.name}: only L2 regularisers are supported, found ${JSON.stringify(reg)}`);
      byWeight.set(`${layer.name}${suffix}`, reg.config?.l2 ?? 0);
    }
  }
  return model.trainableWeights.map((w) => byWeight.get(w.originalName) ?? 0);
}

export class Replica {
  readonly model: tf.LayersModel;
  private readonly optimizer = new ScheduledAdam(1e-3, 0.9, 0.999, 1e-7);
  private readonly variables: tf.Variable[];
  /** 2 · l2 of each variable: the factor of its penalty's gradient. */
  private readonly decay: number[];
  /** Offset of each trainable variable in a flat gradient. */
  readonly offsets: number[];
  readonly size: number;
  private readonly features: number;

  constructor(init: ReplicaInit) {
    this.features = init.spec.features;
    this.model = buildModel(init.spec);
    setFlatWeights(this.model, init.weights);
    this.variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.decay = l2Coefficients(this.model).map((l2) => 2 * l2);
    this.offsets = [];
    let o = 0;
    for (const v of this.variables) {
      this.offsets.push(o);
      o += v.size;
    }
    this.size = o;
  }

  /**
   * Gradient of the loss of groups [g0, g1) of `sample` (without the L2
   * penalties, which {@link apply} adds), written into `out` (length `size`).
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
    const d = this.features;
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
      return tf.variableGrads(() => groupLoss({ probability: this.model.apply([x, item, customer], { training: true }) as tf.Tensor, ...inputs }), this.variables);
    });
    this.variables.forEach((v, i) => out.set(grads[v.name].dataSync() as Float32Array, this.offsets[i]));
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  }

  /** One Adam step with the summed gradient `flat` plus the L2 penalties' gradient, at learning rate `lr`. */
  apply(flat: Float32Array, lr: number): void {
    this.optimizer.setLearningRate(lr);
    const named = tf.tidy(() =>
      this.variables.map((v, i) => {
        const g = tf.tensor(flat.subarray(this.offsets[i], this.offsets[i] + v.size), v.shape);
        return { name: v.name, tensor: this.decay[i] === 0 ? g : g.add(v.mul(this.decay[i])) };
      }),
    );
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
