/**
 * training/challenger.ts on the loyalty fixture (tests/fixtures/loyalty): the
 * features of the training are built only for the rows it reads, and train
 * the network the full feature sets train.
 */
import { buildFeatureSet } from '../../features/build';
import { trainChallenger } from '../../training/challenger';
import { flatWeights } from '../../training/replica';
import { trainingSchedule } from '../../training/schedule';
import { trainModel } from '../../training/train';
import { loyaltyContext } from '../helpers/loyalty-lake';

describe('trainChallenger', () => {
  it('builds the features of the rows its training reads only, and trains the network the full feature sets train', async () => {
    const { ctx, lines, index, asOf } = await loyaltyContext();
    const train = { members: 1, epochs: 1, refitEpochs: 1, threads: 1, validationCustomers: 50, budget: { groupsPerEpoch: 16 } };
    const o = { asOf, horizonDays: 30, trainCutoffs: 2, k: 10, seed: 42, train };
    const challenger = await trainChallenger(ctx, index, o);

    // Every training row (the preprocessing reads all of them below its cap); at the validation cut-off, the 50 customers scored and the refit's draws.
    const rows = ctx.run.snapshot().rows;
    expect(rows['training.feature_rows']).toBe(rows['training.rows']);
    expect(rows['validation.feature_rows']).toBeGreaterThan(0);
    expect(rows['validation.feature_rows']).toBeLessThan(rows['validation.rows'] / 2);
    expect(new Set(challenger.validationSet.customer).size).toBe(50);
    expect(challenger.trainingRows).toBe(rows['training.rows']);
    expect(lines.join('')).toMatch(/features at cut-off [0-9T:.-]+Z: \d+ of \d+ candidate pairs, those the training reads/);

    const schedule = trainingSchedule(asOf, 30, 2);
    const sets = [...schedule.train, schedule.validation].map((t) => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30 }));
    expect(rows['training.rows']).toBe(sets[0].n + sets[1].n);
    const full = await trainModel(sets.slice(0, -1), sets[2], { ...train, seed: 42 });
    expect(flatWeights(challenger.result.model).map((w) => Array.from(w))).toEqual(flatWeights(full.model).map((w) => Array.from(w)));
    expect(Array.from(challenger.result.validationScores)).toEqual(Array.from(full.validationScores));
    full.model.dispose();
    challenger.result.model.dispose();
  });
});
