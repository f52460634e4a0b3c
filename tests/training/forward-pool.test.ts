/**
 * The forward pass over worker threads (`training/forward-pool.ts`) gives exactly
 * `predictRaw`'s outputs. Worker threads run the compiled build, so this test
 * loads `dist/` (`npm run build` first; `make test` builds).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FeatureMismatchError } from '../../training/errors';
import { makeFeatureSet, makeWorld } from './synthetic';

const DIST = join(__dirname, '..', '..', 'dist');
if (!existsSync(join(DIST, 'training', 'forward-worker.js'))) throw new Error('dist/training/forward-worker.js is missing: run `npm run build` (or `make test`) before this test');
const { ForwardPool } = require(join(DIST, 'training', 'forward-pool')) as typeof import('../../training/forward-pool');
const { predictRaw } = require(join(DIST, 'training', 'predict')) as typeof import('../../training/predict');
const { selectBackend } = require(join(DIST, 'training', 'backend')) as typeof import('../../training/backend');
const { buildModel } = require(join(DIST, 'training', 'model')) as typeof import('../../training/model');
const { fitPreprocessing } = require(join(DIST, 'training', 'preprocess')) as typeof import('../../training/preprocess');
const { scoreFeatureSet, scoreFeatureSetOn } = require(join(DIST, 'scoring', 'score')) as typeof import('../../scoring/score');

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
