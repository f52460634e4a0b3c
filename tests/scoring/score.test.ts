import { scoreFeatureSet, type ScoringModel } from '../../scoring/score';
import { selectBackend } from '../../training/backend';
import { applyCalibration } from '../../training/calibration';
import { FeatureMismatchError } from '../../training/errors';
import { buildModel } from '../../training/model';
import { predictRaw } from '../../training/predict';
import { fitPreprocessing } from '../../training/preprocess';
import { makeFeatureSet, makeWorld } from '../training/synthetic';

describe('scoreFeatureSet', () => {
  const world = makeWorld(9, 120, 50);
  const fs = makeFeatureSet(world, 41, 0, 15);
  // vocabulary smaller than the ids in use: customers >= 100 and items >= 40 are OOV
  const vocab = { customers: 100, items: 40 };
  let m: ScoringModel;

  beforeAll(async () => {
    await selectBackend();
    const model = buildModel({ features: fs.names.length, ...vocab, hidden: [16], itemEmbedding: 4, customerEmbedding: 4, l2: 0, seed: 1 });
    m = { model, preprocessing: fitPreprocessing([fs]), calibration: { method: 'platt', a: 1.3, b: -0.4 }, vocab };
  });

  it('gives the same calibrated probabilities whatever the batch size', () => {
    const whole = scoreFeatureSet(m, fs, { batchRows: 100_000 });
    const small = scoreFeatureSet(m, fs, { batchRows: 7 });
    expect(small.length).toBe(fs.n);
    for (let i = 0; i < fs.n; i++) expect(Math.abs(small[i] - whole[i])).toBeLessThan(1e-6);
    expect(whole.every((p) => p >= 0 && p <= 1)).toBe(true);
    const raw = new Float32Array(fs.n);
    expect(scoreFeatureSet(m, fs, { raw })).toEqual(whole);
    expect(raw).toEqual(predictRaw(m.model, m.preprocessing, m.vocab, fs));
    expect(whole).toEqual(applyCalibration(m.calibration, predictRaw(m.model, m.preprocessing, m.vocab, fs, { batchRows: 100_000 })));
  });

  it('maps ids beyond the vocabulary to the OOV embeddings', () => {
    const shifted = { ...fs, customer: fs.customer.map((c) => (c >= 100 ? c + 1000 : c)), item: fs.item.map((i) => (i >= 40 ? i + 7 : i)) };
    expect(scoreFeatureSet(m, shifted)).toEqual(scoreFeatureSet(m, fs));
  });

  it('rejects feature sets whose columns differ from the model', () => {
    const renamed = { ...fs, names: fs.names.map((n, j) => (j === 2 ? 'other' : n)) };
    expect(() => scoreFeatureSet(m, renamed)).toThrow(FeatureMismatchError);
    expect(() => scoreFeatureSet(m, renamed)).toThrow(/feature column 2 is "other", expected "noise_a"/);
  });
});
