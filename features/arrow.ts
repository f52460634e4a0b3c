/**
 * FeatureSet ⇄ Arrow table, the at-rest form of features
 * (`features/<dataset>/<as-of>/`, Parquet through `lib/parquet.ts`).
 *
 * Columns: `customer_id`, `item_id` (utf8 external ids), `customer`, `item`
 * (int32 dense ids), one float32 column per feature in `names` order, and
 * `label` (uint8) when known. The cut-off is the schema metadata
 * `berserkr.cutoff` (ms since the epoch, decimal).
 */
import { Data, Field, Float32, Int32, makeData, RecordBatch, Schema, Struct, Table, Type, Uint8, Utf8 } from 'apache-arrow';
import { FeatureColumnError, FeatureContractError } from './errors';
import type { FeatureSet, PurchaseEvents } from './types';

/** Schema metadata key holding the cut-off. */
export const CUTOFF_METADATA_KEY = 'berserkr.cutoff';

const KEY_COLUMNS = { customerId: 'customer_id', itemId: 'item_id', customer: 'customer', item: 'item', label: 'label' } as const;

/** A utf8 column holding `dictionary[index[row]]`, each distinct string encoded once. */
function utf8Column(dictionary: readonly string[], index: Int32Array): Data<Utf8> {
  const encoder = new TextEncoder();
  const encoded = dictionary.map((s) => encoder.encode(s));
  const valueOffsets = new Int32Array(index.length + 1);
  for (let r = 0; r < index.length; r++) valueOffsets[r + 1] = valueOffsets[r] + encoded[index[r]].length;
  const data = new Uint8Array(valueOffsets[index.length]);
  for (let r = 0; r < index.length; r++) data.set(encoded[index[r]], valueOffsets[r]);
  return makeData({ type: new Utf8(), length: index.length, nullCount: 0, valueOffsets, data });
}

/**
 * Converts a feature set to one Arrow table (one record batch) for storage.
 * @param fs the feature set (n rows, names.length features).
 * @param events the purchase events whose dense ids `fs` uses, for the external ids.
 * @returns table with n rows and 4 + names.length (+ 1 with labels) columns.
 * @throws FeatureContractError when a dense id has no external id or `values` has the wrong length.
 */
export function featureSetToTable(fs: FeatureSet, events: PurchaseEvents): Table {
  const width = fs.names.length;
  if (fs.values.length !== fs.n * width) {
    throw new FeatureContractError('FeatureSet.values', `expected n × names = ${fs.n} × ${width} = ${fs.n * width} values, found ${fs.values.length}`);
  }
  for (let r = 0; r < fs.n; r++) {
    if (!(fs.customer[r] >= 0 && fs.customer[r] < events.customerIds.length)) {
      throw new FeatureContractError('FeatureSet.customer', `row ${r}: expected an id in [0, ${events.customerIds.length}), found ${fs.customer[r]}`);
    }
    if (!(fs.item[r] >= 0 && fs.item[r] < events.itemIds.length)) {
      throw new FeatureContractError('FeatureSet.item', `row ${r}: expected an id in [0, ${events.itemIds.length}), found ${fs.item[r]}`);
    }
  }
  const fields: Field[] = [
    new Field(KEY_COLUMNS.customerId, new Utf8(), false),
    new Field(KEY_COLUMNS.itemId, new Utf8(), false),
    new Field(KEY_COLUMNS.customer, new Int32(), false),
    new Field(KEY_COLUMNS.item, new Int32(), false),
  ];
  const children: Data[] = [
    utf8Column(events.customerIds, fs.customer),
    utf8Column(events.itemIds, fs.item),
    makeData({ type: new Int32(), length: fs.n, nullCount: 0, data: fs.customer }),
    makeData({ type: new Int32(), length: fs.n, nullCount: 0, data: fs.item }),
  ];
  fs.names.forEach((name, k) => {
    const column = new Float32Array(fs.n);
    for (let r = 0; r < fs.n; r++) column[r] = fs.values[r * width + k];
    fields.push(new Field(name, new Float32(), false));
    children.push(makeData({ type: new Float32(), length: fs.n, nullCount: 0, data: column }));
  });
  if (fs.label !== undefined) {
    fields.push(new Field(KEY_COLUMNS.label, new Uint8(), false));
    children.push(makeData({ type: new Uint8(), length: fs.n, nullCount: 0, data: fs.label }));
  }
  const schema = new Schema(fields, new Map([[CUTOFF_METADATA_KEY, String(fs.cutoff)]]));
  const struct = makeData({ type: new Struct(fields), length: fs.n, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

/** A column of the given Arrow type as a fresh typed array (handles several chunks). */
function readTyped<T extends Int32Array | Float32Array | Uint8Array>(
  table: Table,
  name: string,
  typeId: Type,
  make: (n: number) => T,
  expected: string,
): T {
  const vector = table.getChild(name);
  if (vector === null) throw new FeatureColumnError(name, expected, 'absent');
  if (vector.type.typeId !== typeId || vector.type.toString() !== expected) throw new FeatureColumnError(name, expected, String(vector.type));
  if (vector.nullCount > 0) throw new FeatureColumnError(name, `${expected} without nulls`, `${vector.nullCount} nulls`);
  const out = make(table.numRows);
  let at = 0;
  for (const chunk of vector.data) {
    out.set(chunk.values.subarray(0, chunk.length) as T, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Reads a feature set back from the table of {@link featureSetToTable} (also after a
 * Parquet round trip). Every float32 column other than the key columns is a
 * feature, in schema order.
 * @param table the stored feature table.
 * @returns the feature set with `label` when the table has one.
 * @throws FeatureContractError when the cut-off metadata is absent or not a number.
 * @throws FeatureColumnError when `customer`/`item` are not int32, `label` not uint8,
 *   a feature column not float32, or a column holds nulls.
 */
export function tableToFeatureSet(table: Table): FeatureSet {
  const raw = table.schema.metadata.get(CUTOFF_METADATA_KEY);
  const cutoff = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(cutoff)) {
    throw new FeatureContractError(`schema metadata "${CUTOFF_METADATA_KEY}"`, `expected ms since the epoch, found ${JSON.stringify(raw ?? null)}`);
  }
  const n = table.numRows;
  const keys = new Set<string>(Object.values(KEY_COLUMNS));
  const names = table.schema.fields.map((f) => f.name).filter((name) => !keys.has(name));
  const values = new Float32Array(n * names.length);
  names.forEach((name, k) => {
    const column = readTyped(table, name, Type.Float, (m) => new Float32Array(m), 'Float32');
    for (let r = 0; r < n; r++) values[r * names.length + k] = column[r];
  });
  const fs: FeatureSet = {
    cutoff,
    n,
    customer: readTyped(table, KEY_COLUMNS.customer, Type.Int, (m) => new Int32Array(m), 'Int32'),
    item: readTyped(table, KEY_COLUMNS.item, Type.Int, (m) => new Int32Array(m), 'Int32'),
    names,
    values,
  };
  if (table.getChild(KEY_COLUMNS.label) !== null) {
    fs.label = readTyped(table, KEY_COLUMNS.label, Type.Int, (m) => new Uint8Array(m), 'Uint8');
  }
  return fs;
}
