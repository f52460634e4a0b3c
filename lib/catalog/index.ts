/**
 * Public API of the catalog (`catalog.ts`): the {@link Catalog} of a lake and
 * data set, the raw objects of a raw store, the types of the data sets' records,
 * and the errors they throw. Each data set's schema is in its own file.
 */
export type { BacktestRecord } from './backtests';
export type { BlendRecord } from './blends';
export type { Champion } from './champion';
export { Catalog } from './catalog';
export { DatasetError, DatasetExistsError, DatasetFormatError, DatasetNotFoundError, IngestPartError, LakeLayoutError, MISSING_PARTS_REMEDY, MixedConfigurationError, NotInLakeError } from './errors';
export { CANONICAL_FORMAT, EXPORT_FORMATS, exportFormats } from './export-formats';
export type { ExportFormat } from './export-formats';
export type { ExportFile, ExportMetadata } from './exports';
export type { BaselineFallbackRecord } from './fallbacks';
export type { IngestParts } from './ingest-parts';
export { checkLakeLayout, lakeDatasets, LEGACY_KEYS } from './layout';
export { configurationGroups } from './ledger';
export type { ContentChecksum, Ledger, LedgerEntry } from './ledger';
export { PipelineLock } from './lock';
export type { LockOwner, LockRecord } from './lock';
export type { ModelCard } from './model-card';
export { ModelCardSchema } from './model-card';
export { MODEL_ID_PATTERN, modelIdsIn } from './models';
export type { ModelManifest, Models } from './models';
export { checkAttemptId } from './object-outputs';
export { RawObjects, compressionOf, extensionOf, selectRawObjects, skipReason } from './raw-objects';
export type { Compression, ObjectCompression, RawSelection, SkippedObject } from './raw-objects';
export { assertRunId, InvalidRunIdError, runIdsIn } from './run-id';
export { RunRecords } from './run-records';
export type { RunRecord } from './run-records';
export { shardName } from './shards';
export type { Shard, ShardMarker } from './shards';
export { objectUri } from './uri';
