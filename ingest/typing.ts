/**
 * CSV records → typed columns of the clean contract, plus rejects with reasons.
 * One {@link RecordTyper} per raw object; it holds typed arrays and Utf8
 * builders for the lines typed since the last {@link RecordTyper.take}, filled
 * from the CSV layer's byte ranges (a string is made only for a rejected line's
 * `raw` and reason). Values are taken as read apart
 * from the mapping's `transform`; an empty value is null (customer, order,
 * quantity, price when not required; kept columns always), and so is a customer
 * or order id of only white space ({@link isBlank}), whatever the transform.
 *
 * Reject reasons are a stable code, a colon, and a detail quoting the value:
 * | code | when |
 * | --- | --- |
 * | `unterminated_quote` | a quoted field still open at the end of the object: one reject of every line from the one it opened on |
 * | `bad_encoding` | the line holds bytes that are not valid UTF-8 (`raw` shows them as U+FFFD) |
 * | `empty_line` | a line with no text |
 * | `duplicate` | same text as an earlier clean line of the object (with `csv.duplicates: reject`); a copy of a rejected line has its reason |
 * | `field_count` | not as many fields as the header |
 * | `missing_required` | an empty value in a required column (the item and time always are), or an id (customer, item, order) of only white space |
 * | `bad_id` | a customer, item or order id holding a control character: a line break (a stray quote joins lines into one field), NUL or another C0 or C1 control ({@link firstControlCharacter}); other columns may hold them |
 * | `bad_time` | a time that does not match the configured format or is out of range |
 * | `future_time` | a time after the typer's `notAfter` (ingest: a day after it started, {@link latestAcceptedTime}) |
 * | `bad_number` | a quantity that is not an int32 integer, a price that is not a decimal number or lies beyond the range of a 64-bit float |
 *
 * A time format that reads most of an object's first times wrong is a
 * configuration mistake, not bad lines: with a limit on the share of unreadable
 * times, the typer fails the object once it has read {@link TIME_SAMPLE_LINES}
 * times of distinct lines (a copy of an earlier line is not sampled again)
 * ({@link UnreadableTimesError}) instead of rejecting the rest line by line.
 * An object of fewer times is read whole and left to the reject budgets (`reject-budget.ts`).
 */
import { isUtf8 } from 'buffer';
import { Float64, Int32, Schema, Table, Utf8 } from 'apache-arrow';
import { headerKey } from '../lib/config';
import { ColumnMapping, DatasetConfig } from '../lib/config-types';
import { REJECTS_SCHEMA, Utf8Builder, cleanSchema, float64Data, int32Data, nullData, repeatedUtf8Data, tableFromData, timestampMsData, utf8Data } from './columns';
import { CsvRecordBatch, recordText } from './csv';
import { ExtraColumnsWriter } from './extra-columns';
import { LineSet } from './line-set';
import { NumberReaders, numberReaders } from './numbers';
import { firstControlCharacter, firstInvalidUtf8 } from './text';
import { FieldTransform, isBlank } from './transform';
import { BytesTimeParser, compileBytesTimeFormat } from './time';

/** The header of an object does not match the data-set configuration. */
export class HeaderMismatchError extends Error {
  /**
   * @param encoding `csv.encoding`, named in the message when the header found does not read as text
   *   (NUL or replacement characters, or mostly letters of no Latin script: the bytes of another encoding),
   *   or starts with a UTF-8 byte order mark read in a single-byte encoding (`ï»¿`: the object is UTF-8).
   */
  constructor(
    readonly objectKey: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly found: readonly string[],
    encoding?: string,
  ) {
    const parts = [
      missing.length ? `missing columns ${missing.map((c) => `"${c}"`).join(', ')}` : '',
      unexpected.length ? `unexpected columns ${unexpected.map((c) => `"${c}"`).join(', ')}` : '',
    ].filter(Boolean);
    const text = found.join(',');
    const garbled = encoding !== undefined && (/[\u0000\ufffd]/.test(text) || (text.match(/[^\u0000-\u024f]/g)?.length ?? 0) > text.length / 2);
    const utf8Bom = (encoding === 'latin1' || encoding === 'windows-1252') && text.startsWith('\u00ef\u00bb\u00bf');
    super(
      `${objectKey}: line 1: header does not match the configuration: ${parts.join('; ') || 'columns out of the configured order'}; found header ${JSON.stringify(text)}`
        + (utf8Bom ? `; it starts with a UTF-8 byte order mark (bytes EF BB BF, read as "ï»¿" in csv.encoding ${encoding}): is the object UTF-8 (csv.encoding: utf-8)?`
          : garbled ? `; it does not read as text in csv.encoding ${encoding}: is that the object's encoding?` : ''),
    );
    this.name = 'HeaderMismatchError';
  }
}

/** Times of an object's first lines that decide whether its time format fits ({@link RecordTyper}). */
export const TIME_SAMPLE_LINES = 1000;

/** Unreadable times quoted by {@link UnreadableTimesError}. */
const QUOTED_TIMES = 3;

/** Most of the sampled times of an object do not match the configured time format. */
export class UnreadableTimesError extends Error {
  /**
   * @param objectKey the raw object.
   * @param column the time column.
   * @param format the configured time format.
   * @param unreadable sampled times that did not parse.
   * @param sampled times sampled: the object's first {@link TIME_SAMPLE_LINES}.
   * @param examples the first unreadable ones: line number and text.
   */
  constructor(
    readonly objectKey: string,
    readonly column: string,
    readonly format: string,
    readonly unreadable: number,
    readonly sampled: number,
    readonly examples: { line: number; value: string }[],
  ) {
    super(`${objectKey}: ${unreadable} of the first ${sampled} times of column ${column} do not match the time format ${JSON.stringify(format)}, e.g. `
      + `${examples.map((x) => `line ${x.line}: ${JSON.stringify(x.value)}`).join(', ')}; check columns.time.format (the object fails at once, `
      + 'its earlier output, if any, stays published; --max-reject-ratio 1 takes such lines as rejects)');
    this.name = 'UnreadableTimesError';
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
  /** Positions of the header columns the configuration does not name, in header order, under `csv.extra_columns: keep` (else none). */
  extra: number[];
  /** Their names as in the header, trimmed; `column_<n>` for the n-th column when its name is empty. */
  extraNames: string[];
}

/**
 * Matches a header (or `csv.columns` for header-less files) against the configuration.
 * Names are matched after trimming white space on both sides, in any case with
 * `csv.header_case: insensitive` (`headerKey`, `lib/config.ts`); an empty name is
 * that of the column's 1-based position, `column_<n>`. Every configured
 * column (mapped, kept or ignored) must be present exactly once; order is free
 * unless `csv.columns` is given, when the header must list exactly those columns
 * in that order. Other columns are extra: carried (`csv.extra_columns: keep`),
 * dropped (`ignore`) or refused (`fail`).
 * @param header raw column names in file order.
 * @throws HeaderMismatchError naming the missing columns and the unexpected ones
 *   (those present more than once, and the extra ones when the object fails anyway
 *   or with `csv.extra_columns: fail`).
 */
export function resolveLayout(header: readonly string[], config: DatasetConfig, objectKey: string): ColumnLayout {
  const headerCase = config.csv.header_case;
  const names = header.map((h) => h.trim());
  // An unnamed column (a pandas index, a trailing delimiter) goes by its position.
  const labels = names.map((n, i) => (n === '' ? `column_${i + 1}` : n));
  const keys = labels.map((n) => headerKey(n, headerCase));
  const c = config.columns;
  const configured = [c.customer, c.item, c.time, c.quantity, c.price, c.order]
    .filter((m): m is ColumnMapping => m !== undefined)
    .map((m) => m.column)
    .concat(c.keep, c.ignore ?? []);
  const configuredKeys = new Set(configured.map((n) => headerKey(n, headerCase)));
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const missing = configured.filter((e) => !counts.has(headerKey(e, headerCase)));
  // In header order: each repeated name once, with its count, and each extra column.
  const unexpected: string[] = [];
  const extra: number[] = [];
  keys.forEach((k, i) => {
    const n = counts.get(k)!;
    if (n > 1) {
      if (keys.indexOf(k) === i) unexpected.push(`${labels[i]} (${n} times)`);
    } else if (!configuredKeys.has(k)) {
      extra.push(i);
      unexpected.push(labels[i]);
    }
  });
  const ordered = config.csv.columns === undefined || config.csv.columns.map((n) => headerKey(n, headerCase)).join('\u0000') === keys.join('\u0000');
  const fails = missing.length > 0 || unexpected.length > extra.length || !ordered || (extra.length > 0 && config.csv.extra_columns === 'fail');
  if (fails) throw new HeaderMismatchError(objectKey, missing, unexpected, names, config.csv.encoding);
  const index = (column: string) => keys.indexOf(headerKey(column, headerCase));
  const at = (m: ColumnMapping | undefined) => (m === undefined ? -1 : index(m.column));
  const carried = config.csv.extra_columns === 'keep' ? extra : [];
  return {
    width: names.length,
    customer: at(c.customer),
    item: at(c.item),
    time: at(c.time),
    quantity: at(c.quantity),
    price: at(c.price),
    order: at(c.order),
    keep: c.keep.map(index),
    extra: carried,
    extraNames: carried.map((i) => labels[i]),
  };
}

/**
 * Line counts of one object, in physical lines of its (decompressed) text: a record
 * counts every line it spans (`CsvRecordBatch.lineCount`: more than one when a
 * quoted field holds line breaks, or a quote left open swallows the lines after
 * it), whether it is a clean row or a reject row. So every data line is counted
 * once, and a reject weighs in the reject budget by the lines it absorbed.
 * Invariant: `read = clean + rejected`; the header line(s) are not counted. The
 * rows of the clean and rejects tables are records: as many as the lines unless
 * some record spans several.
 */
export interface IngestCounts {
  /** Data lines read. */
  read: number;
  /** Lines of the records typed into clean rows. */
  clean: number;
  /** Lines of the records rejected. */
  rejected: number;
  /**
   * Lines of the records with the same text as an earlier record of the object: copies of a clean
   * line are kept or rejected (`duplicate`) per `csv.duplicates`, copies of a rejected line have its reason.
   */
  duplicates: number;
  /** Rejected lines per reason code. */
  byReason: Record<string, number>;
  /** The first rejected record (duplicates aside): the line it starts on and its reason, e.g. `bad_time: InvoiceDate="x" does not match M/D/YYYY H:mm`. */
  firstReject?: { line: number; reason: string };
  /**
   * The rejected record that spans the most lines, when one spans more than one
   * (the first of the longest; duplicates aside): where it starts, how many lines it spans and its reason.
   */
  longestReject?: { line: number; lines: number; reason: string };
}

/** Clean and rejected lines typed since the last take, as Arrow tables. */
export interface TypedBatch {
  clean: Table;
  rejects: Table;
}

/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const isNaN = Number.isNaN;

/** How far after the start of an ingest a time may lie before it is a `future_time` reject: a day, for clocks and zones set wrong by hours. */
export const FUTURE_TIME_TOLERANCE_MS = 86_400_000;

/**
 * The latest time an ingest that starts at `now` accepts: {@link FUTURE_TIME_TOLERANCE_MS}
 * after it. A purchase cannot be later than the ingest that reads it, and one such time
 * (a year 2100 typed for 2010) would move the default as-of time of every later run.
 * @returns ms since the epoch.
 */
export function latestAcceptedTime(now: Date): number {
  return now.getTime() + FUTURE_TIME_TOLERANCE_MS;
}

/**
 * Types the records of one raw object into the clean contract's columns and
 * rejects the lines that cannot be typed (see the reason codes above).
 */
export class RecordTyper {
  readonly counts: IngestCounts = { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} };
  private readonly schema: Schema;
  private readonly parseTime: BytesTimeParser;
  private readonly seen = new LineSet();
  private readonly rejectDuplicates: boolean;
  private readonly checkEncoding: boolean;
  private readonly tx: { customer: FieldTransform; item: FieldTransform; time: FieldTransform; quantity: FieldTransform; price: FieldTransform; order: FieldTransform };
  private readonly timeFormat: string;
  /** Readers of the quantity and price in the configured separators. */
  private readonly numbers: NumberReaders;
  /** The separators, as reject details quote them: `''` for the plain format. */
  private readonly numberFormat: string;
  /** The last time text parsed and its value (consecutive lines of an invoice share it). */
  private lastTimeText = new Uint8Array(64);
  private lastTimeLength = -1;
  private lastTime = NaN;

  // Clean columns (n rows) and rejects since the last take.
  private n = 0;
  private cap: number;
  private readonly customer: Utf8Builder;
  private readonly item: Utf8Builder;
  private readonly order: Utf8Builder;
  private readonly kept: Utf8Builder[];
  /** Whether clean tables have the `extra_columns` column (`csv.extra_columns: keep`). */
  private readonly hasExtraColumn: boolean;
  /** Its values and their writer, when the object has extra columns (else the column is null). */
  private readonly extra: { column: Utf8Builder; writer: ExtraColumnsWriter } | undefined;
  private time: Float64Array;
  private quantity: Int32Array;
  private quantityValid: Uint8Array;
  private price: Float64Array;
  private priceValid: Uint8Array;
  private line: Int32Array;
  private rejectLine: number[] = [];
  private rejectReason: string[] = [];
  private rejectRaw: string[] = [];
  // The time sample: times of the first TIME_SAMPLE_LINES distinct lines read, and the unreadable ones.
  private timesSampled = 0;
  private timesUnreadable = 0;
  private readonly unreadableExamples: { line: number; value: string }[] = [];

  /**
   * @param objectKey raw object key, written to `source_object`.
   * @param config the data-set configuration.
   * @param layout from {@link resolveLayout} on the object's header.
   * @param capacity expected lines per take (arrays grow past it when needed).
   * @param maxUnreadableTimes largest share, in [0, 1], of the object's first
   *   {@link TIME_SAMPLE_LINES} times that may not parse; over it {@link add} throws
   *   UnreadableTimesError as it reads the last of them. 1 (the default) never does.
   * @param notAfter latest time accepted, ms since the epoch; a later one is a
   *   `future_time` reject. None by default.
   */
  constructor(
    private readonly objectKey: string,
    private readonly config: DatasetConfig,
    private readonly layout: ColumnLayout,
    capacity = 65536,
    private readonly maxUnreadableTimes = 1,
    private readonly notAfter = Infinity,
  ) {
    this.schema = cleanSchema(config);
    const c = config.columns;
    this.timeFormat = c.time.format;
    this.parseTime = compileBytesTimeFormat(c.time.format, c.time.timezone);
    const { decimal_separator: decimal = '.', thousands_separator: thousands } = config.csv;
    this.numbers = numberReaders({ decimal: decimal.charCodeAt(0), thousands: thousands?.charCodeAt(0) ?? -1 });
    this.numberFormat = decimal === '.' && thousands === undefined ? '' : `, decimal separator ${JSON.stringify(decimal)}${thousands === undefined ? '' : `, thousands separator ${JSON.stringify(thousands)}`}`;
    this.rejectDuplicates = config.csv.duplicates === 'reject';
    this.checkEncoding = config.csv.encoding === 'utf-8';
    const t = (m: ColumnMapping | undefined) => new FieldTransform(m?.transform ?? 'none');
    this.tx = { customer: t(c.customer), item: t(c.item), time: t(c.time), quantity: t(c.quantity), price: t(c.price), order: t(c.order) };
    this.cap = Math.max(16, capacity);
    this.customer = new Utf8Builder(this.cap, 6);
    this.item = new Utf8Builder(this.cap, 6);
    this.order = new Utf8Builder(this.cap, 7);
    this.kept = c.keep.map(() => new Utf8Builder(this.cap, 24));
    this.hasExtraColumn = config.csv.extra_columns === 'keep';
    if (layout.extra.length > 0) this.extra = { column: new Utf8Builder(this.cap, 32), writer: new ExtraColumnsWriter(layout.extraNames) };
    this.time = new Float64Array(this.cap);
    this.quantity = new Int32Array(this.cap);
    this.quantityValid = new Uint8Array(this.cap);
    this.price = new Float64Array(this.cap);
    this.priceValid = new Uint8Array(this.cap);
    this.line = new Int32Array(this.cap);
  }

  /** Records (clean and rejected rows) held since the last take. */
  get size(): number {
    return this.n + this.rejectLine.length;
  }

  /**
   * Types records `[from, to)` of `batch` (e.g. `from = 1` skips a header record),
   * counting each by the physical lines it spans ({@link IngestCounts}).
   */
  add(batch: CsvRecordBatch, from = 0, to = batch.count): void {
    if (to <= from) return;
    const { bytes, fieldStart, fieldBegin, fieldEnd, recordBegin, recordEnd, line, lineCount } = batch;
    const L = this.layout;
    const c = this.config.columns;
    const tx = this.tx;
    // One native check for the whole range; lines are checked one by one only when it fails.
    const checkLines = this.checkEncoding && !isUtf8(bytes.subarray(recordBegin[from], recordEnd[to - 1]));
    for (let r = from; r < to; r++) {
      const lines = lineCount[r];
      this.counts.read += lines;
      const rb = recordBegin[r];
      const re = recordEnd[r];
      const lineNo = line[r];
      if (batch.unterminated && r === batch.count - 1) {
        this.reject(batch, r, 'unterminated_quote', 'a quoted field is not closed before the end of the object');
        continue;
      }
      if (checkLines) {
        const bad = firstInvalidUtf8(bytes, rb, re);
        if (bad !== -1) {
          this.reject(batch, r, 'bad_encoding', `invalid UTF-8 at byte offset ${bad} of the line`);
          continue;
        }
      }
      if (re === rb) {
        this.reject(batch, r, 'empty_line', 'the line has no text');
        continue;
      }
      const first = this.seen.addOrGet(bytes, rb, re, lineNo);
      if (first !== 0) this.counts.duplicates += lines;

      const f = fieldStart[r];
      const width = fieldStart[r + 1] - f;
      if (width !== L.width) {
        this.reject(batch, r, 'field_count', `expected ${L.width} fields, found ${width}`);
        continue;
      }
      // Text columns.
      const customer = tx.customer.apply(bytes, fieldBegin[f + L.customer], fieldEnd[f + L.customer]);
      const hasCustomer = !isBlank(customer.bytes, customer.begin, customer.end);
      if (!hasCustomer && c.customer.required) {
        this.missing(batch, r, c.customer.column, customer);
        continue;
      }
      if (hasCustomer && this.badId(batch, r, c.customer.column, customer)) continue;
      const item = tx.item.apply(bytes, fieldBegin[f + L.item], fieldEnd[f + L.item]);
      if (isBlank(item.bytes, item.begin, item.end)) {
        this.missing(batch, r, c.item.column, item);
        continue;
      }
      if (this.badId(batch, r, c.item.column, item)) continue;
      // Time.
      const time = tx.time.apply(bytes, fieldBegin[f + L.time], fieldEnd[f + L.time]);
      if (time.begin === time.end) {
        this.missing(batch, r, c.time.column, time);
        continue;
      }
      const ms = this.timeOf(time.bytes, time.begin, time.end);
      // Distinct lines only: copies of one bad line say nothing of the format.
      if (this.timesSampled < TIME_SAMPLE_LINES && first === 0) this.sampleTime(ms, lineNo, time);
      if (isNaN(ms)) {
        this.reject(batch, r, 'bad_time', `${c.time.column}=${quote(time)} does not match ${this.timeFormat}`);
        continue;
      }
      if (ms > this.notAfter) {
        this.reject(batch, r, 'future_time', `${c.time.column}=${quote(time)} is ${new Date(ms).toISOString()}, after ${new Date(this.notAfter).toISOString()} (a day after the ingest started)`);
        continue;
      }
      // Numbers.
      let quantity = 0;
      let hasQuantity = 0;
      if (L.quantity >= 0) {
        const q = tx.quantity.apply(bytes, fieldBegin[f + L.quantity], fieldEnd[f + L.quantity]);
        if (q.begin === q.end) {
          if (c.quantity!.required) {
            this.missing(batch, r, c.quantity!.column, q);
            continue;
          }
        } else {
          quantity = this.numbers.int32(q.bytes, q.begin, q.end);
          if (isNaN(quantity)) {
            this.reject(batch, r, 'bad_number', `${c.quantity!.column}=${quote(q)} (expected an int32 integer${this.numberFormat})`);
            continue;
          }
          hasQuantity = 1;
        }
      }
      let price = 0;
      let hasPrice = 0;
      if (L.price >= 0) {
        const p = tx.price.apply(bytes, fieldBegin[f + L.price], fieldEnd[f + L.price]);
        if (p.begin === p.end) {
          if (c.price!.required) {
            this.missing(batch, r, c.price!.column, p);
            continue;
          }
        } else {
          price = this.numbers.decimal(p.bytes, p.begin, p.end);
          if (!Number.isFinite(price)) {
            this.reject(batch, r, 'bad_number', `${c.price!.column}=${quote(p)} (${isNaN(price) ? `expected a decimal number${this.numberFormat}` : 'out of the range of a 64-bit float'})`);
            continue;
          }
          hasPrice = 1;
        }
      }
      let hasOrder = false;
      if (L.order >= 0) {
        const o = tx.order.apply(bytes, fieldBegin[f + L.order], fieldEnd[f + L.order]);
        hasOrder = !isBlank(o.bytes, o.begin, o.end);
        if (!hasOrder && c.order!.required) {
          this.missing(batch, r, c.order!.column, o);
          continue;
        }
        if (hasOrder && this.badId(batch, r, c.order!.column, o)) continue;
      }
      // A copy of a clean line; a copy of a rejected line was rejected above for the same reason as its first copy.
      if (first !== 0 && this.rejectDuplicates) {
        this.reject(batch, r, 'duplicate', `same text as line ${first}`);
        continue;
      }
      // Clean row: every check passed, so the transformed views are still current.
      if (this.n === this.cap) this.grow();
      const i = this.n++;
      if (!hasCustomer) this.customer.appendNull();
      else this.customer.append(customer.bytes, customer.begin, customer.end);
      this.item.append(item.bytes, item.begin, item.end);
      if (L.order >= 0) {
        const o = tx.order;
        if (hasOrder) this.order.append(o.bytes, o.begin, o.end);
        else this.order.appendNull();
      }
      for (let k = 0; k < L.keep.length; k++) {
        const at = f + L.keep[k];
        if (fieldBegin[at] === fieldEnd[at]) this.kept[k].appendNull();
        else this.kept[k].append(bytes, fieldBegin[at], fieldEnd[at]);
      }
      if (this.extra !== undefined) this.extra.writer.append(this.extra.column, bytes, fieldBegin, fieldEnd, f, L.extra);
      this.time[i] = ms;
      this.quantity[i] = quantity;
      this.quantityValid[i] = hasQuantity;
      this.price[i] = price;
      this.priceValid[i] = hasPrice;
      this.line[i] = lineNo;
      this.counts.clean += lines;
    }
  }

  /** Returns the lines typed since the last take as Arrow tables and starts afresh. */
  take(): TypedBatch {
    const n = this.n;
    const L = this.layout;
    const clean = tableFromData(this.schema, n, [
      this.customer.finish(),
      this.item.finish(),
      timestampMsData(this.time, n),
      L.quantity >= 0 ? int32Data(this.quantity, n, this.quantityValid) : nullData(new Int32(), n),
      L.price >= 0 ? float64Data(this.price, n, this.priceValid) : nullData(new Float64(), n),
      L.order >= 0 ? this.order.finish() : nullData(new Utf8(), n),
      ...this.kept.map((k) => k.finish()),
      ...(this.hasExtraColumn ? [this.extra?.column.finish() ?? nullData(new Utf8(), n)] : []),
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
    this.rejectLine = [];
    this.rejectReason = [];
    this.rejectRaw = [];
    return { clean, rejects };
  }

  /**
   * Counts time `ms` of line `line` (text `text`) into the sample.
   * @throws UnreadableTimesError when the sample is full and more than `maxUnreadableTimes` of it did not parse.
   */
  private sampleTime(ms: number, line: number, text: { bytes: Uint8Array; begin: number; end: number }): void {
    this.timesSampled++;
    if (isNaN(ms)) {
      this.timesUnreadable++;
      if (this.unreadableExamples.length < QUOTED_TIMES) this.unreadableExamples.push({ line, value: UTF8.decode(text.bytes.subarray(text.begin, text.end)) });
    }
    if (this.timesSampled === TIME_SAMPLE_LINES && this.timesUnreadable > this.maxUnreadableTimes * TIME_SAMPLE_LINES) {
      throw new UnreadableTimesError(this.objectKey, this.config.columns.time.column, this.timeFormat, this.timesUnreadable, TIME_SAMPLE_LINES, this.unreadableExamples);
    }
  }

  /** ms UTC of the time text `bytes[begin, end)`, reusing the previous line's result when the text is the same. */
  private timeOf(bytes: Uint8Array, begin: number, end: number): number {
    const len = end - begin;
    const last = this.lastTimeText;
    if (len === this.lastTimeLength) {
      let same = true;
      for (let k = 0; k < len; k++) {
        if (last[k] !== bytes[begin + k]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastTime;
    }
    const ms = this.parseTime(bytes, begin, end);
    if (len <= last.length) {
      last.set(bytes.subarray(begin, end));
      this.lastTimeLength = len;
      this.lastTime = ms;
    } else this.lastTimeLength = -1;
    return ms;
  }

  /**
   * Rejects record `r` of `batch` as `bad_id` when the id `v` (customer, item or
   * order, after its transform) of column `column` holds a control character
   * ({@link firstControlCharacter}), naming it: `holds a line break (U+000A)`,
   * `holds the control character U+0081`.
   * @returns whether it did.
   */
  private badId(batch: CsvRecordBatch, r: number, column: string, v: { bytes: Uint8Array; begin: number; end: number }): boolean {
    const control = firstControlCharacter(v.bytes, v.begin, v.end);
    if (control === undefined) return false;
    const { codePoint } = control;
    const name = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    this.reject(batch, r, 'bad_id', `${column}=${quote(v)} holds ${codePoint === 0x0a || codePoint === 0x0d ? `a line break (${name})` : `the control character ${name}`}`);
    return true;
  }

  /** Rejects record `r` of `batch` as `missing_required` in column `column`, quoting its value `v` when it is white space rather than empty. */
  private missing(batch: CsvRecordBatch, r: number, column: string, v: { begin: number; end: number; bytes: Uint8Array }): void {
    this.reject(batch, r, 'missing_required', v.begin === v.end ? column : `${column}=${quote(v)} is only white space`);
  }

  /** Rejects record `r` of `batch`, counting the lines it spans. */
  private reject(batch: CsvRecordBatch, r: number, code: string, detail: string): void {
    const line = batch.line[r];
    const lines = batch.lineCount[r];
    const reason = `${code}: ${detail}`;
    this.rejectLine.push(line);
    this.rejectReason.push(reason);
    this.rejectRaw.push(recordText(batch, r));
    this.counts.rejected += lines;
    this.counts.byReason[code] = (this.counts.byReason[code] ?? 0) + lines;
    // Duplicates are not unreadable lines, so not what the reject budget's message names.
    if (code === 'duplicate') return;
    this.counts.firstReject ??= { line, reason };
    if (lines > (this.counts.longestReject?.lines ?? 1)) this.counts.longestReject = { line, lines, reason };
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

const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A value as a JSON string literal, for reject reasons. */
function quote(v: { bytes: Uint8Array; begin: number; end: number }): string {
  return JSON.stringify(UTF8.decode(v.bytes.subarray(v.begin, v.end)));
}
