/**
 * `growVocabulary` keeps what a network learnt and gives each new id the OOV
 * row, so a grown network scores every row exactly as before it grew.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../training/backend';
import { buildModel, growVocabulary, type ModelSpec } from '../../training/model';
import { predictRaw } from '../../training/predict';
import { fitPreprocessing } from '../../training/preprocess';
import { Prng } from '../../lib/prng';
import { gaussian, makeFeatureSet, makeWorld } from './synthetic';

describe('growVocabulary', () => {
  const world = makeWorld(6, 40, 30);
  const fs = makeFeatureSet(world, 3, 0, 8);
  const pre = fitPreprocessing([fs]);
  const small: ModelSpec = { features: fs.names.length, customers: 25, items: 20, hidden: [8], itemEmbedding: 4, customerEmbedding: 3, l2: 0, seed: 1 };
  let model: tf.LayersModel;

  beforeAll(async () => {
    await selectBackend();
    model = buildModel(small);
    const rng = new Prng(2);
    model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => 0.5 * gaussian(rng)), w.shape)));
  });

  it('keeps every row, copies the OOV row to each new id and the new OOV index, and copies the other weights', () => {
    const grown = growVocabulary(model, { ...small, customers: 40, items: 30 });
    const table = (m: tf.LayersModel, name: string): number[][] => m.getLayer(name).getWeights()[0].arraySync() as number[][];
    const oldItems = table(model, 'item_embedding');
    const newItems = table(grown, 'item_embedding');
    expect(newItems).toHaveLength(31);
    expect(newItems.slice(0, 20)).toEqual(oldItems.slice(0, 20));
    for (let r = 20; r <= 30; r++) expect(newItems[r]).toEqual(oldItems[20]);
    const oldCustomers = table(model, 'customer_embedding');
    const newCustomers = table(grown, 'customer_embedding');
    expect(newCustomers).toHaveLength(41);
    expect(newCustomers.slice(0, 25)).toEqual(oldCustomers.slice(0, 25));
    for (let r = 25; r <= 40; r++) expect(newCustomers[r]).toEqual(oldCustomers[25]);
    expect(table(grown, 'hidden_0')).toEqual(table(model, 'hidden_0'));
  });

  it('scores every row as the old network did through its OOV rows', () => {
    expect(fs.customer.some((c) => c >= 25) && fs.item.some((i) => i >= 20)).toBe(true);
    const grown = growVocabulary(model, { ...small, customers: 40, items: 30 });
    const before = predictRaw(model, pre, { customers: 25, items: 20 }, fs);
    const after = predictRaw(grown, pre, { customers: 40, items: 30 }, fs);
    expect(after.every((v, i) => Math.abs(v - before[i]) < 1e-6)).toBe(true);
  });

  it('leaves an unchanged vocabulary as a plain copy and rejects a shrinking one', () => {
    const same = growVocabulary(model, small);
    expect(same.getWeights().map((w) => w.arraySync())).toEqual(model.getWeights().map((w) => w.arraySync()));
    expect(() => growVocabulary(model, { ...small, items: 19 })).toThrow(/item_embedding has 20 ids, the spec 19/);
  });
});
