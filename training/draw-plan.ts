/**
 * The candidate rows a training reads, known before any feature is built.
 *
 * Every draw of `trainModel` (`train.ts`) depends on labels and group sizes
 * only: each member's generator plans an epoch's groups (`planEpoch`) and draws
 * their rows (`visitDrawnRows`) in a fixed order, first the passes on the
 * training cut-offs, then the refit's. Replaying those draws here, with the same
 * seeds and budget, names the rows whose features the training will read: the
 * drawn rows, the preprocessing sample (`groupSample`) and every row of the
 * validation customers the first phase scores (`scoredValidationGroups`). Their number
 * is bounded, whatever the number of customers: by the budget's draws, the
 * preprocessing sample's cap and the validation customers' cap.
 */
import type { LabelledCandidates } from '../features/types';
import { Prng } from '../lib/prng';
import { groupPool, planEpoch, visitDrawnRows, type GroupPool } from './budget';
import { memberSeed } from './ensemble';
import { groupSample } from './preprocess';
import { scoredValidationGroups, trainingProcedure, type TrainOptions } from './train';

/**
 * The candidate rows of each labelled cut-off whose features
 * `trainModel(train, validation, options)` reads: a training given the
 * features of these rows only (`TrainingCutoff`) trains the network it trains
 * on the full feature sets.
 * Time O(rows drawn over the run + rows of the cut-offs); memory one byte per candidate row.
 * @param train the training cut-offs' candidates, oldest first.
 * @param validation the validation cut-off's candidates.
 * @param options the options the training will get (`seed`, `members`, `budget`, `epochs`,
 *   `refit`, `refitEpochs`, `oovRate`, `validationCustomers` and `preprocessingRows` matter).
 * @returns per cut-off, `train`'s then `validation`'s, the positions of the rows, ascending.
 * @throws TrainingInputError when the training cut-offs have no positive or the budget is out of range.
 */
export function rowsToBuild(train: readonly LabelledCandidates[], validation: LabelledCandidates, options: TrainOptions = {}): Int32Array[] {
  const { members, budget, epochs, refitEpochs, oovRate, validationCustomers, preprocessingRows } = trainingProcedure(options);
  const seed = options.seed ?? 42;
  const sets = [...train, validation];
  const marks = sets.map((c) => new Uint8Array(c.n));
  groupSample(train, preprocessingRows).forEach((rows, s) => rows.forEach((r) => (marks[s][r] = 1)));
  for (const k of scoredValidationGroups(validation, validationCustomers)) marks[train.length].fill(1, validation.offsets[k], validation.offsets[k + 1]);
  const pools = { train: groupPool(train), refit: refitEpochs > 0 ? groupPool(sets) : undefined };
  /** `passes` epochs of draws on `pool`, as a member's phase draws them. */
  const phase = (pool: GroupPool, passes: number, rng: Prng): void => {
    for (let epoch = 0; epoch < passes; epoch++) {
      const plan = planEpoch(pool, budget, rng);
      visitDrawnRows(pool, plan, 0, plan.groups.length, budget, oovRate, rng, (g, r) => (marks[pool.set[g]][r] = 1));
    }
  };
  for (let m = 0; m < members; m++) {
    const rng = new Prng(memberSeed(seed, m));
    phase(pools.train, epochs, rng);
    if (pools.refit !== undefined) phase(pools.refit, refitEpochs, rng);
  }
  return marks.map((mark) => {
    const rows = new Int32Array(mark.reduce((n, x) => n + x, 0));
    for (let r = 0, k = 0; r < mark.length; r++) if (mark[r] === 1) rows[k++] = r;
    return rows;
  });
}
