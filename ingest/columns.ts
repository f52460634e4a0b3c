/**
 * Typed columns → Arrow: the schemas of the clean and rejects contracts
 * (`design.md`, `lib/schema.ts`) and zero-row-object builders from typed arrays
 * and string arrays to Arrow `Data` (Utf8, Int32, Float64, TimestampMillisecond),
 * and a Utf8 builder over byte ranges.
 */
import { Data, Field, Float64, Int32, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Utf8, makeData } from 'apache-arrow';
import { EXTRA_COLUMNS, keptColumnName } from '../lib/config';
import { DatasetConfig } from '../lib/config-types';
import { CLEAN, REJECTS } from '../lib/schema';

/**
 * Schema of clean transactions for a data set: `customer_id` utf8 (nullable),
 * `item_id` utf8, `event_time` timestamp[ms, UTC], `quantity` int32, `unit_price`
 * float64, `order_id` utf8 (the last three nullable: absent when the data set has
 * none), then each kept column as nullable utf8 under its snake-case name, then
 * with `csv.extra_columns: keep` the nullable utf8 `extra_columns` (a JSON object of
 * the header columns the configuration does not name, null when the object has
 * none), then lineage `source_object` utf8 and `source_line` int32.
 */
export function cleanSchema(config: DatasetConfig): Schema {
  return new Schema([
    new Field(CLEAN.customerId, new Utf8(), true),
    new Field(CLEAN.itemId, new Utf8(), false),
    new Field(CLEAN.eventTime, new TimestampMillisecond('UTC'), false),
    new Field(CLEAN.quantity, new Int32(), true),
    new Field(CLEAN.unitPrice, new Float64(), true),
    new Field(CLEAN.orderId, new Utf8(), true),
    ...config.columns.keep.map((c) => new Field(keptColumnName(c), new Utf8(), true)),
    ...(config.csv.extra_columns === 'keep' ? [new Field(EXTRA_COLUMNS, new Utf8(), true)] : []),
    new Field(CLEAN.sourceObject, new Utf8(), false),
    new Field(CLEAN.sourceLine, new Int32(), false),
  ]);
}

/** Schema of rejects: `source_object` utf8, `source_line` int32, `reason` utf8, `raw` utf8 (the line as read). */
export const REJECTS_SCHEMA = new Schema([
  new Field(REJECTS.sourceObject, new Utf8(), false),
  new Field(REJECTS.sourceLine, new Int32(), false),
  new Field(REJECTS.reason, new Utf8(), false),
  new Field(REJECTS.raw, new Utf8(), false),
]);

/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const floor = Math.floor;

/** Assembles a one-batch table from column data in schema order. */
export function tableFromData(schema: Schema, length: number, columns: Data[]): Table {
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns });
  return new Table(schema, new RecordBatch(schema, struct));
}

/** Arrow validity bitmap (bit i set = value i present, LSB first) from a 0/1 byte per value, or undefined when all are present. */
function validityBitmap(valid: Uint8Array, length: number): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  for (let i = 0; i < length; i++) nulls += valid[i] ^ 1;
  if (nulls === 0) return { bitmap: undefined, nulls };
  const bitmap = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) if (valid[i]) bitmap[i >> 3] |= 1 << (i & 7);
  return { bitmap, nulls };
}

/**
 * Utf8 column from strings (`null` = missing). All values are encoded with one
 * native call; offsets come from character counts when the text is ASCII-only,
 * else from per-value byte lengths.
 */
export function utf8Data(values: readonly (string | null)[], length: number = values.length): Data<Utf8> {
  const offsets = new Int32Array(length + 1);
  let nulls = 0;
  let chars = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v === null) nulls++;
    else chars += v.length;
    offsets[i + 1] = chars;
  }
  // join() writes null as ''.
  const joined = length === values.length ? values.join('') : values.slice(0, length).join('');
  const bytes = Buffer.from(joined, 'utf8');
  if (bytes.length !== joined.length) {
    let at = 0;
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (v !== null) at += Buffer.byteLength(v, 'utf8');
      offsets[i + 1] = at;
    }
  }
  let nullBitmap: Uint8Array | undefined;
  if (nulls > 0) {
    nullBitmap = new Uint8Array((length + 7) >> 3);
    for (let i = 0; i < length; i++) if (values[i] !== null) nullBitmap[i >> 3] |= 1 << (i & 7);
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return makeData({ type: new Utf8(), length, nullCount: nulls, nullBitmap, valueOffsets: offsets, data });
}

/** Utf8 column with one value repeated `length` times (lineage `source_object`). */
export function repeatedUtf8Data(value: string, length: number): Data<Utf8> {
  const one = new TextEncoder().encode(value);
  const w = one.length;
  const data = new Uint8Array(w * length);
  const offsets = new Int32Array(length + 1);
  for (let i = 0; i < length; i++) offsets[i + 1] = (i + 1) * w;
  if (length > 0 && w > 0) {
    // Doubling copies: log2(length) native copies instead of length × w byte writes.
    data.set(one);
    for (let filled = w; filled < data.length; filled *= 2) data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  }
  return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data });
}

/** Int32 column from the first `length` values; `valid[i] = 0` marks a null. */
export function int32Data(values: Int32Array, length: number, valid?: Uint8Array): Data<Int32> {
  const { bitmap, nulls } = valid ? validityBitmap(valid, length) : { bitmap: undefined, nulls: 0 };
  return makeData({ type: new Int32(), length, nullCount: nulls, nullBitmap: bitmap, data: values.slice(0, length) });
}

/** Float64 column from the first `length` values; `valid[i] = 0` marks a null. */
export function float64Data(values: Float64Array, length: number, valid?: Uint8Array): Data<Float64> {
  const { bitmap, nulls } = valid ? validityBitmap(valid, length) : { bitmap: undefined, nulls: 0 };
  return makeData({ type: new Float64(), length, nullCount: nulls, nullBitmap: bitmap, data: values.slice(0, length) });
}

/** All-null column of `type` (a canonical column the data set does not have). */
export function nullData<T extends Int32 | Float64 | Utf8>(type: T, length: number): Data {
  const bitmap = new Uint8Array((length + 7) >> 3);
  if (type instanceof Utf8) {
    return makeData({ type, length, nullCount: length, nullBitmap: bitmap, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) });
  }
  const data = type instanceof Int32 ? new Int32Array(length) : new Float64Array(length);
  return makeData({ type: type as Int32, length, nullCount: length, nullBitmap: bitmap, data: data as Int32Array });
}

/**
 * Timestamp[ms, UTC] column from ms since the epoch held in a Float64Array (exact
 * up to 2^53 ms). Writes the int64 storage as little-endian (low, high) int32 pairs,
 * avoiding a BigInt per value.
 */
export function timestampMsData(ms: Float64Array, length: number): Data<TimestampMillisecond> {
  const words = new Int32Array(2 * length);
  for (let i = 0; i < length; i++) {
    const v = ms[i];
    const hi = floor(v / 4294967296);
    words[2 * i] = (v - hi * 4294967296) | 0;
    words[2 * i + 1] = hi;
  }
  const data = new BigInt64Array(words.buffer);
  return makeData({ type: new TimestampMillisecond('UTC'), length, nullCount: 0, data });
}

/**
 * Builds an Arrow Utf8 column from byte ranges (Arrow columnar format: int32
 * offsets, one data buffer, LSB-first validity bitmap), growing by doubling. No
 * string is created: values are copied from the UTF-8 bytes they were parsed from.
 */
export class Utf8Builder {
  private offsets: Int32Array;
  private data: Uint8Array;
  private valid: Uint8Array;
  private n = 0;
  private nulls = 0;

  /** @param capacity expected values; @param bytesPerValue expected bytes per value. */
  constructor(capacity = 1024, bytesPerValue = 16) {
    this.offsets = new Int32Array(capacity + 1);
    this.data = new Uint8Array(capacity * bytesPerValue);
    this.valid = new Uint8Array(capacity);
  }

  /** Values appended since the last {@link finish}. */
  get length(): number {
    return this.n;
  }

  /** Appends `src[begin, end)` (UTF-8) as one value. */
  append(src: Uint8Array, begin: number, end: number): void {
    const at = this.reserve(end - begin);
    const data = this.data;
    // Short values (the usual case) are copied byte by byte: cheaper than a subarray view and a native copy.
    if (end - begin <= 64) for (let i = begin, o = at; i < end; i++, o++) data[o] = src[i];
    else data.set(src.subarray(begin, end), at);
    this.commit(at + end - begin);
  }

  /** Appends a null. */
  appendNull(): void {
    this.reserve(0);
    this.offsets[this.n + 1] = this.offsets[this.n];
    this.n++;
    this.nulls++;
  }

  /** The column of the values appended so far; the builder starts afresh. */
  finish(): Data<Utf8> {
    const n = this.n;
    const offsets = this.offsets.subarray(0, n + 1);
    const data = this.data.subarray(0, offsets[n]);
    let nullBitmap: Uint8Array | undefined;
    if (this.nulls > 0) {
      nullBitmap = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (this.valid[i]) nullBitmap[i >> 3] |= 1 << (i & 7);
    }
    const column = makeData({ type: new Utf8(), length: n, nullCount: this.nulls, nullBitmap, valueOffsets: offsets, data });
    // The next batch likely resembles this one: start at its size.
    const rows = Math.max(16, n);
    this.offsets = new Int32Array(rows + 1);
    this.data = new Uint8Array(Math.max(16, offsets[n]));
    this.valid = new Uint8Array(rows);
    this.n = 0;
    this.nulls = 0;
    return column;
  }

  /** Makes room for one value of `bytes` bytes; returns where its bytes start. */
  private reserve(bytes: number): number {
    if (this.n + 1 >= this.offsets.length) {
      const offsets = new Int32Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const valid = new Uint8Array(this.valid.length * 2 + 1);
      valid.set(this.valid);
      this.valid = valid;
    }
    const at = this.offsets[this.n];
    if (at + bytes > this.data.length) {
      const data = new Uint8Array(Math.max(this.data.length * 2, at + bytes));
      data.set(this.data.subarray(0, at));
      this.data = data;
    }
    return at;
  }

  private commit(endOffset: number): void {
    this.valid[this.n] = 1;
    this.offsets[++this.n] = endOffset;
  }
}
