import { labelledCandidatesOf } from '../../features/labelled-candidates';
import type { FeatureSet, LabelledCandidates } from '../../features/types';
import { rowsToBuild } from '../../training/draw-plan';
import { flatWeights } from '../../training/replica';
import { DEFAULT_BUDGET, DEFAULT_EPOCHS, DEFAULT_MEMBERS, DEFAULT_REFIT_EPOCHS, PREPROCESSING_ROWS, trainModel, type TrainingCutoff, type TrainOptions } from '../../training/train';
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

  it('fails a training whose options draw rows that were not built', async () => {
    await expect(trainModel(cutoffs.slice(0, 3), cutoffs[3], { ...options, seed: 6 })).rejects.toThrow(/has no features built/);
    await expect(trainModel(cutoffs.slice(0, 3), cutoffs[3], { ...options, validationCustomers: 80 })).rejects.toThrow(TrainingInputError);
  });

  /** `groups` customers of 20 candidates at each of three training cut-offs and the validation cut-off; every fifth group holds a positive. */
  function synthetic(groups: number): LabelledCandidates[] {
    return [0, 1, 2, 3].map((k) => {
      const label = new Uint8Array(groups * 20);
      for (let g = 0; g < groups; g += 5) label[g * 20 + (g % 20)] = 1;
      return { cutoff: k * 30 * DAY, n: groups * 20, customers: Int32Array.from({ length: groups }, (_, g) => g), offsets: Int32Array.from({ length: groups + 1 }, (_, g) => g * 20), label, items: 20 };
    });
  }

  it('names, with the default budget, no more rows on ten times the customers: the draws, the preprocessing sample and the validation customers are bounded', () => {
    const drawn = DEFAULT_MEMBERS * (DEFAULT_EPOCHS + DEFAULT_REFIT_EPOCHS) * DEFAULT_BUDGET.groupsPerEpoch * DEFAULT_BUDGET.groupRows;
    const count = (groups: number): { train: number; validation: number; candidates: number } => {
      const sets = synthetic(groups);
      const r = rowsToBuild(sets.slice(0, 3), sets[3], { seed: 42 });
      return { train: r.slice(0, 3).reduce((s, x) => s + x.length, 0), validation: r[3].length, candidates: sets.reduce((s, c) => s + c.n, 0) };
    };
    const small = count(20_000); // 1.2 M training rows: every one in the preprocessing sample
    const large = count(200_000); // 12 M: a sample of 4 M
    expect(small.train).toBe(3 * 20_000 * 20);
    expect(large.train).toBeLessThanOrEqual(PREPROCESSING_ROWS + drawn);
    expect(large.validation).toBeLessThanOrEqual(5_000 * 20 + drawn);
    expect(large.train + large.validation).toBeLessThan(large.candidates / 2);
  });
});
