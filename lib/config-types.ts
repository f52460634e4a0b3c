/**
 * Data-set configuration (YAML in `config/`, validated by `lib/config.ts`).
 * Any transaction CSV fits by configuration alone: which raw columns are the
 * customer, item, time, quantity, price and order, and which lines are purchases.
 */

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
   * Token format of the timestamp, e.g. `M/D/YYYY H:mm`, `DD-MM-YYYY`, `YYYY-MM-DDTHH:mm:ss`.
   * Tokens: YYYY, M/MM (month), D/DD (day), H/HH (hour 0-23), m/mm (minute), s/ss (second);
   * any other character must match literally.
   */
  format: string;
  /** IANA zone of wall-clock times without an offset, e.g. `UTC`, `Europe/London`. */
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
  csv: {
    delimiter: string;
    /** `utf-8` or `latin1` (ISO-8859-1). */
    encoding: 'utf-8' | 'latin1';
    /** Header line present (the header is matched against the mapping). */
    header: boolean;
    /** What to do with exact duplicate lines within an object: keep all, or reject later copies. */
    duplicates: 'keep' | 'reject';
    /**
     * Raw column names in file order. Required when `header` is false (the file has
     * no header line); when `header` is true and this is given, the header must equal it.
     */
    columns?: string[];
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
