/**
 * The ingest stage, pure (no store I/O): one raw lzop CSV object's bytes →
 * batches of clean transactions and rejects as Arrow tables, with line counts.
 * Layers, all over bytes: raw bytes → lzop blocks (`lzop.ts`) → UTF-8 bytes
 * (`text.ts`) → CSV records as byte ranges (`csv.ts`) → typed columns and
 * rejects (`typing.ts`).
 */
import { DatasetConfig } from '../lib/config-types';
import { CodecRegistry } from './codec';
import { fieldText, parseCsv } from './csv';
import { readLzop } from './lzop';
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

export interface IngestOptions {
  /** lzop block codecs by method id (e.g. `createLzoRegistry()` from `lzo1x.ts`). */
  codecs: CodecRegistry;
  /** Lines (clean + rejected) per yielded batch (the last may hold fewer), 250,000 by default. */
  batchLines?: number;
  /** Largest lzop block accepted, bytes (decompression-bomb guard); `DEFAULT_MAX_BLOCK_SIZE` (1 MiB, `lzop.ts`) by default. */
  maxBlockSize?: number;
  /** Longest CSV record accepted, bytes; 1 MiB by default. */
  maxRecordBytes?: number;
}

/**
 * Ingests one raw object: decompresses the lzop container, parses the CSV,
 * matches its header against `config`, and types each data line into the clean
 * contract or a reject. Streams: memory is bounded by one lzop block, one batch of
 * `batchLines` lines, the longest record and the duplicate-detection table (24–48
 * bytes per distinct line, `line-set.ts`).
 *
 * @param objectKey the raw object's key (lineage `source_object`, and named in errors).
 * @param chunks the raw object's bytes.
 * @returns an async generator of batches `{ clean, rejects }` of `batchLines` lines
 *   together (the last fewer; either table may be empty), whose return value is
 *   the object's {@link IngestCounts} with `read = clean + rejected`.
 * @throws LzopFormatError for a corrupt container, HeaderMismatchError when the
 *   header does not fit `config`, EmptyObjectError when there is no header line,
 *   CsvRecordTooLongError when a record is longer than `maxRecordBytes`.
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
  const blocks = readLzop(chunks, { objectKey, codecs: options.codecs, maxBlockSize: options.maxBlockSize });
  return yield* typeCsv(objectKey, blocks, config, options);
}

/** Options of {@link typeCsv}: those of {@link IngestOptions} past the lzop layer. */
export type TypeCsvOptions = Pick<IngestOptions, 'batchLines' | 'maxRecordBytes'>;

/**
 * The stage after decompression: the decompressed CSV bytes of one object (in the
 * configured encoding, chunks of any size) → batches of clean and rejected lines.
 * Same batches, counts and errors as {@link ingestObject} apart from the lzop ones;
 * it runs in ingest worker threads (`worker.ts`) as well as in-process.
 * @param objectKey the raw object's key (lineage and errors).
 * @param blocks the decompressed CSV bytes, e.g. `readLzop(...)`.
 * @returns batches of `batchLines` lines (the last fewer); the return value is the counts.
 * @throws HeaderMismatchError, EmptyObjectError, CsvRecordTooLongError as {@link ingestObject}.
 */
export async function* typeCsv(
  objectKey: string,
  blocks: AsyncIterable<Uint8Array>,
  config: DatasetConfig,
  options: TypeCsvOptions,
): AsyncGenerator<TypedBatch, IngestCounts> {
  const batchLines = options.batchLines ?? 250_000;
  const records = parseCsv(toUtf8(blocks, config.csv.encoding), { delimiter: config.csv.delimiter, maxRecordBytes: options.maxRecordBytes, source: objectKey });
  let typer: RecordTyper | undefined;
  // Column buffers start small and grow: most objects hold far fewer lines than a batch.
  const capacity = Math.min(batchLines, 1 << 14);
  if (!config.csv.header) typer = new RecordTyper(objectKey, config, resolveLayout(config.csv.columns!, config, objectKey), capacity);
  for await (const batch of records) {
    let from = 0;
    if (typer === undefined) {
      const header: string[] = [];
      for (let f = batch.fieldStart[0]; f < batch.fieldStart[1]; f++) header.push(fieldText(batch, f));
      const layout: ColumnLayout = resolveLayout(header, config, objectKey);
      typer = new RecordTyper(objectKey, config, layout, capacity);
      from = 1;
    }
    while (from < batch.count) {
      const to = Math.min(batch.count, from + batchLines - typer.size);
      typer.add(batch, from, to);
      from = to;
      if (typer.size >= batchLines) yield typer.take();
    }
  }
  if (typer === undefined) throw new EmptyObjectError(objectKey);
  if (typer.size > 0) yield typer.take();
  return typer.counts;
}
