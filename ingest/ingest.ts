/**
 * The ingest stage, pure (no store I/O): one raw CSV object's bytes → batches of
 * clean transactions and rejects as Arrow tables, with line counts. Layers, all
 * over bytes: raw bytes → decompressed bytes (lzop, gzip, zstd or none,
 * `decompress.ts`) → UTF-8 bytes (`text.ts`) → CSV records as byte ranges
 * (`csv.ts`) → typed columns and rejects (`typing.ts`).
 */
import { DatasetConfig } from '../lib/config-types';
import { Compression, ObjectCompression, compressionOf } from '../lib/catalog/raw-objects';
import { CsvRecordBatch, fieldText, parseCsv } from './csv';
import { DecompressOptions, decompress } from './decompress';
import { DEFAULT_MAX_REJECT_RATIO } from './reject-budget';
import { toUtf8 } from './text';
import { ColumnLayout, IngestCounts, RecordTyper, TypedBatch, resolveLayout } from './typing';

export type { IngestCounts, TypedBatch } from './typing';

/** The object has no header line although the configuration says it has one. */
export class EmptyObjectError extends Error {
  constructor(readonly objectKey: string) {
    super(`${objectKey}: no header line: the decompressed CSV is empty (expected a header)`);
    this.name = 'EmptyObjectError';
  }
}

/** A raw object whose compression ingest does not read (`compressionOf`). */
export class UnsupportedCompressionError extends Error {
  constructor(readonly objectKey: string, readonly reason: string) {
    super(`${objectKey}: ${reason}`);
    this.name = 'UnsupportedCompressionError';
  }
}

/** Why an object of each compression can come with no checksum of its content. */
const UNCHECKED: Readonly<Record<Compression, string>> = {
  none: 'an uncompressed object has none',
  lzop: 'the lzop file carries no checksum of its decompressed blocks, as lzop -F writes it',
  gzip: 'a gzip member always has one',
  zstd: 'a zstd frame carries no content checksum, as zstd --no-check writes it',
};

/** An object that no checksum covers while checksums are required (`ingestAll`'s `requireChecksum`). */
export class UncheckedContentError extends Error {
  constructor(readonly objectKey: string, readonly compression: Compression) {
    super(`${objectKey}: no checksum covers its content (${UNCHECKED[compression]}), and checksums are required: a changed byte in it could not be noticed`);
    this.name = 'UncheckedContentError';
  }
}

/**
 * Rows (clean and rejected records) per typed batch and Parquet part by default; with an
 * encoder thread two batches are in memory at once, one read and one encoded
 * (the choice: `docs/ingest-threads.md`).
 */
export const DEFAULT_BATCH_LINES = 125_000;

export interface IngestOptions extends DecompressOptions {
  /** Rows (clean and rejected records) per yielded batch (the last may hold fewer), {@link DEFAULT_BATCH_LINES} by default. */
  batchLines?: number;
  /** Longest CSV record accepted, bytes; 1 MiB by default. */
  maxRecordBytes?: number;
  /**
   * The object's reject budget (`reject-budget.ts`), `DEFAULT_MAX_REJECT_RATIO` by
   * default. Here it sets how many of the object's first times may not parse
   * before it fails at once ({@link typeCsv}); the budget itself is checked on the counts.
   */
  maxRejectRatio?: number;
}

/**
 * How raw object `objectKey` is read under `config` (`csv.compression`, by extension under `auto`).
 * @throws UnsupportedCompressionError for the extension of a compression ingest does not read.
 */
export function objectCompression(objectKey: string, config: DatasetConfig): ObjectCompression {
  const how = compressionOf(objectKey, config.csv.compression);
  if ('unsupported' in how) throw new UnsupportedCompressionError(objectKey, how.unsupported);
  return how;
}

/**
 * Ingests one raw object: decompresses it as `csv.compression` says (by its key's
 * extension under `auto`), parses the CSV, matches its header against `config`,
 * and types each data line into the clean contract or a reject. Streams: memory
 * is bounded by one decompressed block or chunk (`decompress`), one batch of
 * `batchLines` lines, the longest record and the duplicate-detection table (24–48
 * bytes per distinct line, `line-set.ts`).
 *
 * @param objectKey the raw object's key (lineage `source_object`, and named in errors).
 * @param chunks the raw object's bytes.
 * @returns an async generator of batches `{ clean, rejects }` of `batchLines` rows
 *   together (the last fewer; either table may be empty), whose return value is
 *   the object's {@link IngestCounts}, in physical lines, with `read = clean + rejected`.
 * @throws UnsupportedCompressionError, CompressionMismatchError when the bytes
 *   are not of the compression they are read with, LzopFormatError or
 *   CompressedDataError for corrupt compressed data, and the errors of {@link typeCsv}.
 * @example
 * const it = ingestObject(key, store.getStream(key), config, { codecs });
 * for (let r = await it.next(); !r.done; r = await it.next()) write(r.value);
 * // r.value is now the counts
 */
export async function* ingestObject(
  objectKey: string,
  chunks: AsyncIterable<Uint8Array>,
  config: DatasetConfig,
  options: IngestOptions,
): AsyncGenerator<TypedBatch, IngestCounts> {
  const bytes = decompress(objectKey, chunks, objectCompression(objectKey, config), options);
  return yield* typeCsv(objectKey, bytes, config, options);
}

/** Options of {@link typeCsv}: those of {@link IngestOptions} past the decompression layer. */
export type TypeCsvOptions = Pick<IngestOptions, 'batchLines' | 'maxRecordBytes' | 'maxRejectRatio'> & {
  /**
   * Data lines to read at most (a sample, `berserkr validate`): reading stops with the
   * record that reaches them (a record spanning several lines is read whole, so the
   * counts may pass them), and the counts are those of the lines read. When that
   * record ends a batch of parsed records, the next batch is parsed, so that an object
   * ending there is read to its end (`berserkr validate` then calls it whole); nothing
   * further is read or decompressed. All by default.
   */
  maxLines?: number;
  /** Latest time accepted, ms since the epoch; a later one is a `future_time` reject (`latestAcceptedTime` of `typing.ts`). None by default. */
  notAfter?: number;
};

/**
 * The stage after decompression: the decompressed CSV bytes of one object (in the
 * configured encoding, chunks of any size) → batches of clean and rejected lines.
 * Same batches, counts and errors as {@link ingestObject} apart from the
 * decompression ones; it runs in ingest worker threads (`worker.ts`) as well as in-process.
 *
 * A time format that does not fit fails the object at once: when more than half
 * of its first `TIME_SAMPLE_LINES` (1,000) times do not parse, and that share is
 * over `maxRejectRatio` too (so a budget of 1 takes every line as it is), the
 * object fails with UnreadableTimesError quoting the first lines it could not
 * read, instead of rejecting the rest line by line. A smaller object is read whole
 * and left to the reject budgets.
 * @param objectKey the raw object's key (lineage and errors).
 * @param blocks the decompressed CSV bytes, e.g. `decompress(...)`.
 * @param onLayout called once with the column layout and the column names it was
 *   resolved from (the header line, or `csv.columns` without one), before any line is typed.
 * @returns batches of `batchLines` rows (the last fewer); the return value is the counts ({@link IngestCounts}, in physical lines).
 * @throws HeaderMismatchError when the header does not fit `config`, EmptyObjectError
 *   when there is no header line, CsvRecordTooLongError when a record is longer than
 *   `maxRecordBytes`, UnreadableTimesError as above.
 */
export async function* typeCsv(
  objectKey: string,
  blocks: AsyncIterable<Uint8Array>,
  config: DatasetConfig,
  options: TypeCsvOptions,
  onLayout?: (layout: ColumnLayout, header: readonly string[]) => void,
): AsyncGenerator<TypedBatch, IngestCounts> {
  const batchLines = options.batchLines ?? DEFAULT_BATCH_LINES;
  const maxLines = options.maxLines ?? Infinity;
  const records = parseCsv(toUtf8(blocks, config.csv.encoding, objectKey), { delimiter: config.csv.delimiter, maxRecordBytes: options.maxRecordBytes, source: objectKey });
  let typer: RecordTyper | undefined;
  // Column buffers start small and grow: most objects hold far fewer lines than a batch.
  const capacity = Math.min(batchLines, maxLines, 1 << 14);
  const maxUnreadableTimes = Math.max(0.5, options.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO);
  const start = (header: readonly string[]): RecordTyper => {
    const layout: ColumnLayout = resolveLayout(header, config, objectKey);
    onLayout?.(layout, header);
    return new RecordTyper(objectKey, config, layout, capacity, maxUnreadableTimes, options.notAfter);
  };
  if (!config.csv.header) typer = start(config.csv.columns!);
  for await (const batch of records) {
    if (typer !== undefined && typer.counts.read >= maxLines) break; // closes the CSV, text and decompression layers and the raw stream
    let from = 0;
    if (typer === undefined) {
      const header: string[] = [];
      for (let f = batch.fieldStart[0]; f < batch.fieldStart[1]; f++) header.push(fieldText(batch, f));
      typer = start(header);
      from = 1;
    }
    while (from < batch.count && typer.counts.read < maxLines) {
      const to = recordsReaching(batch, from, Math.min(batch.count, from + batchLines - typer.size), maxLines - typer.counts.read);
      typer.add(batch, from, to);
      from = to;
      if (typer.size >= batchLines) yield typer.take();
    }
    if (from < batch.count) break; // the sample ends inside this batch: as above
  }
  if (typer === undefined) throw new EmptyObjectError(objectKey);
  if (typer.size > 0) yield typer.take();
  return typer.counts;
}

/** The end of the records of `batch` from `from`, before `to`, up to the one that brings their lines to `lines` (all for Infinity). */
function recordsReaching(batch: CsvRecordBatch, from: number, to: number, lines: number): number {
  let r = from;
  for (let left = lines; r < to && left > 0; r++) left -= batch.lineCount[r];
  return r;
}
