import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../../features/types';
import { selectBackend } from '../../training/backend';
import { TrainingInputError } from '../../training/errors';
import { groupedRankingLoss, sampleGroups } from '../../training/listwise';
import { Prng } from '../../training/sampling';

/** Rows grouped by customer: `groups[c]` holds customer c's labels. */
function grouped(groups: number[][]): FeatureSet {
  const customer = groups.flatMap((g, c) => g.map(() => c));
  const n = customer.length;
  return {
    cutoff: 0,
    n,
    customer: Int32Array.from(customer),
    item: Int32Array.from({ length: n }, (_, i) => i),
    names: ['x'],
    values: new Float32Array(n),
    label: Uint8Array.from(groups.flat()),
  };
}

describe('sampleGroups', () => {
  // customer 0: 3 rows, 1 positive; customer 1: 6 rows, 2 positives; customer 2: 5 rows, 4 positives; customer 3: 5 negatives.
  const fs = grouped([
    [0, 1, 0],
    [0, 1, 0, 0, 1, 0],
    [1, 1, 0, 1, 1],
    [0, 0, 0, 0, 0],
  ]);
  const G = 4;
  const { rows, target } = sampleGroups(fs, G, new Prng(3));
  const group = (g: number): { rows: number[]; target: number[] } => ({
    rows: Array.from(rows.subarray(g * G, (g + 1) * G)),
    target: Array.from(target.subarray(g * G, (g + 1) * G)),
  });

  it('gives a small customer all its rows and pads the rest with weight 0', () => {
    expect(rows.length).toBe(4 * G);
    const g = group(0);
    expect(g.rows.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(g.rows[3]).toBe(-1);
    expect(g.target[3]).toBe(0);
    expect(g.target.slice(0, 3).sort()).toEqual([-1, -1, 1]);
  });

  it('weights sampled rows by their class rows over rows taken (an unbiased weighted cross-entropy)', () => {
    const g1 = group(1); // both positives (≤ G/2), 2 of 4 negatives at weight 4/2
    expect(g1.rows.every((r) => r >= 3 && r < 9)).toBe(true);
    expect(new Set(g1.rows).size).toBe(G);
    expect(g1.target.filter((t) => t > 0)).toEqual([1, 1]);
    expect(g1.target.filter((t) => t < 0)).toEqual([-2, -2]);
    const g2 = group(2); // G/2 of 4 positives at weight 4/2, its single negative at weight 1
    expect(g2.target.filter((t) => t > 0)).toEqual([2, 2]);
    expect(g2.target.filter((t) => t < 0)).toEqual([-1]);
    expect(g2.rows.filter((r) => r >= 0).every((r) => r >= 9 && r < 14)).toBe(true);
    const g3 = group(3); // no positive: still a group (it teaches the level)
    expect(g3.target).toEqual([-5 / 4, -5 / 4, -5 / 4, -5 / 4]);
  });

  it('is reproducible per seed and rejects bad input', () => {
    expect(sampleGroups(fs, G, new Prng(3))).toEqual({ rows, target });
    expect(() => sampleGroups({ ...fs, label: undefined }, G, new Prng(1))).toThrow(TrainingInputError);
    expect(() => sampleGroups(fs, 1, new Prng(1))).toThrow(/groupSize must be an integer >= 2, found 1/);
  });
});

describe('groupedRankingLoss', () => {
  beforeAll(async () => {
    await selectBackend();
  });
  const loss = (t: number[], p: number[], G: number, lambda: number): number =>
    groupedRankingLoss(G, lambda)(tf.tensor2d(t, [t.length, 1]), tf.tensor2d(p, [p.length, 1])).dataSync()[0];

  it('is ln 2 + λ·ln 2 for one group of two rows at p = 0.5 (worked by hand)', () => {
    expect(loss([1, -1], [0.5, 0.5], 2, 1)).toBeCloseTo(2 * Math.LN2, 5);
    expect(loss([1, -1], [0.5, 0.5], 2, 0)).toBeCloseTo(Math.LN2, 5);
  });

  it('weights the cross-entropy, masks padding and averages the softmax term over groups with a positive', () => {
    // group 1: positive p = 0.8 (weight 1), negative p = 0.2 (weight 3); group 2: negative p = 0.5 (weight 1) and padding.
    const bce = (1 * -Math.log(0.8) + 3 * -Math.log(0.8) + 1 * Math.LN2) / 5;
    const z = [Math.log(4), Math.log(0.25)]; // logits of 0.8 and 0.2
    const softmax = -(z[0] - Math.log(Math.exp(z[0]) + Math.exp(z[1]))); // only group 1 has a positive
    expect(loss([1, -3, -1, 0], [0.8, 0.2, 0.5, 0.9], 2, 0.5)).toBeCloseTo(bce + 0.5 * softmax, 5);
  });

  it('ranks: a group scoring its positive above its negative has the lower listwise loss', () => {
    expect(loss([1, -1], [0.9, 0.1], 2, 1)).toBeLessThan(loss([1, -1], [0.1, 0.9], 2, 1));
  });
});
