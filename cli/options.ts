/**
 * Option parsers and option definitions shared by the `berserkr` commands, so
 * every command spells `--lake`, `--as-of`, `--shard` the same way and rejects a
 * bad value with an error that quotes it.
 */
import { InvalidArgumentError, Option } from 'commander';
import { MAX_TIMER_MS, parseDuration } from '../lib/schedule';

/** Decimal digits only: `Number` alone would also take `0x2`, `1e3`, `0b11` and `1.0`. */
const DECIMAL_INTEGER = /^\d+$/;

/** Parses a positive integer option value, in decimal digits; the error quotes the value. */
export function parsePositiveInt(value: string): number {
  const n = DECIMAL_INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Parses an integer option value of 0 or more, in decimal digits; the error quotes the value. */
export function parseNonNegativeInt(value: string): number {
  const n = DECIMAL_INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer of 0 or more, got "${value}"`);
  return n;
}

/** Largest `--top-k`: lists longer than this are no ranking, and the evaluation holds customers × K ranks. */
export const MAX_TOP_K = 1000;

/** Parses `--top-k`: an integer from 1 to {@link MAX_TOP_K}; the error quotes the value. */
export function parseTopK(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_TOP_K) throw new InvalidArgumentError(`expected at most ${MAX_TOP_K} items per customer, got "${value}"`);
  return n;
}

/**
 * Parses a share or probability in [0, 1] written in decimal, such as `0.05`, `.5` or `1`
 * (not `0x1`, `1e-1` or ` 0.5`, which `Number` would take); the error quotes the value.
 */
export function parseRatio(value: string): number {
  const n = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a decimal number from 0 to 1 such as 0.05, got "${value}"`);
  return n;
}

/**
 * Parses a random seed: an integer from 0 to 2^32 − 1 written in decimal (the
 * generators take it as an unsigned 32-bit integer). The error quotes the value.
 */
export function parseSeed(value: string): number {
  const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(n <= 0xffff_ffff)) throw new InvalidArgumentError(`expected an integer from 0 to 4294967295, got "${value}"`);
  return n;
}

/**
 * Parses a duration such as `90s`, `2m`, `7d` (`parseDuration` of lib/schedule.ts).
 * @returns milliseconds.
 * @throws InvalidArgumentError quoting the value.
 */
export function parseDurationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * Parses a duration that a timer waits out, such as `60s` (`parseDurationOption`), of
 * at most about 24.8 days ({@link MAX_TIMER_MS}).
 * @returns milliseconds.
 * @throws InvalidArgumentError quoting the value.
 */
export function parseIntervalOption(value: string): number {
  const ms = parseDurationOption(value);
  if (ms > MAX_TIMER_MS) throw new InvalidArgumentError(`expected at most 24d (what a timer holds), got "${value}"`);
  return ms;
}

/** `YYYY-MM-DD`, optionally `THH:MM`, `:SS`, `.fraction` and a zone `Z` or `±HH:MM`. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses a strict ISO 8601 instant: a date (`2011-11-09`, midnight UTC) or a
 * date-time `2011-11-09T10:00`, with optional seconds and fraction
 * (`T10:00:30.5`) and an optional zone, `Z` or `±HH:MM`; no zone means UTC.
 * Invalid calendar dates (`2011-02-30`), times (`24:00`), any other shape
 * (`1`, `2011-11-09 10:00`) are refused rather than rolled over or read in
 * the machine's local time. A fraction is cut to milliseconds.
 * @returns ms since the Unix epoch.
 * @throws InvalidArgumentError quoting the value.
 */
export function parseInstant(value: string): number {
  const m = ISO_INSTANT.exec(value);
  const invalid = (why: string) => new InvalidArgumentError(`expected an ISO 8601 date or date-time such as 2011-11-09 or 2011-11-09T10:00:00Z (UTC when no zone), got "${value}"${why}`);
  if (m === null) throw invalid('');
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const utc = new Date(0);
  utc.setUTCFullYear(y, mo - 1, d); // rolls 2011-02-30 over to March: caught below
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d) throw invalid(`: ${m[1]}-${m[2]}-${m[3]} is not a calendar date`);
  if (h > 23 || mi > 59 || sec > 59) throw invalid(': hours run to 23, minutes and seconds to 59');
  utc.setUTCHours(h, mi, sec, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const zone = m[8] ?? 'Z';
  const [zh, zm] = zone === 'Z' ? [0, 0] : [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
  if (zh > 23 || zm > 59) throw invalid(`: zone offset ${zone} is out of range`);
  const offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  return utc.getTime() - offsetMinutes * 60_000;
}

/**
 * The options that name where a command reads and writes: required, each from
 * its flag or else its environment variable, never from a default (no command
 * falls back to the bundled data; `make demo` names it). `cli/locations.ts`
 * checks them before a command runs.
 */
export const LOCATION_OPTIONS = new WeakSet<Option>();

/** Marks `option` as one of {@link LOCATION_OPTIONS}. */
function location(option: Option): Option {
  LOCATION_OPTIONS.add(option);
  return option;
}

/** Options every data command takes; `trainingOptions` lists a training's. */
export const commonOptions = {
  raw: () => location(new Option('--raw <uri>', 'raw bucket or folder of CSV objects, lzop, gzip, zstd or uncompressed (those the configuration\'s raw.pattern selects); required').env('BERSERKR_RAW')),
  lake: () => location(new Option('--lake <uri>', 'lake bucket or folder (plain path, file:// or s3://bucket/prefix); required').env('BERSERKR_LAKE')),
  config: () => location(new Option('--config <file>', 'data-set configuration (YAML); required').env('BERSERKR_CONFIG')),
  asOf: () => new Option('--as-of <time>', 'as-of time, strict ISO 8601: 2011-11-09 or 2011-11-09T10:00[:SS[.fff]] with an optional Z or ±HH:MM; no zone means UTC; default: just after the last event').argParser(parseInstant),
  topK: () => new Option('--top-k <n>', `items per customer in the export, 1 to ${MAX_TOP_K}`).default(10).argParser(parseTopK),
  /** `--top-k` of the commands that train, where K is also the length of the lists validation and promotion judge. */
  trainTopK: () => new Option('--top-k <n>', `K, 1 to ${MAX_TOP_K}: the length of the lists validation, promotion (NDCG@K) and evaluation judge, and of the export's`).default(10).argParser(parseTopK),
  seed: () => new Option('--seed <n>', 'random seed of sampling and initialisation, 0 to 4294967295').default(42).argParser(parseSeed),
  horizon: () => new Option('--horizon <days>', 'prediction horizon H in days').default(30).argParser(parsePositiveInt),
  trainCutoffs: () => new Option('--train-cutoffs <n>', 'training cut-offs before the validation cut-off, --cutoff-step days apart (monthly with the defaults)').default(6).argParser(parsePositiveInt),
  cutoffStep: () => new Option('--cutoff-step <days>', 'days between training cut-offs (default: the horizon)').argParser(parsePositiveInt),
  refit: () => new Option('--no-refit', 'return the network trained on the training cut-offs instead of training it on with the validation cut-off (the refit)'),
  epochs: () => new Option('--epochs <n>', 'training passes, each over a fresh draw of the budget of customer groups (default: 3)').argParser(parsePositiveInt),
  trainGroups: () => new Option('--train-groups <n>', 'customer groups drawn per training pass: the budget that sets the cost of training (default: 12288)').argParser(parsePositiveInt),
  members: () => new Option('--members <n>', 'networks trained independently (each its own seed and draws) and merged into one that averages their logits; they train at once on the threads (default: 2)').argParser(parsePositiveInt),
  trainThreads: () => new Option('--train-threads <n>', 'threads of the training steps (default: every CPU the process may use)').argParser(parsePositiveInt),
};

/** The options of a training (`train` and `run`), in help order. */
export const trainingOptions = (): Option[] => [
  commonOptions.asOf(),
  commonOptions.trainTopK(),
  commonOptions.horizon(),
  commonOptions.trainCutoffs(),
  commonOptions.cutoffStep(),
  commonOptions.epochs(),
  commonOptions.trainGroups(),
  commonOptions.members(),
  commonOptions.trainThreads(),
  commonOptions.refit(),
  commonOptions.seed(),
];
