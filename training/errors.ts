/** Typed errors of the training and scoring stages. */

/** Feature columns differ from what a model or another cut-off expects. */
export class FeatureMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureMismatchError';
  }
}

/** Training input cannot be used as given (no rows, no labels, no positives, bad option). */
export class TrainingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingInputError';
  }
}

/**
 * Checks that `actual` feature names equal `expected`, in order.
 * @param context names the data being checked, e.g. `feature set at cut-off 2011-10-10T00:00:00.000Z`.
 * @throws FeatureMismatchError quoting the first differing position and both names.
 */
export function checkFeatureNames(expected: readonly string[], actual: readonly string[], context: string): void {
  const n = Math.max(expected.length, actual.length);
  for (let j = 0; j < n; j++) {
    if (expected[j] !== actual[j]) {
      throw new FeatureMismatchError(
        `${context}: feature column ${j} is ${JSON.stringify(actual[j] ?? null)}, expected ` +
          `${JSON.stringify(expected[j] ?? null)} (${actual.length} columns found, ${expected.length} expected)`,
      );
    }
  }
}
