/**
 * CSV records → typed columns of the clean contract, plus rejects with reasons.
 * One {@link RecordTyper} per raw object; it holds typed arrays for the lines
 * typed since the last {@link RecordTyper.take}. Values are taken as read apart
 * from the mapping's `transform`; an empty value is null (customer, order,
 * quantity, price when not required; kept columns always).
 *
 * Reject reasons are a stable code, a colon, and a detail quoting the value:
 * | code | when |
 * | --- | --- |
 * | `unterminated_quote` | a quoted field still open at the end of the object |
 * | `bad_encoding` | the line holds bytes that are not valid UTF-8 (decoded as U+FFFD) |
 * | `empty_line` | a line with no text |
 * | `duplicate` | same text as an earlier line of the object (with `csv.duplicates: reject`) |
 * | `field_count` | not as many fields as the header |
 * | `missing_required` | an empty value in a required column (the item and time always are) |
 * | `bad_time` | a time that does not match the configured format or is out of range |
 * | `bad_number` | a quantity that is not an int32 integer, a price that is not a decimal number |
 */
import { Float64, Int32, Schema, Table, Utf8 } from 'apache-arrow';
import { ColumnMapping, DatasetConfig, TextTransform } from '../lib/config-types';
import { REJECTS_SCHEMA, cleanSchema, float64Data, int32Data, nullData, repeatedUtf8Data, tableFromData, timestampMsData, utf8Data } from './columns';
import { CsvRecordBatch } from './csv';
import { LineSet } from './line-set';
import { TimeParser, compileTimeFormat } from './time';

/** The header of an object does not match the data-set configuration. */
export class HeaderMismatchError extends Error {
  constructor(
    readonly objectKey: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly found: readonly string[],
  ) {
    const parts = [
      missing.length ? `missing columns ${missing.map((c) => `"${c}"`).join(', ')}` : '',
      unexpected.length ? `unexpected columns ${unexpected.map((c) => `"${c}"`).join(', ')}` : '',
    ].filter(Boolean);
    super(`${objectKey}: line 1: header does not match the configuration: ${parts.join('; ') || 'columns out of the configured order'}; found header ${JSON.stringify(found.join(','))}`);
    this.name = 'HeaderMismatchError';
  }
}

/** Position of each configured column in a record (−1 when not configured). */
export interface ColumnLayout {
  /** Fields per record. */
  width: number;
  customer: number;
  item: number;
  time: number;
  quantity: number;
  price: number;
  order: number;
  /** Positions of the kept columns, in `config.columns.keep` order. */
  keep: number[];
}

/**
 * Matches a header (or `csv.columns` for header-less files) against the configuration.
 * Every configured column (mapped, kept or ignored) must be present exactly once and
 * no other column may appear; order is free unless `csv.columns` is given.
 * @param header raw column names in file order (surrounding spaces ignored).
 * @throws HeaderMismatchError naming the missing and unexpected columns.
 */
export function resolveLayout(header: readonly string[], config: DatasetConfig, objectKey: string): ColumnLayout {
  const names = header.map((h) => h.trim());
  const c = config.columns;
  const expected = [c.customer, c.item, c.time, c.quantity, c.price, c.order]
    .filter((m): m is ColumnMapping => m !== undefined)
    .map((m) => m.column)
    .concat(c.keep, c.ignore ?? []);
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const missing = expected.filter((e) => !counts.has(e));
  const unexpected = [...counts]
    .filter(([n, k]) => !expected.includes(n) || k > 1)
    .map(([n, k]) => (k > 1 ? `${n} (${k} times)` : n));
  const ordered = config.csv.columns === undefined || config.csv.columns.join('\u0000') === names.join('\u0000');
  if (missing.length || unexpected.length || !ordered) throw new HeaderMismatchError(objectKey, missing, unexpected, names);
  const at = (m: ColumnMapping | undefined) => (m === undefined ? -1 : names.indexOf(m.column));
  return {
    width: names.length,
    customer: at(c.customer),
    item: at(c.item),
    time: at(c.time),
    quantity: at(c.quantity),
    price: at(c.price),
    order: at(c.order),
    keep: c.keep.map((k) => names.indexOf(k)),
  };
}

/** Line counts of one object. Invariant: `read = clean + rejected`; the header line is not counted. */
export interface IngestCounts {
  /** Data lines (CSV records) read. */
  read: number;
  clean: number;
  rejected: number;
  /** Lines with the same text as an earlier line of the object, kept or rejected per `csv.duplicates`. */
  duplicates: number;
  /** Rejected lines per reason code. */
  byReason: Record<string, number>;
}

/** Clean and rejected lines typed since the last take, as Arrow tables. */
export interface TypedBatch {
  clean: Table;
  rejects: Table;
}

const transforms: Record<TextTransform, (s: string) => string> = {
  none: (s) => s,
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  trim: (s) => s.trim(),
};

/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const isNaN = Number.isNaN;

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Strict int32: optional sign and decimal digits only; NaN otherwise or out of range. */
function parseInt32(s: string): number {
  const n = s.length;
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  if (i >= n) return NaN;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
    if (v > 2147483648) return NaN;
  }
  v = negative ? -v : v;
  return v > 2147483647 ? NaN : v;
}

/**
 * Types the records of one raw object into the clean contract's columns and
 * rejects the lines that cannot be typed (see the reason codes above).
 */
export class RecordTyper {
  readonly counts: IngestCounts = { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} };
  private readonly schema: Schema;
  private readonly parseTime: TimeParser;
  private readonly seen = new LineSet();
  private readonly rejectDuplicates: boolean;
  private readonly checkEncoding: boolean;
  private readonly tx: {
    customer: (s: string) => string;
    item: (s: string) => string;
    time: (s: string) => string;
    quantity: (s: string) => string;
    price: (s: string) => string;
    order: (s: string) => string;
  };
  private readonly timeFormat: string;
  private lastTimeText = '';
  private lastTime = NaN;

  // Clean columns (n rows) and rejects (m rows) since the last take.
  private n = 0;
  private cap: number;
  private customer: (string | null)[] = [];
  private item: string[] = [];
  private order: (string | null)[] = [];
  private kept: (string | null)[][];
  private time: Float64Array;
  private quantity: Int32Array;
  private quantityValid: Uint8Array;
  private price: Float64Array;
  private priceValid: Uint8Array;
  private line: Int32Array;
  private rejectLine: number[] = [];
  private rejectReason: string[] = [];
  private rejectRaw: string[] = [];

  /**
   * @param objectKey raw object key, written to `source_object`.
   * @param config the data-set configuration.
   * @param layout from {@link resolveLayout} on the object's header.
   * @param capacity expected lines per take (arrays grow past it when needed).
   */
  constructor(
    private readonly objectKey: string,
    private readonly config: DatasetConfig,
    private readonly layout: ColumnLayout,
    capacity = 65536,
  ) {
    this.schema = cleanSchema(config);
    const c = config.columns;
    this.timeFormat = c.time.format;
    this.parseTime = compileTimeFormat(c.time.format, c.time.timezone);
    this.rejectDuplicates = config.csv.duplicates === 'reject';
    this.checkEncoding = config.csv.encoding === 'utf-8';
    const t = (m: ColumnMapping | undefined) => transforms[m?.transform ?? 'none'];
    this.tx = { customer: t(c.customer), item: t(c.item), time: t(c.time), quantity: t(c.quantity), price: t(c.price), order: t(c.order) };
    this.cap = Math.max(16, capacity);
    this.kept = c.keep.map(() => []);
    this.time = new Float64Array(this.cap);
    this.quantity = new Int32Array(this.cap);
    this.quantityValid = new Uint8Array(this.cap);
    this.price = new Float64Array(this.cap);
    this.priceValid = new Uint8Array(this.cap);
    this.line = new Int32Array(this.cap);
  }

  /** Lines (clean + rejected) held since the last take. */
  get size(): number {
    return this.n + this.rejectLine.length;
  }

  /** Types records `[from, to)` of `batch` (e.g. `from = 1` skips a header record). */
  add(batch: CsvRecordBatch, from = 0, to = batch.count): void {
    const { fields, fieldStart, line, raw } = batch;
    const L = this.layout;
    const c = this.config.columns;
    for (let r = from; r < to; r++) {
      this.counts.read++;
      const text = raw[r];
      const lineNo = line[r];
      if (batch.unterminated && r === batch.count - 1) {
        this.reject(lineNo, text, 'unterminated_quote', 'a quoted field is not closed before the end of the object');
        continue;
      }
      if (this.checkEncoding && text.indexOf('\uFFFD') !== -1) {
        this.reject(lineNo, text, 'bad_encoding', `invalid UTF-8 at character ${text.indexOf('\uFFFD') + 1} (decoded as U+FFFD)`);
        continue;
      }
      if (text.length === 0) {
        this.reject(lineNo, text, 'empty_line', 'the line has no text');
        continue;
      }
      const first = this.seen.addOrGet(text, lineNo);
      if (first !== 0) {
        this.counts.duplicates++;
        if (this.rejectDuplicates) {
          this.reject(lineNo, text, 'duplicate', `same text as line ${first}`);
          continue;
        }
      }

      const f = fieldStart[r];
      const width = fieldStart[r + 1] - f;
      if (width !== L.width) {
        this.reject(lineNo, text, 'field_count', `expected ${L.width} fields, found ${width}`);
        continue;
      }
      // Text columns.
      const customer = this.tx.customer(fields[f + L.customer]);
      if (customer === '' && c.customer.required) {
        this.missing(lineNo, text, c.customer.column);
        continue;
      }
      const item = this.tx.item(fields[f + L.item]);
      if (item === '') {
        this.missing(lineNo, text, c.item.column);
        continue;
      }
      // Time.
      const timeText = this.tx.time(fields[f + L.time]);
      if (timeText === '') {
        this.missing(lineNo, text, c.time.column);
        continue;
      }
      let ms: number;
      if (timeText === this.lastTimeText) ms = this.lastTime;
      else {
        ms = this.parseTime(timeText);
        this.lastTimeText = timeText;
        this.lastTime = ms;
      }
      if (isNaN(ms)) {
        this.reject(lineNo, text, 'bad_time', `${c.time.column}=${JSON.stringify(timeText)} does not match ${this.timeFormat}`);
        continue;
      }
      // Numbers.
      let quantity = 0;
      let hasQuantity = 0;
      if (L.quantity >= 0) {
        const s = this.tx.quantity(fields[f + L.quantity]);
        if (s === '') {
          if (c.quantity!.required) {
            this.missing(lineNo, text, c.quantity!.column);
            continue;
          }
        } else {
          quantity = parseInt32(s);
          if (isNaN(quantity)) {
            this.reject(lineNo, text, 'bad_number', `${c.quantity!.column}=${JSON.stringify(s)} (expected an int32 integer)`);
            continue;
          }
          hasQuantity = 1;
        }
      }
      let price = 0;
      let hasPrice = 0;
      if (L.price >= 0) {
        const s = this.tx.price(fields[f + L.price]);
        if (s === '') {
          if (c.price!.required) {
            this.missing(lineNo, text, c.price!.column);
            continue;
          }
        } else {
          if (!DECIMAL.test(s)) {
            this.reject(lineNo, text, 'bad_number', `${c.price!.column}=${JSON.stringify(s)} (expected a decimal number)`);
            continue;
          }
          price = +s; // Number(s), without a global lookup
          hasPrice = 1;
        }
      }
      let order: string | null = null;
      if (L.order >= 0) {
        order = this.tx.order(fields[f + L.order]);
        if (order === '') {
          if (c.order!.required) {
            this.missing(lineNo, text, c.order!.column);
            continue;
          }
          order = null;
        }
      }
      // Clean row.
      if (this.n === this.cap) this.grow();
      const i = this.n++;
      this.customer.push(customer === '' ? null : customer);
      this.item.push(item);
      this.order.push(order);
      for (let k = 0; k < L.keep.length; k++) {
        const v = fields[f + L.keep[k]];
        this.kept[k].push(v === '' ? null : v);
      }
      this.time[i] = ms;
      this.quantity[i] = quantity;
      this.quantityValid[i] = hasQuantity;
      this.price[i] = price;
      this.priceValid[i] = hasPrice;
      this.line[i] = lineNo;
      this.counts.clean++;
    }
  }

  /** Returns the lines typed since the last take as Arrow tables and starts afresh. */
  take(): TypedBatch {
    const n = this.n;
    const L = this.layout;
    const clean = tableFromData(this.schema, n, [
      utf8Data(this.customer, n),
      utf8Data(this.item, n),
      timestampMsData(this.time, n),
      L.quantity >= 0 ? int32Data(this.quantity, n, this.quantityValid) : nullData(new Int32(), n),
      L.price >= 0 ? float64Data(this.price, n, this.priceValid) : nullData(new Float64(), n),
      L.order >= 0 ? utf8Data(this.order, n) : nullData(new Utf8(), n),
      ...this.kept.map((k) => utf8Data(k, n)),
      repeatedUtf8Data(this.objectKey, n),
      int32Data(this.line, n),
    ]);
    const m = this.rejectLine.length;
    const rejects = tableFromData(REJECTS_SCHEMA, m, [
      repeatedUtf8Data(this.objectKey, m),
      int32Data(Int32Array.from(this.rejectLine), m),
      utf8Data(this.rejectReason, m),
      utf8Data(this.rejectRaw, m),
    ]);
    this.n = 0;
    this.customer = [];
    this.item = [];
    this.order = [];
    this.kept = this.kept.map(() => []);
    this.rejectLine = [];
    this.rejectReason = [];
    this.rejectRaw = [];
    return { clean, rejects };
  }

  private missing(lineNo: number, text: string, column: string): void {
    this.reject(lineNo, text, 'missing_required', column);
  }

  private reject(lineNo: number, text: string, code: string, detail: string): void {
    this.rejectLine.push(lineNo);
    this.rejectReason.push(`${code}: ${detail}`);
    this.rejectRaw.push(text);
    this.counts.rejected++;
    this.counts.byReason[code] = (this.counts.byReason[code] ?? 0) + 1;
  }

  private grow(): void {
    this.cap *= 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.cap);
      b.set(a);
      return b;
    };
    this.time = grow(this.time, (k) => new Float64Array(k));
    this.quantity = grow(this.quantity, (k) => new Int32Array(k));
    this.quantityValid = grow(this.quantityValid, (k) => new Uint8Array(k));
    this.price = grow(this.price, (k) => new Float64Array(k));
    this.priceValid = grow(this.priceValid, (k) => new Uint8Array(k));
    this.line = grow(this.line, (k) => new Int32Array(k));
  }
}
