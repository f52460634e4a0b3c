import type { FeatureSet } from '../../features/types';
import { FeatureMismatchError, TrainingInputError } from '../../training/errors';
import { applyPreprocessing, fitPreprocessing } from '../../training/preprocess';
import { makeFeatureSet, makeWorld, SYNTH_NAMES } from './synthetic';

function column(values: Float32Array, d: number, j: number): Float64Array {
  return Float64Array.from({ length: values.length / d }, (_, r) => values[r * d + j]);
}
const mean = (a: Float64Array): number => a.reduce((s, x) => s + x, 0) / a.length;
const std = (a: Float64Array): number => {
  const mu = mean(a);
  return Math.sqrt(mean(a.map((x) => (x - mu) ** 2)));
};

describe('fitPreprocessing / applyPreprocessing', () => {
  const world = makeWorld(3);
  const sets = [makeFeatureSet(world, 11, 0, 20), makeFeatureSet(world, 12, 1, 20)];
  const pre = fitPreprocessing(sets);

  it('log-transforms heavy-tailed non-negative features only', () => {
    const log = Object.fromEntries(pre.transforms.map((t) => [t.name, t.log]));
    expect(log).toEqual({ count: true, recency_days: false, noise_a: false, noise_b: false, ratio: false, spend: true });
  });

  it('standardises the training rows to mean 0 and standard deviation 1', () => {
    const d = SYNTH_NAMES.length;
    const stacked = new Float32Array(sets.reduce((s, fs) => s + fs.values.length, 0));
    stacked.set(sets[0].values, 0);
    stacked.set(sets[1].values, sets[0].values.length);
    applyPreprocessing(pre, stacked);
    for (let j = 0; j < d; j++) {
      const c = column(stacked, d, j);
      expect(Math.abs(mean(c))).toBeLessThan(1e-4);
      expect(std(c)).toBeCloseTo(1, 3);
    }
  });

  it('is plain JSON and maps non-finite inputs to the training mean (0)', () => {
    const copy = JSON.parse(JSON.stringify(pre));
    expect(copy).toEqual(pre);
    const row = Float32Array.from([NaN, Infinity, 0, 0, 0, 0]);
    applyPreprocessing(copy, row);
    expect(row[0]).toBe(0);
    expect(row[1]).toBe(0);
    expect(row[2]).toBeCloseTo(-pre.transforms[2].mean / pre.transforms[2].scale, 5);
  });

  it('gives a constant feature scale 1 and rejects mismatched names and empty input', () => {
    const fs: FeatureSet = { cutoff: 0, n: 3, customer: new Int32Array(3), item: new Int32Array(3), names: ['a', 'b'], values: Float32Array.from([5, 1, 5, 2, 5, 3]) };
    const p = fitPreprocessing([fs]);
    expect(p.transforms[0]).toEqual({ name: 'a', log: false, mean: 5, scale: 1 });
    expect(() => fitPreprocessing([fs, { ...fs, names: ['a', 'c'] }])).toThrow(FeatureMismatchError);
    expect(() => fitPreprocessing([fs, { ...fs, names: ['a', 'c'] }])).toThrow(/feature column 1 is "c", expected "b"/);
    expect(() => fitPreprocessing([{ ...fs, n: 0, values: new Float32Array(0) }])).toThrow(TrainingInputError);
    expect(() => applyPreprocessing(p, new Float32Array(3))).toThrow(/3 values are not rows of 2 features/);
  });
});

describe('fitPreprocessing with maxRows', () => {
  const world = makeWorld(4);
  const sets = [makeFeatureSet(world, 1, 0, 10), makeFeatureSet(world, 2, 30 * 86_400_000, 10)];

  it('reads every k-th row above the cap: the fit of exactly those rows', () => {
    const sampled = fitPreprocessing(sets, { maxRows: 1500 }); // 6000 rows, k = 4
    const d = sets[0].names.length;
    const every4th = sets.map((fs) => {
      const rows = Array.from({ length: Math.ceil(fs.n / 4) }, (_, i) => i * 4);
      return { ...fs, n: rows.length, values: Float32Array.from(rows.flatMap((r) => Array.from(fs.values.subarray(r * d, (r + 1) * d)))) };
    });
    expect(sampled).toEqual(fitPreprocessing(every4th));
    expect(fitPreprocessing(sets, { maxRows: 6000 })).toEqual(fitPreprocessing(sets));
  });
});
