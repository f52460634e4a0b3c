import { Prng } from '../../lib/prng';

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
