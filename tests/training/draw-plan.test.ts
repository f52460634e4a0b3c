import { labelledCandidatesOf } from '../../features/labelled-candidates';
import type { FeatureSet, LabelledCandidates } from '../../features/types';
import { rowsToBuild } from '../../training/draw-plan';
import { flatWeights } from '../../training/replica';
import { trainModel, type TrainingCutoff, type TrainOptions } from '../../training/train';
import { TrainingInputError } from '../../training/errors';
import { makeFeatureSet, makeWorld } from './synthetic';

const DAY = 86_400_000;

/** The rows `rows` of `fs`, with their labels. */
function rowsOf(fs: FeatureSet, rows: Int32Array): FeatureSet {
  const d = fs.names.length;
  const values = new Float32Array(rows.length * d);
  rows.forEach((r, k) => values.set(fs.values.subarray(r * d, (r + 1) * d), k * d));
  return { ...fs, n: rows.length, customer: rows.map((r) => fs.customer[r]), item: rows.map((r) => fs.item[r]), values, label: Uint8Array.from(rows, (r) => fs.label![r]) };
}

describe('rowsToBuild', () => {
  const world = makeWorld(3);
  const train = [0, 1, 2].map((k) => makeFeatureSet(world, 10 + k, k * 30 * DAY, 30));
  const validation = makeFeatureSet(world, 20, 3 * 30 * DAY, 30);
  // 300 customers a cut-off; two members, both phases, 100 groups a pass, 40 validation customers scored.
  const options: TrainOptions = { seed: 5, members: 2, epochs: 2, refitEpochs: 1, threads: 1, validationCustomers: 40, budget: { groupsPerEpoch: 100, groupRows: 8, groupsPerStep: 16 } };
  const candidates = [...train, validation].map(labelledCandidatesOf);
  const rows = rowsToBuild(candidates.slice(0, 3), candidates[3], options);
  const cutoffs: TrainingCutoff[] = [...train, validation].map((fs, i) => ({ candidates: candidates[i], features: rowsOf(fs, rows[i]), rows: rows[i] }));

  it('names every training row (the preprocessing reads them all below its cap) and a part of the validation cut-off', () => {
    rows.slice(0, 3).forEach((r, i) => expect(r.length).toBe(train[i].n));
    expect(rows[3].length).toBeLessThan(validation.n / 2);
    expect(rows[3].length).toBeGreaterThan(40 * 30); // the 40 customers scored, and the refit's draws
  });

  it('trains, from the features of those rows only, the network the full feature sets train', async () => {
    const whole = await trainModel(train, validation, options);
    const part = await trainModel(cutoffs.slice(0, 3), cutoffs[3], options);
    expect(part.preprocessing).toEqual(whole.preprocessing);
    expect(part.vocab).toEqual(whole.vocab);
    expect(Array.from(part.validationScores)).toEqual(Array.from(whole.validationScores));
    expect(flatWeights(part.model).map((w) => Array.from(w))).toEqual(flatWeights(whole.model).map((w) => Array.from(w)));
    expect(part.history.map((h) => h.rows)).toEqual(whole.history.map((h) => h.rows));
    whole.model.dispose();
    part.model.dispose();
  });

  it('trains the same network when the preprocessing samples groups and the training cut-offs are partly built', async () => {
    const capped: TrainOptions = { ...options, preprocessingRows: 3_000 };
    const named = rowsToBuild(candidates.slice(0, 3), candidates[3], capped);
    named.slice(0, 3).forEach((r, i) => expect(r.length).toBeLessThan(train[i].n / 2));
    const built: TrainingCutoff[] = [...train, validation].map((fs, i) => ({ candidates: candidates[i], features: rowsOf(fs, named[i]), rows: named[i] }));
    const whole = await trainModel(train, validation, capped);
    const part = await trainModel(built.slice(0, 3), built[3], capped);
    expect(part.preprocessing).toEqual(whole.preprocessing);
    expect(Array.from(part.validationScores)).toEqual(Array.from(whole.validationScores));
    expect(flatWeights(part.model).map((w) => Array.from(w))).toEqual(flatWeights(whole.model).map((w) => Array.from(w)));
    whole.model.dispose();
    part.model.dispose();
  });

  it('fails a training whose options draw rows that were not built', async () => {
    await expect(trainModel(cutoffs.slice(0, 3), cutoffs[3], { ...options, seed: 6 })).rejects.toThrow(/has no features built/);
    await expect(trainModel(cutoffs.slice(0, 3), cutoffs[3], { ...options, validationCustomers: 80 })).rejects.toThrow(TrainingInputError);
    // Features that do not go with their candidates: fewer rows than named, or of another cut-off.
    const short = { ...cutoffs[0], features: rowsOf(train[0], rows[0].subarray(1)) };
    await expect(trainModel([short, ...cutoffs.slice(1, 3)], cutoffs[3], options)).rejects.toThrow(`has ${rows[0].length - 1} rows with features for ${rows[0].length} rows built`);
    const other = { ...cutoffs[1], features: { ...cutoffs[1].features, cutoff: train[0].cutoff } };
    await expect(trainModel([cutoffs[0], other, cutoffs[2]], cutoffs[3], options)).rejects.toThrow('has the features of cut-off');
  });

  /** `groups` customers of 20 candidates at each of three training cut-offs and the validation cut-off; every fifth group holds a positive. */
  function synthetic(groups: number): LabelledCandidates[] {
    return [0, 1, 2, 3].map((k) => {
      const label = new Uint8Array(groups * 20);
      for (let g = 0; g < groups; g += 5) label[g * 20 + (g % 20)] = 1;
      return { cutoff: k * 30 * DAY, n: groups * 20, customers: Int32Array.from({ length: groups }, (_, g) => g), offsets: Int32Array.from({ length: groups + 1 }, (_, g) => g * 20), label, items: 20 };
    });
  }

  it('names rows bounded by the draws, the preprocessing sample and the validation customers, whatever the number of customers', () => {
    const budget = { groupsPerEpoch: 1_000, groupRows: 16 };
    const o: TrainOptions = { seed: 42, budget, preprocessingRows: 100_000 };
    // Two members, three passes and two of the refit, at most 1,000 groups of 16 rows each; 5,000 validation customers of 20 rows.
    const bound = 100_000 * 1.05 + 2 * (3 + 2) * 1_000 * 16 + 5_000 * 20;
    const count = (groups: number): { named: number; candidates: number } => {
      const sets = synthetic(groups);
      const r = rowsToBuild(sets.slice(0, 3), sets[3], o);
      return { named: r.reduce((s, x) => s + x.length, 0), candidates: sets.reduce((s, c) => s + c.n, 0) };
    };
    const small = count(1_000); // 60,000 training rows: every one in the preprocessing sample
    expect(small.named).toBeGreaterThanOrEqual(3 * 1_000 * 20);
    for (const groups of [50_000, 200_000]) {
      const { named, candidates } = count(groups);
      expect(named).toBeLessThanOrEqual(bound);
      expect(candidates).toBeGreaterThan(10 * bound);
    }
  });
});
