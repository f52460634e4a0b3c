/**
 * Seeded randomness: a small PRNG. Everything random in a training run, a
 * bootstrap or a bench draws from one {@link Prng}, so a seed fixes the run.
 */

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
