/**
 * Public API of the ingest stage. The pure stage is `ingestObject` (raw bytes,
 * lzop, gzip, zstd or uncompressed → typed batches; `decompress` is its first
 * layer, `typeCsv` its part after decompression); `ingestAll` is its edge over
 * the catalog (`lib/catalog`), optionally spreading objects over worker threads
 * (`IngestWorkerPool`); `validateObject` and `validateRaw` its dry run on a sample
 * (`berserkr validate`); `createLzoRegistry` is the lzop codec registry with the
 * bounds-checked LZO1X decoder (`lzo1x.ts`).
 */
export { CodecRegistry, LZOP_METHOD } from './codec';
export type { BlockCodec } from './codec';
export { Lzo1xError, createLzoRegistry, decompressLzo1x, lzo1x } from './lzo1x';
export { DEFAULT_MAX_BLOCK_SIZE, LzopFormatError, readLzop } from './lzop';
export type { LzopHeader, LzopReadOptions } from './lzop';
export { CompressedDataError, CompressionMismatchError, SNIFF_BYTES, checkMagic, sniffFormat } from './compression';
export { GZIP_CHUNK_BYTES, readGzip } from './gzip';
export { DEFAULT_MAX_ZSTD_WINDOW, DEFAULT_ZSTD_DECODE_TIMEOUT_MS, readZstd } from './zstd';
export type { ZstdReadOptions } from './zstd';
export { decompress } from './decompress';
export type { DecompressOptions } from './decompress';
export { TextEncodingError, firstInvalidUtf8, latin1ToUtf8, toUtf8 } from './text';
export type { TextEncoding } from './text';
export { CsvRecordTooLongError, fieldText, parseCsv, recordText } from './csv';
export { parseDecimal, parseInt32 } from './numbers';
export { FieldTransform } from './transform';
export type { CsvOptions, CsvRecordBatch } from './csv';
export { TimeFormatError, compileBytesTimeFormat, compileTimeFormat } from './time';
export type { BytesTimeParser, TimeParser } from './time';
export { HeaderMismatchError, RecordTyper, TIME_SAMPLE_LINES, UnreadableTimesError, resolveLayout } from './typing';
export { ExtraColumnsWriter } from './extra-columns';
export type { ColumnLayout, IngestCounts, TypedBatch } from './typing';
export { REJECTS_SCHEMA, cleanSchema } from './columns';
export { EmptyObjectError, UncheckedContentError, UnsupportedCompressionError, ingestObject, objectCompression, typeCsv } from './ingest';
export type { IngestOptions, TypeCsvOptions } from './ingest';
export { encodeBatches } from './parts';
export type { EncodedBatch } from './parts';
export { IngestWorkerError, IngestWorkerPool } from './pool';
export { DEFAULT_MAX_REJECT_RATIO, MIN_BUDGET_LINES, RejectBudgetError, RunRejectBudgetError, rejectAllowance, rejectBudget, runRejectBudget, unreadableLines } from './reject-budget';
export { INGEST_RULES } from './rules';
export { summarizeValidation, validateObject } from './validate';
export { DEFAULT_SAMPLE_LINES } from './validate-sample';
export type { ObjectValidation, RejectExample, ValidateOptions, ValidationSummary } from './validate';
export { validateRaw } from './validate-raw';
export type { ValidateRawOptions } from './validate-raw';
export { ingestAll } from './run';
export type { IngestAllOptions, IngestAllResult, IngestEvent } from './run';
