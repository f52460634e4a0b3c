/** The formats an export is written in (`exports.ts`), apart from the rest of the catalog so that the CLI's flags can name them without loading it. */
/** Export formats; each is also its file extension. */
export const EXPORT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;

/** An export format: CSV with header, Parquet (zstd) or JSON Lines. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
