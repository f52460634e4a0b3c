/**
 * Data-set configuration (YAML in `config/`, validated by `lib/config.ts`).
 * Any transaction CSV fits by configuration alone: which raw columns are the
 * customer, item, time, quantity, price and order, and which lines are purchases.
 */

/**
 * How raw objects are compressed (`csv.compression`): `auto` by the extension of
 * each key (`.lzo` lzop, `.gz` gzip, `.zst` zstd, any other none), or one for all.
 */
export type CompressionSetting = 'auto' | 'lzop' | 'gzip' | 'zstd' | 'none';

/** A data set's `name`: lower-case letters, digits, ".", "_" or "-", first a letter or digit (it names lake prefixes). */
export const DATASET_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Time formats named by a keyword rather than tokens (`columns.time.format`; see `ingest/time.ts`). */
export const TIME_FORMAT_KEYWORDS = ['ISO8601', 'epoch_s', 'epoch_ms'] as const;

/** How a raw text value becomes a canonical value. */
export type TextTransform = 'none' | 'upper' | 'lower' | 'trim';

export interface ColumnMapping {
  /** Raw CSV header name. */
  column: string;
  /** Missing (empty) value makes the line a reject when true. */
  required: boolean;
  /** Applied to utf8 values after trimming nothing else. */
  transform: TextTransform;
}

export interface TimeMapping extends ColumnMapping {
  /**
   * Format of the timestamp: a token format, e.g. `M/D/YYYY H:mm`, `DD-MM-YYYY`,
   * `YYYY-MM-DDTHH:mm:ss` (tokens YYYY, M/MM (month), D/DD (day), H/HH (hour 0-23),
   * m/mm (minute), s/ss (second); any other character must match literally), or a
   * keyword: `ISO8601` (date or date-time, optional fraction and offset), `epoch_s`
   * or `epoch_ms` (Unix time in seconds or milliseconds). See `ingest/time.ts`.
   */
  format: string;
  /** IANA zone of wall-clock times (those without an offset), e.g. `UTC`, `Europe/London`; epoch times ignore it. */
  timezone: string;
}

/** A purchase rule over canonical columns; a line is a purchase when all rules hold. */
export type PurchaseRule =
  | { column: string; op: 'present' }
  | { column: string; op: 'gt' | 'ge' | 'lt' | 'le'; value: number }
  | { column: string; op: 'starts_with' | 'not_starts_with'; value: string }
  | { column: string; op: 'matches' | 'not_matches'; value: string };

export interface DatasetConfig {
  /** Data-set name, used in lake prefixes: `clean/<name>/`. */
  name: string;
  raw: {
    /**
     * Glob (picomatch syntax) over raw keys relative to the raw location, matched
     * case-insensitively: the objects ingest takes. Default `**\/*.csv*`.
     */
    pattern: string;
  };
  csv: {
    /** How raw objects are compressed; `auto` (the default) by each key's extension. */
    compression: CompressionSetting;
    delimiter: string;
    /** `utf-8`, `latin1` (ISO-8859-1), `windows-1252` or `utf-16le`. */
    encoding: 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le';
    /** Header line present (the header is matched against the mapping). */
    header: boolean;
    /** What to do with exact duplicate lines within an object: keep all, or reject later copies. */
    duplicates: 'keep' | 'reject';
    /**
     * Raw column names in file order. Required when `header` is false (the file has
     * no header line); when `header` is true and this is given, the header must equal it.
     */
    columns?: string[];
    /**
     * Header columns the configuration does not name: `keep` (the default) carries
     * them into clean tables as one JSON object per line (column `extra_columns`),
     * `ignore` drops them, `fail` fails the object (HeaderMismatchError).
     */
    extra_columns: 'keep' | 'ignore' | 'fail';
    /** How header names are matched to configured names, after trimming both: `sensitive` (the default) or `insensitive` to case. */
    header_case: 'sensitive' | 'insensitive';
    /** Decimal separator of quantities and prices: `,`, or `.` when absent (never spelt `.`, so the configuration hash does not change). */
    decimal_separator?: ',';
    /** Thousands separator of quantities and prices, grouping the integer part by three digits; none when absent. */
    thousands_separator?: ',' | '.' | ' ' | "'";
  };
  columns: {
    customer: ColumnMapping;
    item: ColumnMapping;
    time: TimeMapping;
    quantity?: ColumnMapping;
    price?: ColumnMapping;
    order?: ColumnMapping;
    /** Other raw columns kept as utf8 under their raw names (lower snake case). */
    keep: string[];
    /** Raw columns present in the file and deliberately dropped (so the header still matches). */
    ignore?: string[];
  };
  /** Rules over canonical columns (customer_id, item_id, quantity, unit_price, order_id). */
  purchase: PurchaseRule[];
}
