/** Typed errors of the scoring stage. */

/** Scoring input violates its contract (grouping, lengths, NaN scores, bad shard spec). */
export class ScoringInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoringInputError';
  }
}

/** A re-export asks for more than its source export holds (`--top-k` over the export's K). */
export class ExportFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFilterError';
  }
}
