/** Typed errors of the ranking module. */

/** Ranking input violates its contract (lengths, k < 1, NaN probabilities, rows of a customer not contiguous). */
export class RankingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RankingInputError';
  }
}
