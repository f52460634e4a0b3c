/** The cut-off schedule of a training at an as-of time. */
import { DAY_MS } from '../lib/schema';
import { AsOfAfterDataError, AsOfBeforeDataError } from '../features/errors';
import { TrainingInputError } from './errors';

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

/**
 * Checks that the data reach back before the oldest training cut-off of `schedule`
 * (each cut-off needs customers known before it).
 * @param time purchase event times, ms UTC, ascending.
 * @param schedule from {@link trainingSchedule}, with at least one training cut-off.
 * @param stepDays the days between its training cut-offs.
 * @throws AsOfBeforeDataError saying what the data cover, how far back the schedule
 *   reaches and how many cut-offs would fit; TrainingInputError when there is no purchase event.
 */
export function checkHistory(time: Float64Array | readonly number[], schedule: { validation: number; train: number[] }, stepDays: number): void {
  const first = time.length === 0 ? Number.POSITIVE_INFINITY : time[0];
  const oldest = schedule.train[0];
  if (oldest > first) return;
  const iso = (ms: number): string => new Date(ms).toISOString();
  if (time.length === 0) throw new TrainingInputError('no purchase events to train on: ingest raw data first');
  const newestTrain = schedule.train[schedule.train.length - 1];
  const fit = newestTrain > first ? Math.floor((newestTrain - first - 1) / (stepDays * DAY_MS)) + 1 : 0;
  throw new AsOfBeforeDataError(
    `the data cover ${iso(first)} to ${iso(time[time.length - 1])}, but the ${schedule.train.length} training cut-offs ${stepDays} days apart `
      + `and the validation cut-off reach back to ${iso(oldest)}, before the first purchase: `
      + (fit > 0
        ? `pass --train-cutoffs ${fit} or fewer (or a shorter --cutoff-step), or ingest more history`
        : `even one training cut-off (${iso(newestTrain)}, two horizons before the as-of time) comes before it; `
          + 'ingest more history, pass a shorter --horizon, or a later --as-of when the data run past it'),
  );
}

/**
 * Checks that the data reach the as-of time T, so that the label window of the
 * validation cut-off, [T − H, T), which calibration, its prior shift and
 * promotion read, is observed to its end: T is at most the start of the UTC day
 * after the last purchase (daily exports end with a whole day). Days after the
 * data would count as days without purchases.
 * @param time purchase event times, ms UTC, ascending, not empty.
 * @param asOf T, ms UTC.
 * @throws AsOfAfterDataError naming the last purchase, the latest as-of time the
 *   data allow, and what to do.
 */
export function checkRecency(time: Float64Array | readonly number[], asOf: number): void {
  const last = time[time.length - 1];
  const latest = (Math.floor(last / DAY_MS) + 1) * DAY_MS;
  if (asOf <= latest) return;
  const iso = (ms: number): string => new Date(ms).toISOString();
  throw new AsOfAfterDataError(
    `the as-of time ${iso(asOf)} is after the data, whose last purchase is at ${iso(last)}: the validation labels before it would take the days without data for days without purchases, `
      + `and calibrate the probabilities too low; pass an --as-of up to ${iso(latest)} (or none: just after the last purchase), or ingest the newer data first`,
  );
}
