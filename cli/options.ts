/**
 * Option parsers and option definitions shared by the `berserkr` commands, so
 * every command spells `--lake`, `--as-of`, `--shard` the same way and rejects a
 * bad value with an error that quotes it.
 */
import { InvalidArgumentError, Option } from 'commander';

/** Parses a positive integer option value; the error quotes the value. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/**
 * Parses an ISO 8601 instant; a time without zone is read as UTC (protocol.md reads
 * timestamps as UTC). Returns ms since the Unix epoch.
 */
export function parseInstant(value: string): number {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : `${value}Z`;
  const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(withZone) ? `${withZone}T00:00:00Z` : withZone);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`expected an ISO 8601 time such as 2011-11-09T00:00:00Z, got "${value}"`);
  return ms;
}

/** Options every data command takes; `trainingOptions` lists a training's. */
export const commonOptions = {
  raw: () => new Option('--raw <uri>', 'raw bucket or folder of *.csv.lzo objects').default('data/online-retail').env('BERSERKR_RAW'),
  lake: () => new Option('--lake <uri>', 'lake bucket or folder (plain path, file:// or s3://bucket/prefix)').default('lake').env('BERSERKR_LAKE'),
  config: () => new Option('--config <file>', 'data-set configuration (YAML)').default('config/online-retail.yaml').env('BERSERKR_CONFIG'),
  asOf: () => new Option('--as-of <time>', 'as-of time, ISO 8601 (UTC when no zone); default: just after the last event').argParser(parseInstant),
  topK: () => new Option('--top-k <n>', 'items per customer in the export').default(10).argParser(parsePositiveInt),
  seed: () => new Option('--seed <n>', 'random seed of sampling and initialisation').default(42).argParser(parsePositiveInt),
  horizon: () => new Option('--horizon <days>', 'prediction horizon H in days').default(30).argParser(parsePositiveInt),
  trainCutoffs: () => new Option('--train-cutoffs <n>', 'monthly training cut-offs before the validation cut-off').default(6).argParser(parsePositiveInt),
  cutoffStep: () => new Option('--cutoff-step <days>', 'days between training cut-offs (default: the horizon)').argParser(parsePositiveInt),
  refit: () => new Option('--no-refit', 'return the early-stopped network instead of training it on with the validation cut-off (the warm refit)'),
  maxEpochs: () => new Option('--max-epochs <n>', 'maximum training epochs (early stopping on the validation cut-off)').default(12).argParser(parsePositiveInt),
};

/** The options of a training (`train` and `run`), in help order. */
export const trainingOptions = (): Option[] => [
  commonOptions.asOf(),
  commonOptions.topK(),
  commonOptions.horizon(),
  commonOptions.trainCutoffs(),
  commonOptions.cutoffStep(),
  commonOptions.maxEpochs(),
  commonOptions.refit(),
  commonOptions.seed(),
];
