import { labelledCandidatesOf } from '../../features/labelled-candidates';
import type { FeatureSet } from '../../features/types';
import { FeatureMismatchError, TrainingInputError } from '../../training/errors';
import { applyPreprocessing, fitPreprocessing, groupSample } from '../../training/preprocess';
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

describe('fitPreprocessing on some rows, and groupSample', () => {
  const world = makeWorld(4);
  const sets = [makeFeatureSet(world, 1, 0, 10), makeFeatureSet(world, 2, 30 * 86_400_000, 10)];

  it('reads the rows given: the fit of exactly those rows', () => {
    const d = sets[0].names.length;
    const rows = sets.map((fs) => Int32Array.from({ length: Math.ceil(fs.n / 4) }, (_, i) => i * 4));
    const only = sets.map((fs, s) => ({ ...fs, n: rows[s].length, values: Float32Array.from(Array.from(rows[s]).flatMap((r) => Array.from(fs.values.subarray(r * d, (r + 1) * d)))) }));
    expect(fitPreprocessing(sets, { rows })).toEqual(fitPreprocessing(only));
    expect(fitPreprocessing(sets, { rows: sets.map((fs) => Int32Array.from({ length: fs.n }, (_, r) => r)) })).toEqual(fitPreprocessing(sets));
    expect(() => fitPreprocessing(sets, { rows: rows.slice(1) })).toThrow(/rows of 1 sets for 2 sets/);
    expect(() => fitPreprocessing(sets, { rows: [rows[0], Int32Array.of(0, sets[1].n)] })).toThrow(`row ${sets[1].n} at position 1 of set 1 is not one of its ${sets[1].n} rows`);
  });

  it('samples every row up to the cap, every k-th customer group above it', () => {
    // 300 customers of 10 rows a set: 6000 rows.
    const groups = sets.map(labelledCandidatesOf);
    expect(groupSample(groups, 6000).map((r) => Array.from(r))).toEqual(sets.map((fs) => Array.from({ length: fs.n }, (_, r) => r)));
    const sample = groupSample(groups, 1500); // k = 4: customers 0, 4, 8, …
    expect(sample.map((r) => r.length)).toEqual([750, 750]);
    expect(Array.from(sample[0].subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 40, 41]);
    expect(new Set(Array.from(sample[1], (r) => sets[1].customer[r] % 4))).toEqual(new Set([0]));
  });
});
