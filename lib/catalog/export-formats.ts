/** The formats an export is written in (`exports.ts`), apart from the rest of the catalog so that the CLI's flags can name them without loading it. */
/** Export formats; each is also its file extension. */
export const EXPORT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;

/** An export format: CSV with header, Parquet (zstd) or JSON Lines. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The format every export holds whatever `--format` asks: its canonical file, `top-k.parquet`,
 * which `export`, `evaluate` and `report` read the lists back from.
 */
export const CANONICAL_FORMAT = 'parquet' satisfies ExportFormat;

/**
 * The formats an export is written in: those asked for, in their order, then the
 * {@link CANONICAL_FORMAT} when they do not name it.
 * @example exportFormats(['jsonl']) // ['jsonl', 'parquet']
 */
export function exportFormats(asked: readonly ExportFormat[]): ExportFormat[] {
  return asked.includes(CANONICAL_FORMAT) ? [...asked] : [...asked, CANONICAL_FORMAT];
}
