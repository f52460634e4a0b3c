/** Typed errors of the scoring stage. */

/** Scoring input violates its contract (grouping, lengths, NaN scores, bad shard spec). */
export class ScoringInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoringInputError';
  }
}
