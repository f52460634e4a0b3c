/**
 * The fast forward pass (`predictRaw` through `forward-network.ts`,
 * `forward-input.ts`, `forward.ts`) gives `model.predict`'s outputs on the
 * preprocessed features and vocabulary indices, for the architectures
 * `buildModel` makes, and names the layer of any other.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../../features/types';
import { selectBackend } from '../../training/backend';
import { ForwardInput } from '../../training/forward-input';
import { readForwardNetwork, UnsupportedModelError } from '../../training/forward-network';
import { buildModel, toVocabIndex, type ModelSpec } from '../../training/model';
import { predictRaw, type Vocabulary } from '../../training/predict';
import { applyPreprocessing, fitPreprocessing, type Preprocessing } from '../../training/preprocess';
import { Prng } from '../../lib/prng';
import { gaussian, makeFeatureSet, makeWorld } from './synthetic';

/** `model.predict` on the inputs `predictRaw` stands for. */
function reference(model: tf.LayersModel, pre: Preprocessing, vocab: Vocabulary, fs: FeatureSet): Float32Array {
  const d = fs.names.length;
  const x = fs.values.slice();
  applyPreprocessing(pre, x);
  return tf.tidy(() => {
    const inputs = [
      tf.tensor2d(x, [fs.n, d]),
      tf.tensor2d(toVocabIndex(fs.item, vocab.items), [fs.n, 1], 'int32'),
      tf.tensor2d(toVocabIndex(fs.customer, vocab.customers), [fs.n, 1], 'int32'),
    ];
    return (model.predict(inputs, { batchSize: fs.n }) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** Replaces every weight (biases included, which start at 0) by N(0, 0.5²) draws. */
function randomiseWeights(model: tf.LayersModel, seed: number): void {
  const rng = new Prng(seed);
  model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => 0.5 * gaussian(rng)), w.shape)));
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

describe('predictRaw (fast forward pass)', () => {
  const world = makeWorld(4, 60, 45);
  const fs = makeFeatureSet(world, 17, 0, 12);
  // Customers >= 50 and items >= 30 are out of the vocabulary: they read the OOV rows.
  const vocab = { customers: 50, items: 30 };
  const pre = fitPreprocessing([fs]);
  // Rows the preprocessing sees as out of range: a non-finite value, a negative count.
  fs.values[3 * fs.names.length] = Number.NaN;
  fs.values[5 * fs.names.length + 1] = Number.POSITIVE_INFINITY;
  fs.values[7 * fs.names.length] = -4;
  const spec = (over: Partial<ModelSpec>): ModelSpec => ({ features: fs.names.length, ...vocab, hidden: [16, 8], itemEmbedding: 4, customerEmbedding: 3, l2: 0, seed: 5, ...over });

  beforeAll(async () => {
    await selectBackend();
  });

  it.each([
    ['two hidden layers, both embeddings', {}],
    ['one hidden layer, item embedding only', { hidden: [12], customerEmbedding: 0 }],
    ['no embedding (no concatenation)', { hidden: [6, 5, 4], itemEmbedding: 0, customerEmbedding: 0 }],
    ['no hidden layer', { hidden: [] }],
  ])('equals model.predict within 1e-5 with OOV ids: %s', (_name, over) => {
    const model = buildModel(spec(over));
    randomiseWeights(model, 9);
    const expected = reference(model, pre, vocab, fs);
    expect(fs.customer.some((c) => c >= vocab.customers) && fs.item.some((i) => i >= vocab.items)).toBe(true);
    expect(maxDifference(predictRaw(model, pre, vocab, fs), expected)).toBeLessThan(1e-5);
    expect(maxDifference(predictRaw(model, pre, vocab, fs, { batchRows: 7 }), expected)).toBeLessThan(1e-5);
  });

  it('reads the current weights at every call', () => {
    const model = buildModel(spec({}));
    const before = predictRaw(model, pre, vocab, fs);
    randomiseWeights(model, 10);
    const after = predictRaw(model, pre, vocab, fs);
    expect(maxDifference(after, before)).toBeGreaterThan(1e-3);
    expect(maxDifference(after, reference(model, pre, vocab, fs))).toBeLessThan(1e-5);
  });

  it('treats dropout as the identity, as prediction does', () => {
    const features = tf.input({ shape: [fs.names.length], name: 'features' });
    const item = tf.input({ shape: [1], dtype: 'int32', name: 'item' });
    const customer = tf.input({ shape: [1], dtype: 'int32', name: 'customer' });
    const embedded = tf.layers.flatten().apply(tf.layers.embedding({ inputDim: vocab.items + 1, outputDim: 3, name: 'item_embedding' }).apply(item)) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([embedded, features]) as tf.SymbolicTensor; // embedding first: the order comes from the graph
    const hidden = tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden_0' }).apply(joined) as tf.SymbolicTensor;
    const dropped = tf.layers.dropout({ rate: 0.5 }).apply(hidden) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'probability' }).apply(dropped) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [features, item, customer], outputs: out });
    randomiseWeights(model, 11);
    expect(maxDifference(predictRaw(model, pre, vocab, fs), reference(model, pre, vocab, fs))).toBeLessThan(1e-5);
  });

  it('names the layer of an architecture it does not run', () => {
    const features = tf.input({ shape: [fs.names.length], name: 'features' });
    const item = tf.input({ shape: [1], dtype: 'int32', name: 'item' });
    const customer = tf.input({ shape: [1], dtype: 'int32', name: 'customer' });
    const normalised = tf.layers.batchNormalization({ name: 'feature_norm' }).apply(features) as tf.SymbolicTensor;
    const withNorm = tf.model({ inputs: [features, item, customer], outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(normalised) as tf.SymbolicTensor });
    expect(() => predictRaw(withNorm, pre, vocab, fs)).toThrow(UnsupportedModelError);
    expect(() => predictRaw(withNorm, pre, vocab, fs)).toThrow(/layer "feature_norm" \(BatchNormalization\)/);
    const tanh = tf.model({ inputs: [features, item, customer], outputs: tf.layers.dense({ units: 1, activation: 'tanh', name: 'squash' }).apply(features) as tf.SymbolicTensor });
    expect(() => predictRaw(tanh, pre, vocab, fs)).toThrow(/layer "squash" \(Dense\) has activation "tanh"/);
  });

  it('needs an OOV row in each embedding for the vocabulary', () => {
    const model = buildModel(spec({}));
    expect(() => predictRaw(model, pre, { customers: 50, items: 31 }, fs)).toThrow(/layer "item_embedding" has 31 rows: no OOV row for a vocabulary of 31/);
  });
});

describe('ForwardInput', () => {
  it('writes the preprocessed features as applyPreprocessing does, then the embedding rows', async () => {
    await selectBackend();
    const world = makeWorld(6, 20, 15);
    const fs = makeFeatureSet(world, 3, 0, 6);
    const pre = fitPreprocessing([fs]);
    const d = fs.names.length;
    // repeats along rows, small integers, negatives, non-finite values
    fs.values.set(fs.values.subarray(0, d), d);
    fs.values.set([0, 1, 255, 256, -1, Number.NaN], 2 * d);
    const model = buildModel({ features: d, customers: 10, items: 12, hidden: [4], itemEmbedding: 2, customerEmbedding: 3, l2: 0, seed: 1 });
    const net = readForwardNetwork(model);
    const input = new ForwardInput(net, pre, { customers: 10, items: 12 });
    expect(input.width).toBe(d + 2 + 3);
    const out = new Float32Array(fs.n * input.width);
    input.write(fs, 0, fs.n, out);
    const expected = fs.values.slice();
    applyPreprocessing(pre, expected);
    const itemTable = model.getLayer('item_embedding').getWeights()[0].arraySync() as number[][];
    const customerTable = model.getLayer('customer_embedding').getWeights()[0].arraySync() as number[][];
    for (let r = 0; r < fs.n; r++) {
      const row = Array.from(out.subarray(r * input.width, (r + 1) * input.width));
      expect(row.slice(0, d)).toEqual(Array.from(expected.subarray(r * d, (r + 1) * d)));
      expect(row.slice(d, d + 2)).toEqual(Array.from(Float32Array.from(itemTable[Math.min(fs.item[r], 12)])));
      expect(row.slice(d + 2)).toEqual(Array.from(Float32Array.from(customerTable[Math.min(fs.customer[r], 10)])));
    }
  });
});

describe('a network without a customer embedding, saved and loaded back', () => {
  it('loses the unused customer input and still scores as before', async () => {
    await selectBackend();
    const world = makeWorld(6, 30, 20);
    const fs = makeFeatureSet(world, 3, 0, 5);
    const vocab = { customers: 30, items: 20 };
    const pre = fitPreprocessing([fs]);
    const model = buildModel({ features: fs.names.length, ...vocab, hidden: [8], itemEmbedding: 4, customerEmbedding: 0, l2: 0, seed: 4 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.inputLayers.length).toBeLessThan(3);
    expect(Array.from(predictRaw(loaded, pre, vocab, fs))).toEqual(Array.from(predictRaw(model, pre, vocab, fs)));
  });
});
