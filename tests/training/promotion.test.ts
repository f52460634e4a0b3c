/**
 * training/promotion.ts: the champion/challenger rule promotes only on a lead
 * over the best baseline (and the champion) that the paired bootstrap over the
 * validation customers finds significant, and says so with its figures.
 */
import { compare, compareLead, formatComparison, labelsLearntUntil, promotionDecision } from '../../training/promotion';
import { pairedBootstrap } from '../../evaluation/bootstrap';
import { Prng } from '../../lib/prng';

/** Per-customer figures of the customers of `base`: each its base figure plus `lead` plus centred uniform noise of half-width `noise`. */
function system(base: Float64Array, lead: number, noise: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const e = Float64Array.from(base, () => (rng.next() - 0.5) * 2 * noise);
  const centre = e.reduce((s, x) => s + x, 0) / e.length;
  return Float64Array.from(base, (x, i) => x + lead + e[i] - centre);
}

const rng = new Prng(1);
const repeat = Float64Array.from({ length: 400 }, () => rng.next() * 0.6);
const strong = system(repeat, 0.05, 0.1, 2);
const level = system(repeat, 0.002, 0.3, 3);

describe('promotionDecision', () => {
  it('promotes a challenger clearly above the best baseline when there is no champion, naming the figures', () => {
    const d = promotionDecision({ k: 10, challenger: strong, baseline: { name: 'repeat', ndcg: repeat }, bootstrap: { seed: 7 } });
    expect(d.promoted).toBe(true);
    expect(d.baseline).toMatchObject({ role: 'baseline', against: 'repeat', paired: true, significant: true });
    expect(d.champion).toBeUndefined();
    expect(d.decision).toMatch(
      /^promoted: validation NDCG@10 0\.\d{4} beats best baseline repeat 0\.\d{4}: \+0\.0\d{3}, 95 % lower bound \+0\.0\d{3}, p 0\.001; no champion yet \(paired bootstrap over 400 validation customers, 1000 resamples, seed 7\)$/,
    );
  });

  it('says why there is no champion to compare with when told', () => {
    const d = promotionDecision({ k: 10, challenger: strong, baseline: { name: 'repeat', ndcg: repeat }, noChampion: 'champion m1 is of a later as-of time and not compared' });
    expect(d.decision).toMatch(/; champion m1 is of a later as-of time and not compared \(paired bootstrap over 400 validation customers/);
    expect(d.decision).not.toContain('no champion yet');
  });

  it('does not promote a lead that is not significant, even a positive one', () => {
    const d = promotionDecision({ k: 10, challenger: level, baseline: { name: 'repeat', ndcg: repeat } });
    expect(d.baseline.challenger).toBeGreaterThan(d.baseline.other);
    expect(d.baseline.bootstrap.lower).toBeLessThan(0);
    expect(d).toMatchObject({ promoted: false, baseline: { significant: false } });
    expect(d.decision).toMatch(/^not promoted: challenger NDCG@10 0\.\d{4} is not significantly above best baseline repeat 0\.\d{4}: \+0\.\d{4}, 95 % lower bound −0\.\d{4}, p 0\.\d{3} \(paired bootstrap/);
  });

  it('does not promote a tie: the bound is 0, not above it', () => {
    const d = promotionDecision({ k: 10, challenger: repeat, baseline: { name: 'repeat', ndcg: repeat } });
    expect(d.promoted).toBe(false);
    expect(d.baseline.bootstrap).toMatchObject({ meanDifference: 0, lower: 0, pValue: 1 });
  });

  it('keeps the champion unless the challenger beats it significantly too', () => {
    const champion = system(repeat, 0.048, 0.1, 4);
    const kept = promotionDecision({ k: 10, challenger: strong, baseline: { name: 'repeat', ndcg: repeat }, champion: { modelId: 'm1', ndcg: champion } });
    expect(kept).toMatchObject({ promoted: false, baseline: { significant: true }, champion: { role: 'champion', against: 'm1', significant: false } });
    expect(kept.decision).toMatch(/^kept champion: challenger NDCG@10 0\.\d{4} is not significantly above champion m1 0\.\d{4}: /);
    expect(kept.decision).not.toContain('best baseline');

    const weak = system(repeat, 0, 0.1, 5);
    const promoted = promotionDecision({ k: 10, challenger: strong, baseline: { name: 'repeat', ndcg: repeat }, champion: { modelId: 'm1', ndcg: weak } });
    expect(promoted.promoted).toBe(true);
    expect(promoted.decision).toMatch(/^promoted: .* beats best baseline repeat .* and champion m1 0\.\d{4}: \+0\.0\d{3}, .* \(paired bootstrap/);
  });

  it('compares with a champion known only by its recorded lead over its best baseline, whatever the month gave both', () => {
    // strong leads repeat by 0.05 here. A champion that led its own month's best baseline by 0.049 is not beaten
    // significantly; one that led by 0.01 is, although in an easier month its NDCG itself may have been far above 0.30.
    const close = promotionDecision({ k: 10, challenger: strong, baseline: { name: 'repeat', ndcg: repeat }, champion: { modelId: 'm1', lead: 0.049 } });
    const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
    expect(close.champion).toMatchObject({ paired: false, lead: 0.049, significant: false });
    expect(close.champion!.other).toBeCloseTo(mean(repeat) + 0.049, 12);
    expect(close.champion!.bootstrap.meanDifference).toBeCloseTo(0.05 - 0.049, 12);
    expect(close.decision).toMatch(/^kept champion: challenger NDCG@10 0\.\d{4} is not significantly above champion m1 \(by its recorded lead \+0\.0490 over its best baseline\) 0\.\d{4}: \+0\.0010, /);
    const beaten = promotionDecision({ k: 10, challenger: strong, baseline: { name: 'repeat', ndcg: repeat }, champion: { modelId: 'm1', lead: 0.01 } });
    expect(beaten.promoted).toBe(true);
    // Its per-customer leads over repeat vary less than its figures themselves: a narrower test than against its NDCG.
    expect(close.champion!.bootstrap.standardError).toBeLessThan(pairedBootstrap(strong, mean(repeat) + 0.049).standardError / 2);
  });

  it('refuses a baseline of other customers than the challenger\'s when comparing by a recorded lead', () => {
    // promotionDecision compares with the baseline first, which checks; compareLead alone would cut a longer baseline unseen.
    const longer = Float64Array.from([...repeat, 0.5]);
    expect(() => compareLead('m1', strong, longer, 0.01)).toThrow(`expected figures of the same customers, found ${strong.length} and ${longer.length}`);
  });

  it('uses one seed for every comparison, so the decision is reproducible', () => {
    const input = { k: 10, challenger: level, baseline: { name: 'repeat', ndcg: repeat }, bootstrap: { seed: 99 } };
    expect(promotionDecision(input)).toEqual(promotionDecision(input));
    expect(formatComparison(compare('baseline', 'repeat', level, repeat, { seed: 99 }))).toBe(formatComparison(promotionDecision(input).baseline));
  });
});

describe('labelsLearntUntil', () => {
  const DAY = 86_400_000;
  const T = Date.parse('2011-12-09T00:00:00Z');

  it('ends at the validation cut-off, and H later when the model was refitted on it', () => {
    expect(labelsLearntUntil({ validationCutoff: T - 30 * DAY, refit: 0 }, 30)).toBe(T - 30 * DAY);
    expect(labelsLearntUntil({ validationCutoff: T - 30 * DAY }, 30)).toBe(T - 30 * DAY);
    expect(labelsLearntUntil({ validationCutoff: T - 30 * DAY, refit: 1 }, 30)).toBe(T);
  });

  it('reaches into the validation window of a backfill 30 days earlier, refitted or not', () => {
    // A champion at T; a challenger at T − 30 d validates on [T − 60 d, T − 30 d), which the champion's last training cut-off labelled.
    const heldCutoff = T - 60 * DAY;
    expect(labelsLearntUntil({ validationCutoff: T - 30 * DAY, refit: 0 }, 30)).toBeGreaterThan(heldCutoff);
    expect(labelsLearntUntil({ validationCutoff: T - 30 * DAY, refit: 1 }, 30)).toBeGreaterThan(heldCutoff);
    // A challenger 60 days later validates after everything the champion learnt.
    expect(labelsLearntUntil({ validationCutoff: T - 30 * DAY, refit: 1 }, 30)).toBeLessThanOrEqual(T + 30 * DAY);
  });
});
