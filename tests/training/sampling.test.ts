import type { FeatureSet } from '../../features/types';
import { TrainingInputError } from '../../training/errors';
import { Prng, sampleRows, shuffleInPlace } from '../../training/sampling';

function labelled(labels: number[]): FeatureSet {
  const n = labels.length;
  return { cutoff: 0, n, customer: new Int32Array(n), item: new Int32Array(n), names: ['x'], values: new Float32Array(n), label: Uint8Array.from(labels) };
}

describe('Prng', () => {
  it('is deterministic per seed and roughly uniform', () => {
    const a = new Prng(5);
    const b = new Prng(5);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(new Prng(6).next()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01);
  });
});

describe('sampleRows', () => {
  const labels = Array.from({ length: 10000 }, (_, i) => (i % 50 === 0 ? 1 : 0)); // 200 positives
  const fs = labelled(labels);

  it('keeps every positive and k negatives per positive, ascending, reproducibly', () => {
    const rows = sampleRows(fs, 4, new Prng(1));
    expect(rows.length).toBe(200 + 800);
    expect(Array.from(rows).filter((r) => labels[r] === 1).length).toBe(200);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    expect(sampleRows(fs, 4, new Prng(1))).toEqual(rows);
    expect(sampleRows(fs, 4, new Prng(2))).not.toEqual(rows);
  });

  it('keeps all negatives when there are fewer than asked, and rejects bad input', () => {
    expect(sampleRows(fs, Infinity, new Prng(1)).length).toBe(10000);
    expect(sampleRows(labelled([1, 0, 0]), 10, new Prng(1))).toEqual(Int32Array.from([0, 1, 2]));
    expect(() => sampleRows({ ...fs, label: undefined }, 4, new Prng(1))).toThrow(TrainingInputError);
    expect(() => sampleRows(fs, -1, new Prng(1))).toThrow(/negativesPerPositive must be >= 0, found -1/);
  });
});

describe('shuffleInPlace', () => {
  it('permutes reproducibly', () => {
    const a = Int32Array.from({ length: 1000 }, (_, i) => i);
    shuffleInPlace(a, new Prng(9));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const b = Int32Array.from({ length: 1000 }, (_, i) => i);
    shuffleInPlace(b, new Prng(9));
    expect(b).toEqual(a);
    expect(a.slice(0, 10)).not.toEqual(Int32Array.from({ length: 10 }, (_, i) => i));
  });
});
