/** The shifts that carry a calibration to the horizon (training/prior-shift.ts) and how applyCalibration applies them. */
import { applyCalibration } from '../../training/calibration';
import { MAX_TREND_RATIO, baseRate, levelShift, trendPriorShift } from '../../training/prior-shift';
import { TrainingInputError } from '../../training/errors';
import type { FeatureSet } from '../../features/types';

const logit = (p: number): number => Math.log(p / (1 - p));
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('trendPriorShift', () => {
  it('forecasts the validation rate times its ratio to the cut-off before, and shifts the logit to it', () => {
    const s = trendPriorShift([0.0213, 0.0224, 0.0254]);
    expect(s.validationRate).toBe(0.0254);
    expect(s.forecastRate).toBeCloseTo((0.0254 * 0.0254) / 0.0224, 12);
    expect(s.shift).toBeCloseTo(logit(s.forecastRate) - logit(0.0254), 12);
    // The shift moves a probability at the validation rate exactly to the forecast (Saerens et al. 2002).
    expect(sigmoid(logit(0.0254) + s.shift)).toBeCloseTo(s.forecastRate, 12);
  });

  it('clips the ratio to [1/MAX_TREND_RATIO, MAX_TREND_RATIO]', () => {
    expect(trendPriorShift([0.01, 0.03]).forecastRate).toBeCloseTo(0.03 * MAX_TREND_RATIO, 12);
    expect(trendPriorShift([0.03, 0.01]).forecastRate).toBeCloseTo(0.01 / MAX_TREND_RATIO, 12);
  });

  it('does not shift without a rate before the validation cut-off or with a rate of 0', () => {
    expect(trendPriorShift([0.02])).toEqual({ validationRate: 0.02, forecastRate: 0.02, shift: 0 });
    expect(trendPriorShift([0, 0.02]).shift).toBe(0);
    expect(trendPriorShift([0.02, 0]).shift).toBe(0);
  });
});

describe('baseRate', () => {
  const set = (label?: number[]): FeatureSet => ({ cutoff: Date.UTC(2011, 9, 10), n: label?.length ?? 0, label: label && Uint8Array.from(label) }) as unknown as FeatureSet;

  it('is the share of candidate pairs bought', () => {
    expect(baseRate(set([0, 1, 0, 0]))).toBe(0.25);
  });

  it('refuses a set without labels or rows, naming its cut-off', () => {
    expect(() => baseRate(set())).toThrow(TrainingInputError);
    expect(() => baseRate(set([]))).toThrow('baseRate: the feature set at 2011-10-10T00:00:00.000Z has no rows');
  });
});

describe('levelShift', () => {
  it('is the logit of the reference mean minus the logit of the scores\' mean', () => {
    expect(levelShift([0.02, 0.04], [0.01, 0.03])).toBeCloseTo(logit(0.03) - logit(0.02), 12);
    expect(levelShift([0.1, 0.2], [0.1, 0.2])).toBe(0);
    expect(levelShift([0, 0], [0.1, 0.2])).toBe(0);
  });

  it('refuses arrays of different lengths', () => {
    expect(() => levelShift([0.1], [0.1, 0.2])).toThrow('levelShift: expected two equal non-empty score arrays, found 1 and 2');
  });
});

describe('applyCalibration with shifts', () => {
  const scores = [0.01, 0.2, 0.5, 0.9];
  const map = { method: 'platt', a: 1.2, b: -0.5 } as const;

  it('adds priorShift to the logit after the map, keeping the order of the scores', () => {
    const plain = applyCalibration(map, scores);
    const shifted = applyCalibration({ ...map, priorShift: 0.3 }, scores);
    for (let i = 0; i < scores.length; i++) expect(shifted[i]).toBeCloseTo(sigmoid(logit(plain[i]) + 0.3), 6);
    for (let i = 1; i < scores.length; i++) expect(shifted[i]).toBeGreaterThan(shifted[i - 1]);
  });

  it('adds refitShift to the logit of the scores before the map', () => {
    const moved = Float32Array.from(scores, (s) => sigmoid(logit(s) - 0.2)); // the shifted scores are float32, as scores are
    expect(applyCalibration({ ...map, refitShift: -0.2 }, scores)).toEqual(applyCalibration(map, moved));
    expect(applyCalibration({ method: 'identity', refitShift: 0, priorShift: 0 }, scores)).toEqual(applyCalibration({ method: 'identity' }, scores));
  });
});
