/** Typed errors of the scoring stage. */

/** Scoring input violates its contract (grouping, lengths, NaN scores, bad shard spec). */
export class ScoringInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoringInputError';
  }
}

/**
 * What would score does not answer the run's question: a model or fallback that
 * learnt labels after the as-of time, or gives probabilities for another horizon.
 * The run's options (`--as-of`, `--model`, `--horizon`) are to change: bad usage.
 */
export class ModelMismatchError extends ScoringInputError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

/**
 * A shard asked to score under a run id whose other shards were scored otherwise: as
 * one of another number of shards N, or with another model, as-of time, horizon, K,
 * formats or purchase events, so the run's shards could never be merged. Found
 * before the shard writes anything; the shard's options or the run id are to change:
 * bad usage (exit 2, `cli/exit.ts`).
 */
export class ShardConflictError extends ScoringInputError {
  constructor(message: string) {
    super(message);
    this.name = 'ShardConflictError';
  }
}

/**
 * A `--run-id` scoring may not write under: its start time is in the future, or the
 * run is committed already and the shard does not match it (a retry of one of its
 * shards scored as it was has nothing to do, no error); or a `gc --run` id gc may not remove: no scoring run of the
 * data set, committed, or maybe still running. Another run id is to give: bad usage (exit 2, `cli/exit.ts`).
 */
export class RunIdRefusedError extends ScoringInputError {
  constructor(message: string) {
    super(message);
    this.name = 'RunIdRefusedError';
  }
}

/** A `--customers` file that is no list of customer ids (empty, or CSV rows): the file is to fix, bad usage. */
export class CustomerListError extends ScoringInputError {
  constructor(message: string) {
    super(message);
    this.name = 'CustomerListError';
  }
}

/** A re-export asks for more than its source export holds (`--top-k` over the export's K). */
export class ExportFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFilterError';
  }
}
