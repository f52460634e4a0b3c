/** The cut-off schedule of a training at an as-of time. */
import { DAY_MS } from '../lib/schema';

/**
 * Cut-offs of one training: validation = T − H; training cut-offs end one horizon
 * before it, so no training label window overlaps the validation one:
 * train_i = validation − H − (n − 1 − i)·step for i = 0 … n − 1 (oldest first).
 * `stepDays` defaults to H (monthly cut-offs for H = 30).
 */
export function trainingSchedule(asOf: number, horizonDays: number, n: number, stepDays = horizonDays): { validation: number; train: number[] } {
  const h = horizonDays * DAY_MS;
  const validation = asOf - h;
  return { validation, train: Array.from({ length: n }, (_, i) => validation - h - (n - 1 - i) * stepDays * DAY_MS) };
}
