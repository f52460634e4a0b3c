/**
 * The purchase-likelihood network: a TF.js layers model (functional API).
 *
 * Inputs, in this order: `features` [d] float32 (preprocessed, see `preprocess.ts`),
 * `item` [1] int32 and `customer` [1] int32 dense indices. Each index goes through a
 * learned embedding of `vocabulary + 1` rows, the last row being the
 * out-of-vocabulary (OOV) index for ids unseen in training; the features and both
 * embeddings are concatenated and pass through a ReLU MLP to one sigmoid unit:
 * P(purchase in the horizon | candidate). Initialisers are seeded, so a seed fixes
 * the initial weights.
 */
import * as tf from '@tensorflow/tfjs';

/** Architecture of the network; serialised in the model manifest. */
export interface ModelSpec {
  /** Number of engineered features d. */
  features: number;
  /** Customers in the training vocabulary (dense ids 0 … customers-1); index `customers` is OOV. */
  customers: number;
  /** Items in the training vocabulary (dense ids 0 … items-1); index `items` is OOV. */
  items: number;
  /** Hidden layer widths, e.g. [64, 32]. */
  hidden: number[];
  /** Item embedding width (0 disables the item embedding). */
  itemEmbedding: number;
  /** Customer embedding width (0 disables the customer embedding). */
  customerEmbedding: number;
  /** L2 penalty on embedding rows and dense kernels. */
  l2: number;
  /** Seed of the initialisers. */
  seed: number;
}

/**
 * Defaults of the optional {@link ModelSpec} fields. No customer embedding: its
 * table grows with the customer base and every training step updates all of it,
 * so training would cost more with more customers, for no measurable gain
 * (`docs/training-budget.md`); the features describe the customer.
 */
export const DEFAULT_MODEL_SPEC = {
  hidden: [64, 32],
  itemEmbedding: 16,
  customerEmbedding: 0,
  l2: 1e-4,
  seed: 42,
} as const;

/** Dense index → model index: ids at or beyond the vocabulary size (or negative) map to the OOV row. */
export function toVocabIndex(ids: Int32Array, vocabulary: number, out: Int32Array = new Int32Array(ids.length)): Int32Array {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    out[i] = v >= 0 && v < vocabulary ? v : vocabulary;
  }
  return out;
}

/**
 * Builds the (uncompiled) network.
 * @returns a model with inputs [features, item, customer] and output [n, 1] in (0, 1).
 * @throws RangeError when a size is not a positive integer (embedding widths may be 0).
 */
export function buildModel(spec: ModelSpec): tf.LayersModel {
  const positive = { features: spec.features, customers: spec.customers, items: spec.items };
  for (const [k, v] of Object.entries(positive)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`model spec: ${k} must be a positive integer, found ${v}`);
  }
  let seed = spec.seed >>> 0;
  const nextSeed = (): number => (seed = (seed + 1) >>> 0);
  const reg = spec.l2 > 0 ? tf.regularizers.l2({ l2: spec.l2 }) : undefined;

  const features = tf.input({ shape: [spec.features], name: 'features' });
  const item = tf.input({ shape: [1], dtype: 'int32', name: 'item' });
  const customer = tf.input({ shape: [1], dtype: 'int32', name: 'customer' });
  const parts: tf.SymbolicTensor[] = [features];
  const embed = (input: tf.SymbolicTensor, rows: number, width: number, name: string): void => {
    if (width <= 0) return;
    const e = tf.layers
      .embedding({
        inputDim: rows + 1,
        outputDim: width,
        embeddingsInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.05, seed: nextSeed() }),
        embeddingsRegularizer: reg,
        name: `${name}_embedding`,
      })
      .apply(input) as tf.SymbolicTensor;
    parts.push(tf.layers.flatten({ name: `${name}_flatten` }).apply(e) as tf.SymbolicTensor);
  };
  embed(item, spec.items, spec.itemEmbedding, 'item');
  embed(customer, spec.customers, spec.customerEmbedding, 'customer');
  let h = parts.length > 1 ? (tf.layers.concatenate({ name: 'concat' }).apply(parts) as tf.SymbolicTensor) : features;
  spec.hidden.forEach((units, i) => {
    h = tf.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
        kernelRegularizer: reg,
        name: `hidden_${i}`,
      })
      .apply(h) as tf.SymbolicTensor;
  });
  const out = tf.layers
    .dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      name: 'probability',
    })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [features, item, customer], outputs: out, name: 'berserkr_purchase' });
}

/**
 * A copy of `model` for a larger vocabulary, so training can go on where it
 * stopped with ids the model has not seen (the refit in `train.ts`). Every
 * weight is copied; each embedding table keeps its rows 0 … V−1 and gains one
 * row per new id plus the new OOV row, each a copy of the old OOV row V (what
 * the network learnt of an unseen id), so before further training a new id
 * scores exactly as it did through the OOV index.
 * @param model a network of {@link buildModel}'s form.
 * @param spec the model's spec with `customers` and `items` at their new sizes.
 * @returns a new, uncompiled model of `spec`.
 * @throws RangeError when a vocabulary would shrink.
 */
export function growVocabulary(model: tf.LayersModel, spec: ModelSpec): tf.LayersModel {
  const grown = buildModel(spec);
  const rows: Record<string, number> = { item_embedding: spec.items, customer_embedding: spec.customers };
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const size = rows[layer.name];
    if (size === undefined) {
      grown.getLayer(layer.name).setWeights(weights);
      continue;
    }
    const [table] = weights;
    const [oldRows, width] = table.shape as [number, number];
    if (size + 1 < oldRows) throw new RangeError(`growVocabulary: ${layer.name} has ${oldRows - 1} ids, the spec ${size}: a vocabulary cannot shrink`);
    const next = tf.tidy(() => tf.concat([table.slice([0, 0], [oldRows - 1, width]), tf.tile(table.slice([oldRows - 1, 0], [1, width]), [size + 2 - oldRows, 1])]));
    grown.getLayer(layer.name).setWeights([next]);
    next.dispose();
  }
  return grown;
}
