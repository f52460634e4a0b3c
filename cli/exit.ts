/** Exit codes of `berserkr`, which scripts can trust (README, "Commands"). */
export const EXIT = {
  ok: 0,
  /** The command failed; nothing it was writing was published. */
  failed: 1,
  /** Bad usage or configuration: nothing ran. */
  usage: 2,
  /** The command finished but some raw objects failed to ingest (named in the log and run record). */
  partial: 3,
  /** Another pipeline run holds the lock and the command skips rather than waits: nothing ran. */
  busy: 4,
} as const;

/** Bad usage found after the command line was parsed (e.g. a data set that must be named): exit {@link EXIT.usage}. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Names of the errors that mean bad usage or configuration (exit 2), before or while a
 * command runs; any other error is a failure (exit 1), such as an unreachable store.
 * By name, so that classifying does not load the modules that define them.
 */
const USAGE_ERRORS: ReadonlySet<string> = new Set([
  'UsageError',
  'ConfigError',
  'MissingLocationError',
  'LocationError',
  'InvalidRunIdError',
  'LakeLayoutError',
  'DurationError',
  'CronExpressionError',
  'InvalidStoreUriError',
  'StoreConfigError',
  'SubsetExportError',
  'ExportFilterError',
  'CustomerListError',
  'ModelMismatchError',
  'ShardConflictError',
  'RunIdRefusedError',
  'AsOfBeforeDataError',
  'AsOfAfterDataError',
  'NoTruthError',
  'NoPurchaseEventsError',
  'PurchaseRuleError',
]);

/** The exit code of an error that stopped a command: {@link EXIT.usage} for bad usage or configuration, else {@link EXIT.failed}. */
export function exitCodeOf(error: unknown): number {
  return error instanceof Error && USAGE_ERRORS.has(error.name) ? EXIT.usage : EXIT.failed;
}
