/**
 * Reads Arrow columns into plain typed arrays at the feature engine's edge, so
 * hot loops never touch Arrow vectors or row objects.
 */
import { DataType, Table, Type } from 'apache-arrow';
import { FeatureColumnError } from './errors';

/** Arrow type ids that read as numbers (ints, floats, decimals excluded). */
const NUMERIC = new Set<Type>([Type.Int, Type.Float, Type.Timestamp, Type.Date]);

/** Arrow type ids that read as text. */
const TEXT = new Set<Type>([Type.Utf8, Type.LargeUtf8, Type.Dictionary]);

function typeId(type: DataType): Type {
  return type.typeId;
}

/**
 * True when `column` exists in `table`.
 * @param table any Arrow table.
 * @param column column name.
 */
export function hasColumn(table: Table, column: string): boolean {
  return table.schema.fields.some((f) => f.name === column);
}

/**
 * A numeric column as float64, nulls as NaN. Timestamps and dates read as ms
 * since the Unix epoch (Arrow JS converts every time unit to ms on `get`).
 * @param table the input table, n rows.
 * @param column column name.
 * @returns Float64Array of length n.
 * @throws FeatureColumnError when the column is absent or not Int, Float, Timestamp or Date.
 */
export function readNumbers(table: Table, column: string): Float64Array {
  const vector = table.getChild(column);
  if (vector === null) throw new FeatureColumnError(column, 'a numeric or timestamp column', 'absent');
  if (!NUMERIC.has(typeId(vector.type))) {
    throw new FeatureColumnError(column, 'a numeric or timestamp column', String(vector.type));
  }
  const out = new Float64Array(table.numRows);
  let i = 0;
  for (const v of vector) {
    out[i++] = v === null || v === undefined ? Number.NaN : Number(v);
  }
  return out;
}

/**
 * A text column as strings, nulls as `null`.
 * @param table the input table, n rows.
 * @param column column name.
 * @returns array of length n.
 * @throws FeatureColumnError when the column is absent or not Utf8, LargeUtf8 or a dictionary of them.
 */
export function readTexts(table: Table, column: string): (string | null)[] {
  const vector = table.getChild(column);
  if (vector === null) throw new FeatureColumnError(column, 'a utf8 column', 'absent');
  if (!TEXT.has(typeId(vector.type))) throw new FeatureColumnError(column, 'a utf8 column', String(vector.type));
  const out = new Array<string | null>(table.numRows);
  let i = 0;
  for (const v of vector) out[i++] = v === null || v === undefined ? null : String(v);
  return out;
}

/**
 * True when the column is numeric (Int, Float, Timestamp, Date) in `table`.
 * @param table any Arrow table.
 * @param column an existing column name.
 */
export function isNumericColumn(table: Table, column: string): boolean {
  const vector = table.getChild(column);
  return vector !== null && NUMERIC.has(typeId(vector.type));
}

/**
 * Memoised column reads over one table, so stages that look at the same column
 * twice (purchase rules, then event building) decode it once.
 */
export class ColumnCache {
  private readonly texts = new Map<string, (string | null)[]>();
  private readonly numbers = new Map<string, Float64Array>();

  /** @param table the table every read refers to. */
  constructor(readonly table: Table) {}

  /** {@link readTexts}, memoised. */
  text(column: string): (string | null)[] {
    let v = this.texts.get(column);
    if (v === undefined) {
      v = readTexts(this.table, column);
      this.texts.set(column, v);
    }
    return v;
  }

  /** {@link readNumbers}, memoised. */
  number(column: string): Float64Array {
    let v = this.numbers.get(column);
    if (v === undefined) {
      v = readNumbers(this.table, column);
      this.numbers.set(column, v);
    }
    return v;
  }
}
