/**
 * A dry run of ingest on a sample, pure (no store I/O): the first lines of one raw
 * object go through the same layers as ingest (`decompress` → `typeCsv`: text, CSV,
 * header match, typing) and what ingest would make of them is summed up, clean and
 * rejected lines by reason, the time range, and whether the object passes: read
 * without a fatal error (its header matches) and within the reject budget
 * (`reject-budget.ts`). Nothing is written; `berserkr validate` prints it.
 */
import type { Table } from 'apache-arrow';
import type { Compression, SkippedObject } from '../lib/catalog/raw-objects';
import { DatasetConfig } from '../lib/config-types';
import { CLEAN, REJECTS } from '../lib/schema';
import { SNIFF_BYTES, sniffFormat } from './compression';
import { DecompressOptions, decompress } from './decompress';
import { IngestCounts, objectCompression, typeCsv } from './ingest';
import { DEFAULT_MAX_REJECT_RATIO, RunRejectBudgetError, rejectBudget, runRejectBudget } from './reject-budget';
import { HeaderMismatchError, latestAcceptedTime } from './typing';
import { DEFAULT_SAMPLE_LINES } from './validate-sample';

/** Options of {@link validateObject}. */
export interface ValidateOptions extends DecompressOptions {
  /** Data lines read at most, from the start of the object; {@link DEFAULT_SAMPLE_LINES} by default. */
  sampleLines?: number;
  /** Longest CSV record accepted, bytes; 1 MiB by default, as for ingest. */
  maxRecordBytes?: number;
  /** The reject budget, a share in [0, 1]; `DEFAULT_MAX_REJECT_RATIO` (0.05) by default, as for ingest. */
  maxRejectRatio?: number;
  /** The time validation starts at, whose {@link latestAcceptedTime} bounds the times accepted, as for ingest; the present by default. */
  now?: Date;
}

/** The first rejected line of one reason. */
export interface RejectExample {
  /** 1-based line number in the decompressed CSV. */
  line: number;
  /** The full reason, e.g. `bad_time: InvoiceDate="x" does not match M/D/YYYY H:mm`. */
  reason: string;
  /** The line as read, its first {@link EXAMPLE_CHARS} characters. */
  raw: string;
  /** Characters of the line left out of `raw` (a record that swallowed much of the object); absent when none. */
  omittedChars?: number;
}

/** Characters of a rejected line an example keeps: enough to see what is wrong, not a swallowed object. */
export const EXAMPLE_CHARS = 500;

/** What {@link validateObject} found in one raw object. */
export interface ObjectValidation {
  key: string;
  /** How the object is read, and why (`compressionOf`), e.g. `gzip`, `the extension .gz`. */
  compression: Compression;
  basis: string;
  /** What its first bytes look like (`sniffFormat`): `lzop`, `gzip`, `zstd`, `text`, …; `empty` for none. */
  detected: string;
  /**
   * The header check: `ok`, `mismatch` (HeaderMismatchError, in `problem`) or `unread`
   * (the object failed before its header: decompression, empty object, store error).
   */
  header: 'ok' | 'mismatch' | 'unread';
  /** The column names the header holds (or `csv.columns` without a header), trimmed; empty when unread. */
  columns: string[];
  /** Header columns the configuration does not name that clean tables would carry (`csv.extra_columns: keep`). */
  extraColumns: string[];
  /**
   * Counts of the lines read, as ingest counts them (`read = clean + rejected`): the
   * whole object when it has fewer data lines than the sample, else the sample. Null
   * when a fatal error (see `problem`) stopped the reading.
   */
  counts: IngestCounts | null;
  /** Whether the counts cover the whole object: it had fewer data lines than the sample, or the record that reached the sample ran to its end. */
  whole: boolean;
  /** The first rejected line of each reason, in order of first appearance. */
  examples: RejectExample[];
  /** Earliest and latest time of the clean lines, ISO 8601 UTC; null when there is none. */
  timeRange: { min: string; max: string } | null;
  /** Why the object fails: the fatal error, or the reject budget's, its message starting with the key; null when it passes. */
  problem: { error: string; message: string } | null;
  pass: boolean;
}

/** The whole validation of a raw location: every object taken, those skipped, and the verdict. */
export interface ValidationSummary {
  objects: ObjectValidation[];
  /** Objects under the raw location the configuration does not take, and why (`selectRawObjects`). */
  skipped: SkippedObject[];
  /** Data lines read at most per object. */
  sampleLines: number;
  maxRejectRatio: number;
  /**
   * Set when the objects that pass alone reject more of their sampled lines together than
   * the budget allows, as ingest's run budget (`runRejectBudget`) would refuse them.
   */
  runBudget: string | null;
  /** Whether ingest would take every object: at least one object, each passing, the run budget kept. */
  pass: boolean;
}

/**
 * Reads the first `sampleLines` data lines of one raw object as ingest would and sums
 * up the result. Stops reading (and decompressing) after the sample: the rest of a
 * large object is never fetched past the chunks already in flight. Errors of the
 * object (compression mismatch, corrupt data, header mismatch, no header, a record
 * too long, times that do not parse) do not throw: they are its `problem`.
 * @param objectKey the raw object's key, named in messages.
 * @param chunks the raw object's bytes, in chunks of any size.
 * @throws RangeError for a `maxRejectRatio` outside [0, 1] or a `sampleLines` below 1, quoting it;
 *   UnsupportedCompressionError for a key of a compression ingest does not read (the raw selection skips those).
 * @example const v = await validateObject(key, rawObjects.stream(key), config, { codecs, sampleLines: 1000 });
 */
export async function validateObject(objectKey: string, chunks: AsyncIterable<Uint8Array>, config: DatasetConfig, options: ValidateOptions): Promise<ObjectValidation> {
  const sampleLines = options.sampleLines ?? DEFAULT_SAMPLE_LINES;
  if (!(Number.isInteger(sampleLines) && sampleLines >= 1)) throw new RangeError(`sampleLines must be a whole number of lines, 1 or more, got ${sampleLines}`);
  const maxRejectRatio = options.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO;
  const withinBudget = rejectBudget(maxRejectRatio);
  const how = objectCompression(objectKey, config);
  const head = new HeadTap(chunks);
  const result: ObjectValidation = {
    key: objectKey,
    compression: how.compression,
    basis: how.basis,
    detected: 'empty',
    header: 'unread',
    columns: [],
    extraColumns: [],
    counts: null,
    whole: false,
    examples: [],
    timeRange: null,
    problem: null,
    pass: false,
  };
  const times = new TimeRange();
  try {
    const bytes = decompress(objectKey, head, how, options);
    const notAfter = latestAcceptedTime(options.now ?? new Date());
    const batches = typeCsv(objectKey, bytes, config, { maxLines: sampleLines, maxRecordBytes: options.maxRecordBytes, maxRejectRatio, notAfter }, (layout, header) => {
      result.header = 'ok';
      result.columns = header.map((h) => h.trim());
      result.extraColumns = layout.extraNames;
    });
    let r = await batches.next();
    for (; !r.done; r = await batches.next()) {
      times.add(r.value.clean);
      addExamples(result.examples, r.value.rejects);
    }
    const counts = r.value;
    result.counts = counts;
    result.whole = counts.read < sampleLines || head.ended;
    withinBudget(objectKey, counts);
    result.pass = true;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    if (error instanceof HeaderMismatchError) {
      result.header = 'mismatch';
      result.columns = [...error.found];
    }
    result.problem = { error: error.name, message: error.message.startsWith(`${objectKey}: `) ? error.message : `${objectKey}: ${error.message}` };
  } finally {
    result.detected = sniffFormat(head.bytes());
    result.timeRange = times.range();
  }
  return result;
}

/**
 * The verdict over a raw location's objects: each passes alone ({@link validateObject}),
 * and those that do keep ingest's run budget together (`runRejectBudget`), on their
 * sampled lines. A location with no object to take does not pass.
 * @param objects the objects' validations, in key order.
 * @param skipped the objects not taken, with their reasons.
 * @param sampleLines data lines read at most per object; @param maxRejectRatio the budget, in [0, 1] (both recorded in the summary).
 * @throws RangeError for a `maxRejectRatio` outside [0, 1], quoting it.
 */
export function summarizeValidation(objects: ObjectValidation[], skipped: SkippedObject[], sampleLines: number, maxRejectRatio: number): ValidationSummary {
  const withinRunBudget = runRejectBudget(maxRejectRatio);
  let runBudget: string | null = null;
  try {
    withinRunBudget(objects.flatMap((o) => (o.pass && o.counts !== null ? [{ key: o.key, counts: o.counts }] : [])));
  } catch (e) {
    if (!(e instanceof RunRejectBudgetError)) throw e;
    runBudget = e.message;
  }
  return { objects, skipped, sampleLines, maxRejectRatio, runBudget, pass: objects.length > 0 && objects.every((o) => o.pass) && runBudget === null };
}

/** Passes chunks through, keeping the first {@link SNIFF_BYTES} bytes to tell what the object looks like, and whether the object was read to its end. */
class HeadTap implements AsyncIterable<Uint8Array> {
  private readonly held: Uint8Array[] = [];
  private length = 0;
  /** Whether the chunks ran out while read (not when the reader stopped first). */
  ended = false;

  constructor(private readonly chunks: AsyncIterable<Uint8Array>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for await (const chunk of this.chunks) {
      if (this.length < SNIFF_BYTES) {
        this.held.push(chunk.slice(0, SNIFF_BYTES - this.length));
        this.length += Math.min(chunk.length, SNIFF_BYTES - this.length);
      }
      yield chunk;
    }
    this.ended = true;
  }

  /** The first bytes seen (fewer when the object is shorter or was not read). */
  bytes(): Uint8Array {
    return Buffer.concat(this.held);
  }
}

/** Earliest and latest `event_time` of clean tables. */
class TimeRange {
  private min = Infinity;
  private max = -Infinity;

  add(clean: Table): void {
    const column = clean.getChild(CLEAN.eventTime);
    if (column === null) return;
    for (const data of column.data) {
      const values = data.values as BigInt64Array;
      for (let i = 0; i < data.length; i++) {
        const ms = Number(values[i]);
        if (ms < this.min) this.min = ms;
        if (ms > this.max) this.max = ms;
      }
    }
  }

  range(): { min: string; max: string } | null {
    return this.min > this.max ? null : { min: new Date(this.min).toISOString(), max: new Date(this.max).toISOString() };
  }
}

/** Adds to `examples` the first rejected line of each reason code not in it yet. */
function addExamples(examples: RejectExample[], rejects: Table): void {
  const lines = rejects.getChild(REJECTS.sourceLine);
  const reasons = rejects.getChild(REJECTS.reason);
  const raws = rejects.getChild(REJECTS.raw);
  if (lines === null || reasons === null || raws === null) return;
  const code = (reason: string) => reason.split(':', 1)[0];
  const seen = new Set(examples.map((x) => code(x.reason)));
  for (let i = 0; i < rejects.numRows; i++) {
    const reason = reasons.get(i) as string;
    if (seen.has(code(reason))) continue;
    seen.add(code(reason));
    const raw = raws.get(i) as string;
    // Never cut a surrogate pair in two.
    const keep = raw.length <= EXAMPLE_CHARS ? raw.length : EXAMPLE_CHARS - (/[\uD800-\uDBFF]/.test(raw[EXAMPLE_CHARS - 1]) ? 1 : 0);
    examples.push(keep === raw.length
      ? { line: lines.get(i) as number, reason, raw }
      : { line: lines.get(i) as number, reason, raw: raw.slice(0, keep), omittedChars: raw.length - keep });
  }
}
