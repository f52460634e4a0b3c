/**
 * The forward pass over worker threads (`training/forward-pool.ts`) gives exactly
 * `predictRaw`'s outputs. The workers run from the TypeScript sources here
 * (`lib/worker.ts` loads them through ts-node).
 */
import { FeatureMismatchError } from '../../training/errors';
import { ForwardPool } from '../../training/forward-pool';
import { predictRaw } from '../../training/predict';
import { selectBackend } from '../../training/backend';
import { buildModel } from '../../training/model';
import { fitPreprocessing } from '../../training/preprocess';
import { scoreFeatureSet, scoreFeatureSetOn } from '../../scoring/score';
import { makeFeatureSet, makeWorld } from './synthetic';

describe('ForwardPool', () => {
  const world = makeWorld(8, 90, 60);
  const fs = makeFeatureSet(world, 23, 0, 11);
  const vocab = { customers: 80, items: 50 }; // some ids are OOV
  const pre = fitPreprocessing([fs]);
  let model: ReturnType<typeof buildModel>;

  beforeAll(async () => {
    await selectBackend();
    model = buildModel({ features: fs.names.length, ...vocab, hidden: [16, 8], itemEmbedding: 4, customerEmbedding: 3, l2: 0, seed: 2 });
  });

  it.each([1, 2, 3])('gives predictRaw\'s outputs exactly with %i thread(s)', async (threads) => {
    const pool = await ForwardPool.open(model, pre, vocab, { threads, batchRows: 64 });
    try {
      const expected = predictRaw(model, pre, vocab, fs);
      expect(Array.from(await pool.predict(fs))).toEqual(Array.from(expected));
      const out = new Float32Array(fs.n);
      expect(await pool.predict(fs, out)).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(expected));
      const calibration = { method: 'platt' as const, a: 1.2, b: -0.3 };
      const scoring = { model, preprocessing: pre, calibration, vocab };
      expect(Array.from(await scoreFeatureSetOn(pool, scoring, fs))).toEqual(Array.from(scoreFeatureSet(scoring, fs)));
      const few = { ...fs, n: 2, customer: fs.customer.subarray(0, 2), item: fs.item.subarray(0, 2), values: fs.values.subarray(0, 2 * fs.names.length) };
      expect(Array.from(await pool.predict(few))).toEqual(Array.from(expected.subarray(0, 2)));
    } finally {
      await pool.close();
    }
  });

  it('rejects feature sets whose columns differ from the model, and thread counts below 1', async () => {
    const pool = await ForwardPool.open(model, pre, vocab, { threads: 2 });
    try {
      const renamed = { ...fs, names: fs.names.map((n, j) => (j === 1 ? 'other' : n)) };
      await expect(pool.predict(renamed)).rejects.toThrow(/feature column 1 is "other", expected "recency_days"/);
      await expect(pool.predict(renamed)).rejects.toMatchObject({ name: FeatureMismatchError.name });
    } finally {
      await pool.close();
    }
    await expect(ForwardPool.open(model, pre, vocab, { threads: 0 })).rejects.toThrow('forward threads must be an integer >= 1, found 0');
  });
});
