/**
 * Seeded randomness for training: a small PRNG, negative sampling per cut-off and
 * shuffling. Everything random in a training run draws from one {@link Prng}, so a
 * seed fixes the run.
 */
import type { FeatureSet } from '../features/types';
import { TrainingInputError } from './errors';

/**
 * Mulberry32 PRNG (Tommy Ettinger, 2017, public domain): 32-bit state, period 2^32,
 * passes gjrand/PractRand at the sizes used here. Deterministic across platforms.
 */
export class Prng {
  private state: number;

  /** @param seed any integer; only its low 32 bits are used. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniform number in [0, 1), 32 bits of resolution. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n), n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * Training rows of one labelled cut-off: every positive and, among negatives, a
 * uniform sample without replacement of `min(#negatives, round(k · #positives))`
 * rows, chosen by selection sampling (Knuth, TAOCP vol. 2, §3.4.2, Algorithm S),
 * which keeps the rows in their original order in one pass.
 *
 * Subsampling negatives shifts the base rate; calibration fitted on the full
 * (unsampled) validation candidates corrects it.
 *
 * @param fs a labelled feature set.
 * @param negativesPerPositive k ≥ 0; `Infinity` keeps every negative.
 * @returns ascending row indices into `fs`.
 * @throws TrainingInputError when `fs.label` is absent or k is negative or NaN.
 */
export function sampleRows(fs: FeatureSet, negativesPerPositive: number, rng: Prng): Int32Array {
  const label = fs.label;
  if (label === undefined) {
    throw new TrainingInputError(`feature set at cut-off ${new Date(fs.cutoff).toISOString()} has no labels`);
  }
  if (!(negativesPerPositive >= 0)) {
    throw new TrainingInputError(`negativesPerPositive must be >= 0, found ${negativesPerPositive}`);
  }
  let positives = 0;
  for (let r = 0; r < fs.n; r++) positives += label[r];
  const negatives = fs.n - positives;
  const wanted = Math.min(negatives, Math.round(negativesPerPositive * positives));
  const out = new Int32Array(positives + wanted);
  let k = 0;
  let seen = 0;
  let taken = 0;
  for (let r = 0; r < fs.n; r++) {
    if (label[r] === 1) {
      out[k++] = r;
    } else {
      if ((negatives - seen) * rng.next() < wanted - taken) {
        out[k++] = r;
        taken++;
      }
      seen++;
    }
  }
  return out;
}

/** Fisher–Yates shuffle in place (Durstenfeld's variant), drawing from `rng`. */
export function shuffleInPlace(a: Int32Array, rng: Prng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
