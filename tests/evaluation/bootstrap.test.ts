/**
 * evaluation/bootstrap.ts: the paired bootstrap of a mean difference over
 * customers on per-customer figures whose answer is known: a clear win, a tie
 * and a loss; the same seed gives the same answer, another seed nearly the same.
 */
import { BootstrapInputError, expandedLevel, pairedBootstrap } from '../../evaluation/bootstrap';
import { Prng } from '../../lib/prng';

/** n per-customer NDCG-like figures in [0, 1], and the same customers shifted by `lead` (clipped) plus noise. */
function figures(n: number, lead: number, noise: number, seed: number): { a: Float64Array; b: Float64Array } {
  const rng = new Prng(seed);
  const b = Float64Array.from({ length: n }, () => rng.next());
  const a = Float64Array.from(b, (x) => Math.min(1, Math.max(0, x + lead + (rng.next() - 0.5) * 2 * noise)));
  return { a, b };
}

describe('pairedBootstrap', () => {
  it('finds a clear win significant: the lower bound above 0 and p at its floor', () => {
    const { a, b } = figures(600, 0.05, 0.1, 1);
    const t = pairedBootstrap(a, b, { seed: 7 });
    expect(t.n).toBe(600);
    expect(t.meanDifference).toBeGreaterThan(0.04);
    expect(t.lower).toBeGreaterThan(0.03);
    expect(t.lower).toBeLessThan(t.meanDifference);
    // No replicate at or below 0: q = 1/1001, and p = F₅₉₉(Φ⁻¹(q) / √(600/599)) = 0.001054.
    expect(t.pValue).toBeCloseTo(0.001054, 6);
    expect(t).toMatchObject({ resamples: 1000, seed: 7, confidence: 0.95 });
  });

  it('does not find a tie significant: identical figures give a bound of 0 and p = 1', () => {
    const { b } = figures(500, 0, 0, 2);
    const t = pairedBootstrap(b, b);
    expect(t).toMatchObject({ meanDifference: 0, standardError: 0, lower: 0, pValue: 1 });
  });

  it('does not find noise without a lead significant', () => {
    const { a, b } = figures(300, 0, 0.2, 3);
    const t = pairedBootstrap(a, b, { seed: 11 });
    expect(t.lower).toBeLessThan(0);
    expect(t.pValue).toBeGreaterThan(0.05);
  });

  it('finds a loss: a negative difference, a negative bound and p near 1', () => {
    const { a, b } = figures(400, -0.04, 0.1, 4);
    const t = pairedBootstrap(a, b, { seed: 5 });
    expect(t.meanDifference).toBeLessThan(-0.03);
    expect(t.lower).toBeLessThan(t.meanDifference);
    expect(t.pValue).toBe(1);
  });

  it('is deterministic by seed, and another seed moves the bound by little', () => {
    const { a, b } = figures(400, 0.01, 0.3, 6);
    const one = pairedBootstrap(a, b, { seed: 123 });
    expect(pairedBootstrap(a, b, { seed: 123 })).toEqual(one);
    const other = pairedBootstrap(a, b, { seed: 124 });
    expect(other.meanDifference).toBe(one.meanDifference);
    expect(other.lower).not.toBe(one.lower);
    expect(Math.abs(other.lower - one.lower)).toBeLessThan(one.standardError / 2);
  });

  it('puts the lower bound at the α-quantile of the replicates: about mean − 1.645 SE for a normal mean', () => {
    const { a, b } = figures(500, 0.02, 0.3, 8);
    const t = pairedBootstrap(a, b, { seed: 9, resamples: 4000 });
    expect(Math.abs(t.lower - (t.meanDifference - 1.645 * t.standardError))).toBeLessThan(0.1 * t.standardError);
    const ninety = pairedBootstrap(a, b, { seed: 9, resamples: 4000, confidence: 0.9 });
    expect(ninety.lower).toBeGreaterThan(t.lower);
  });

  it('takes the ⌊α′·(R + 1)⌋-th smallest replicate, α′ expanded for n customers', () => {
    const { a, b } = figures(50, 0.01, 0.3, 3);
    // The replicates, drawn as the bootstrap draws them: R means of n customers drawn with replacement.
    const replicates = (resamples: number, seed: number) => {
      const rng = new Prng(seed);
      return Float64Array.from({ length: resamples }, () => {
        let s = 0;
        for (let i = 0; i < a.length; i++) {
          const k = rng.int(a.length);
          s += a[k] - b[k];
        }
        return s / a.length;
      }).sort();
    };
    // n = 50: α′ = Φ(−√(50/49) · t₀.₉₅,₄₉) = Φ(−1.0102 × 1.6766) = 0.04517, so the 45th of 1,000 (⌊45.2⌋), not the 50th.
    expect(pairedBootstrap(a, b, { seed: 5, resamples: 1000 }).lower).toBe(replicates(1000, 5)[44]);
    expect(pairedBootstrap(a, b, { seed: 5, resamples: 40 }).lower).toBe(replicates(40, 5)[0]);
    // 90 %: α′ = Φ(−1.0102 × 1.2991) = 0.0947, the 94th.
    expect(pairedBootstrap(a, b, { seed: 5, resamples: 1000, confidence: 0.9 }).lower).toBe(replicates(1000, 5)[93]);
  });

  it('expands the percentile level by n: α′ from tables of t and Φ, and α in the limit', () => {
    expect(expandedLevel(0.05, 50)).toBeCloseTo(0.04517, 4);
    expect(expandedLevel(0.05, 5)).toBeCloseTo(0.00857, 4); // Φ(−√(5/4) × 2.1318)
    expect(expandedLevel(0.05, 2)).toBeLessThan(1e-15); // Φ(−√2 × 6.3138) = Φ(−8.93)
    expect(expandedLevel(0.05, 100_000)).toBeCloseTo(0.05, 4);
    expect(() => expandedLevel(0.05, 1)).toThrow(new BootstrapInputError('expanded level: expected at least 2 customers, found 1'));
  });

  it('finds no lead on few customers significant by luck: the p-value of a clear win grows as n shrinks', () => {
    // Every customer better by 0.2 to 0.6: no replicate is at or below 0, so q is at its floor 1/1001 whatever n is.
    const win = (n: number) => pairedBootstrap(Float64Array.from({ length: n }, (_, i) => 0.2 + (0.4 * i) / n), new Float64Array(n));
    // n = 5: F₄(Φ⁻¹(1/1001) / √(5/4)) = F₄(−2.764) = 0.0253, where the plain percentile bootstrap said 0.001.
    expect(win(5).pValue).toBeCloseTo(0.0253, 3);
    expect(win(5).lower).toBeGreaterThan(0);
    // n = 3: F₂(−2.523) = 0.064: no three customers make a significant lead, and the bound says so too.
    expect(win(3).pValue).toBeCloseTo(0.064, 3);
    expect(win(3).lower).toBe(0);
    expect(win(1000).pValue).toBeCloseTo(1 / 1001, 4);
  });

  it('tests against a figure known only as a mean (one-sample bootstrap)', () => {
    const { a, b } = figures(400, 0.05, 0.1, 10);
    let mean = 0;
    for (const x of b) mean += x / b.length;
    const t = pairedBootstrap(a, mean, { seed: 1 });
    expect(t.meanDifference).toBeCloseTo(pairedBootstrap(a, b, { seed: 1 }).meanDifference, 10);
    // Without the pairing the customers' own spread stays in the difference: a wider interval.
    expect(t.standardError).toBeGreaterThan(pairedBootstrap(a, b, { seed: 1 }).standardError);
  });

  it('gives no evidence without customers and refuses inputs that break its contract', () => {
    expect(pairedBootstrap([], [])).toMatchObject({ n: 0, meanDifference: 0, lower: 0, pValue: 1 });
    expect(pairedBootstrap([0.9], [0.1])).toMatchObject({ n: 1, lower: 0, pValue: 1 });
    expect(pairedBootstrap([0.1], [0.9])).toMatchObject({ n: 1, lower: -0.8, pValue: 1 });
    // Every replicate at or below 0 (q = 1): p is 1 on any n, not F₍ₙ₋₁₎ of jStat's finite Φ⁻¹(1) (0.997 on 2 customers).
    expect(pairedBootstrap([0.1, 0.2], [0.9, 0.9]).pValue).toBe(1);
    expect(pairedBootstrap([0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5]).pValue).toBe(1);
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(new BootstrapInputError('expected figures of the same customers, found 2 and 1'));
    expect(() => pairedBootstrap([1, Number.NaN], [1, 1])).toThrow('customer 1: expected finite figures, found NaN and 1');
    expect(() => pairedBootstrap([1], [1], { resamples: 0 })).toThrow('resamples: expected a positive integer, found 0');
    expect(() => pairedBootstrap([1], [1], { confidence: 1 })).toThrow('confidence: expected a number in (0, 1), found 1');
  });
});
