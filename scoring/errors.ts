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

/**
 * A store error part-way through removing the objects of an uncommitted scoring run
 * (`scoring/leftovers.ts`): the objects removed before it stay removed (the run was never
 * committed, so no reader follows them) and the rest stay for the next `gc`. A failure of
 * the store, not of usage (exit 1). `removed` holds the keys removed, in key order.
 */
export class PartialRemovalError extends Error {
  constructor(readonly removed: { runId: string; keys: string[] }, total: number, failedUri: string, cause: unknown) {
    const shown = removed.keys.slice(0, 3).join(', ') + (removed.keys.length > 3 ? `, … (${removed.keys.length - 3} more)` : '');
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `removed ${removed.keys.length} of the ${total} objects of uncommitted scoring run ${removed.runId}${removed.keys.length > 0 ? ` (${shown})` : ''}, `
        + `then could not delete ${failedUri}: ${why}; the rest stay until gc runs again (berserkr gc --run ${removed.runId})`,
      { cause },
    );
    this.name = 'PartialRemovalError';
  }
}

/** A re-export asks for more than its source export holds (`--top-k` over the export's K). */
export class ExportFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportFilterError';
  }
}
