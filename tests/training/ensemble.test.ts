/**
 * The merged network of an ensemble scores every row as the sigmoid of the
 * mean of its members' logits, whatever the members' widths.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../training/backend';
import { EnsembleMismatchError, memberSeed, mergedSpec, mergeMembers, mergeScores } from '../../training/ensemble';
import { buildModel, type ModelSpec } from '../../training/model';
import { predictRaw } from '../../training/predict';
import { fitPreprocessing } from '../../training/preprocess';
import { Prng } from '../../lib/prng';
import { gaussian, makeFeatureSet, makeWorld } from './synthetic';

describe('mergeMembers', () => {
  const world = makeWorld(6, 40, 30);
  const fs = makeFeatureSet(world, 3, 0, 8);
  const pre = fitPreprocessing([fs]);
  const vocab = { customers: 25, items: 20 };
  const base: ModelSpec = { features: fs.names.length, ...vocab, hidden: [8, 4], itemEmbedding: 4, customerEmbedding: 0, l2: 0, seed: 1 };
  /** A network of `spec` with random weights large enough that every unit matters. */
  const random = (spec: ModelSpec, seed: number): tf.LayersModel => {
    const model = buildModel(spec);
    const rng = new Prng(seed);
    model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => 0.5 * gaussian(rng)), w.shape)));
    return model;
  };
  const logit = (p: number): number => Math.log(p / (1 - p));

  beforeAll(async () => {
    await selectBackend();
  });

  it('scores the sigmoid of the mean of the members logits, members of different widths included', () => {
    const specs: ModelSpec[] = [base, { ...base, hidden: [6, 3], itemEmbedding: 0, customerEmbedding: 3, seed: 2 }, { ...base, hidden: [5, 2], itemEmbedding: 2, customerEmbedding: 2, seed: 3 }];
    const members = specs.map((spec, m) => ({ model: random(spec, 10 + m), spec }));
    const merged = mergeMembers(members);
    expect(merged.spec).toMatchObject({ hidden: [19, 9], itemEmbedding: 6, customerEmbedding: 5 });
    const scores = members.map((m) => predictRaw(m.model, pre, vocab, fs));
    const got = predictRaw(merged.model, pre, vocab, fs);
    let spread = 0;
    for (let r = 0; r < fs.n; r++) {
      const expected = 1 / (1 + Math.exp(-scores.reduce((z, s) => z + logit(s[r]), 0) / scores.length));
      expect(Math.abs(got[r] - expected)).toBeLessThan(1e-5);
      spread = Math.max(spread, Math.abs(scores[0][r] - scores[1][r]));
    }
    expect(spread).toBeGreaterThan(0.1); // the members disagree, so the test can tell a mean from one member
    const viaScores = mergeScores(scores);
    expect(viaScores.every((v, r) => Math.abs(v - got[r]) < 1e-5)).toBe(true);
  });

  it('returns a single member as it is', () => {
    const model = random(base, 4);
    expect(mergeMembers([{ model, spec: base }]).model).toBe(model);
    const s = Float32Array.of(0.2, 0.9);
    expect(mergeScores([s])).toBe(s);
  });

  it('refuses members of other inputs or depth, naming them', () => {
    expect(() => mergedSpec([base, { ...base, items: 21 }])).toThrow(EnsembleMismatchError);
    expect(() => mergedSpec([base, { ...base, hidden: [8] }])).toThrow(/member 1 has .* 1 hidden layers; member 0 has .* 2/);
  });

  it('keeps the seed for member 0 and gives the others seeds that other runs do not use', () => {
    expect(memberSeed(42, 0)).toBe(42);
    const seeds = [0, 1, 2, 3].flatMap((s) => [0, 1, 2].map((m) => memberSeed(s, m)));
    expect(new Set(seeds).size).toBe(seeds.length);
  });
});
