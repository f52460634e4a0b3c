/** The options of the commands that ingest (`ingest`, `run` and `schedule`) beyond the shared ones of `options.ts`. */
import { Option } from 'commander';
import type { IngestStepOptions } from '../ingest/runner';
import { DEFAULT_MAX_REJECT_RATIO, MIN_BUDGET_LINES, rejectAllowance } from '../ingest/reject-budget';
import { parseNonNegativeInt, parseRatio } from './options';

/** `--max-reject-ratio <share>`: the reject budget of each raw object and of the run (`ingest/reject-budget.ts`). */
export const maxRejectRatioOption = (): Option =>
  new Option(
    '--max-reject-ratio <share>',
    'largest share of an object\'s lines that may be rejected as unreadable (copies of clean lines aside); over it the object fails, '
      + `its earlier output stays published and the command exits 3. An object is budgeted as if it had at least ${MIN_BUDGET_LINES} lines `
      + `(${rejectAllowance(MIN_BUDGET_LINES, DEFAULT_MAX_REJECT_RATIO)} lines at ${DEFAULT_MAX_REJECT_RATIO}) but never for all of them,`
      + ' so a stray bad line does not fail a small object while one with no readable line fails. '
      + 'The same share bounds the run: when the objects within their own budgets reject more of their lines together, '
      + 'none of them is published and the command exits 3. '
      + 'A wrong time format or delimiter rejects every line, the bundled data none; 1 turns the check off',
  ).default(DEFAULT_MAX_REJECT_RATIO).argParser(parseRatio);

/** `--encode-threads <n>`: threads of their own that the Parquet parts are encoded on (`ingestAll`'s `encodeThreads`). */
export const encodeThreadsOption = (): Option =>
  new Option('--encode-threads <n>', 'threads that encode the clean and rejects Parquet parts while this one reads the next object; 0 encodes on this thread (default: 1 when the process may use 2 CPUs or more, else 0)')
    .argParser(parseNonNegativeInt);

/** `--require-checksum`: fail the raw objects that no checksum covers (`ingestAll`'s `requireChecksum`). */
export const requireChecksumOption = (): Option =>
  new Option(
    '--require-checksum',
    'fail every raw object that no checksum covers (plain CSV, lzop -F, zstd --no-check): its output is not published and the command exits 3. '
      + 'Without it such objects are ingested, a compressed one with a warning, and the ledger and run record say they were unchecked',
  );

/** `--forget-missing`: drop the output of objects whose raw object is gone (`ingestAll`'s `forgetMissing`). */
export const forgetMissingOption = (): Option =>
  new Option(
    '--forget-missing',
    'first drop from the lake the objects ingested earlier whose raw object is gone or no longer selected by raw.pattern (without it their output stays). '
      + 'Needed after a configuration change when such objects cannot be ingested again: readers refuse clean data of two configurations',
  );

/** The ingest options of a command, in the order `--help` lists them. */
export const ingestOptions = (): Option[] => [maxRejectRatioOption(), requireChecksumOption(), encodeThreadsOption(), forgetMissingOption()];

/** The parsed flags of {@link ingestOptions}. */
export type IngestFlags = Required<Pick<IngestStepOptions, 'maxRejectRatio'>> & Pick<IngestStepOptions, 'encodeThreads' | 'requireChecksum' | 'forgetMissing'>;

/** The ingest runner's options from the parsed flags of {@link ingestOptions}. */
export const ingestStepOptions = (o: IngestFlags): IngestStepOptions => ({
  maxRejectRatio: o.maxRejectRatio,
  requireChecksum: o.requireChecksum === true,
  encodeThreads: o.encodeThreads,
  forgetMissing: o.forgetMissing === true,
});
