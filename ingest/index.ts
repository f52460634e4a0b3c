/**
 * Public API of the ingest stage. The pure stage is `ingestObject`; `ingestAll`
 * and `readClean` are its store edge; `createNativeLzoRegistry` binds the native
 * LZO1X decoder at the edge (nothing else imports it).
 */
export { CodecRegistry, LZOP_METHOD } from './codec';
export type { BlockCodec } from './codec';
export { createNativeLzoRegistry, nativeLzo1x } from './lzo-native';
export { DEFAULT_MAX_BLOCK_SIZE, LzopFormatError, readLzop } from './lzop';
export type { LzopHeader, LzopReadOptions } from './lzop';
export { decodeText } from './text';
export type { TextEncoding } from './text';
export { CsvRecordTooLongError, parseCsv } from './csv';
export type { CsvOptions, CsvRecordBatch } from './csv';
export { TimeFormatError, compileTimeFormat } from './time';
export type { TimeParser } from './time';
export { HeaderMismatchError, RecordTyper, resolveLayout } from './typing';
export type { ColumnLayout, IngestCounts, TypedBatch } from './typing';
export { REJECTS_SCHEMA, cleanSchema } from './columns';
export { EmptyObjectError, ingestObject } from './ingest';
export type { IngestOptions } from './ingest';
export { LedgerError, configHash, ingestAll, readClean, readLedger } from './run';
export type { IngestAllOptions, IngestAllResult, Ledger, LedgerEntry } from './run';
