/**
 * UTF-8 bytes → CSV records: an RFC 4180 parser over streamed byte chunks that
 * finds record and field boundaries by scanning bytes, and emits columnar
 * batches of byte ranges (no strings, no row objects).
 *
 * Grammar (RFC 4180 §2, with LF accepted as well as CRLF): a record ends at an LF
 * outside quotes (a CR right before it is dropped); a field starting with `"` is
 * quoted and may hold the delimiter, CR, LF and `""` (one `"`); a `"` inside an
 * unquoted field, or text after a closing quote, is kept literally (lenient, as
 * Python's `csv` and DuckDB's `strict_mode=false`). A final line terminator does
 * not start another record; an empty line elsewhere is a record with one empty field.
 */

export interface CsvOptions {
  /** Field delimiter, one ASCII character other than `"`, CR, LF (e.g. `,`, `;`, `\t`). */
  delimiter: string;
  /** Longest record accepted, in bytes (bounds memory when a quote is never closed); 1 MiB by default. */
  maxRecordBytes?: number;
  /** Name of the input (an object key) for errors. */
  source?: string;
}

/** A record longer than `maxRecordBytes`: a quote that is never closed, or a line that is not CSV data. */
export class CsvRecordTooLongError extends Error {
  /**
   * @param source the input's name (an object key).
   * @param line 1-based line where the record starts.
   * @param maxRecordBytes the limit, bytes.
   * @param length the whole record's length in bytes (without its line break);
   *   undefined when the record has no end yet.
   */
  constructor(readonly source: string, readonly line: number, readonly maxRecordBytes: number, readonly length?: number) {
    super(length === undefined
      ? `${source}: line ${line}: record longer than ${maxRecordBytes} bytes (expected a line break; is a quote left open, or is csv.encoding not the object's?)`
      : `${source}: line ${line}: record of ${length} bytes, over the limit of ${maxRecordBytes} bytes`);
    this.name = 'CsvRecordTooLongError';
  }
}

/**
 * A batch of parsed records, columnar, as byte ranges into `bytes`. A field's value
 * is `bytes[fieldBegin[f], fieldEnd[f])`; quoted values with `""` or text after the
 * closing quote are unescaped into a region of `bytes` past the records. Each batch
 * owns its `bytes` (a fresh buffer), so it may be kept.
 */
export interface CsvRecordBatch {
  /** Records in the batch. */
  count: number;
  /** UTF-8 text of the records, plus unescaped values. */
  bytes: Uint8Array;
  /** Fields of record r are `fieldStart[r] .. fieldStart[r + 1]`; length `count + 1`. */
  fieldStart: Int32Array;
  /** Start of each field's value in `bytes`. */
  fieldBegin: Int32Array;
  /** End (exclusive) of each field's value in `bytes`. */
  fieldEnd: Int32Array;
  /** Each record's text as read, without its line terminator: `bytes[recordBegin[r], recordEnd[r])`. */
  recordBegin: Int32Array;
  recordEnd: Int32Array;
  /** 1-based physical line number where each record starts in the text (header = 1). */
  line: Int32Array;
  /**
   * Physical lines each record spans: 1, plus the line breaks inside its quoted fields
   * (a final line break inside an unterminated quoted field ends its last line, as
   * any final line terminator does). Record r covers lines `line[r]` to `line[r] + lineCount[r] - 1`.
   */
  lineCount: Int32Array;
  /**
   * True when the last record of the batch ran into the end of input inside a
   * quoted field (RFC 4180 violation): its fields are what could be read; callers reject it.
   */
  unterminated: boolean;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Text of field `f` of a batch (decoded; invalid UTF-8 becomes U+FFFD). For headers, messages and tests. */
export function fieldText(batch: CsvRecordBatch, f: number): string {
  return UTF8.decode(batch.bytes.subarray(batch.fieldBegin[f], batch.fieldEnd[f]));
}

/** Text of record `r` of a batch as read (decoded; invalid UTF-8 becomes U+FFFD). */
export function recordText(batch: CsvRecordBatch, r: number): string {
  return UTF8.decode(batch.bytes.subarray(batch.recordBegin[r], batch.recordEnd[r]));
}

/**
 * Parses CSV bytes into record batches, one batch per input chunk that completes
 * at least one record. A record split across chunks is carried over (only the
 * incomplete tail is kept, so memory is bounded by the chunk size plus
 * `maxRecordBytes`).
 *
 * @param chunks UTF-8 bytes in chunks of any size (see `text.ts`).
 * @throws CsvRecordTooLongError when a record, complete or not, is longer than
 *   `maxRecordBytes` (its text without the line break).
 * @throws RangeError for a delimiter that is not one ASCII character other than quote, CR, LF.
 * @example
 * for await (const batch of parseCsv(toUtf8(bytes, 'utf-8'), { delimiter: ',' })) …
 */
export async function* parseCsv(chunks: AsyncIterable<Uint8Array>, options: CsvOptions): AsyncGenerator<CsvRecordBatch> {
  const parser = new CsvParser(options.delimiter);
  const max = options.maxRecordBytes ?? 1 << 20;
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    const batch = parser.push(chunk, false);
    checkLengths(batch, max, options.source);
    if (parser.pendingBytes > max) throw new CsvRecordTooLongError(options.source ?? 'CSV', parser.pendingLine, max);
    if (batch.count > 0) yield batch;
  }
  const last = parser.push(new Uint8Array(0), true);
  checkLengths(last, max, options.source);
  if (last.count > 0) yield last;
}

/** @throws CsvRecordTooLongError for the first record of `batch` longer than `max` bytes. */
function checkLengths(batch: CsvRecordBatch, max: number, source = 'CSV'): void {
  for (let r = 0; r < batch.count; r++) {
    const length = batch.recordEnd[r] - batch.recordBegin[r];
    if (length > max) throw new CsvRecordTooLongError(source, batch.line[r], max, length);
  }
}

/** Growable Int32Array. */
class Int32List {
  a: Int32Array;
  n = 0;
  constructor(capacity: number) {
    this.a = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  take(): Int32Array {
    return this.a.subarray(0, this.n);
  }
}

/** The incremental state machine behind {@link parseCsv}. */
class CsvParser {
  /** Unparsed bytes: the start of a record not yet terminated. */
  private carry: Uint8Array = new Uint8Array(0);
  /** Physical line number of the first line of `carry`. */
  private nextLine = 1;
  private readonly d: number;
  // State of the current push.
  /** Next free byte of the unescape region of `bytes`. */
  private extra = 0;
  private begins = new Int32List(0);
  private ends = new Int32List(0);

  constructor(delimiter: string) {
    const code = delimiter.charCodeAt(0);
    if (delimiter.length !== 1 || code > 0x7f || code === QUOTE || code === LF || code === CR) {
      throw new RangeError(`CSV delimiter must be one ASCII character other than quote, CR or LF; found ${JSON.stringify(delimiter)}`);
    }
    this.d = code;
  }

  /** Bytes of the record not yet terminated. */
  get pendingBytes(): number {
    return this.carry.length;
  }

  /** Line where the record not yet terminated starts. */
  get pendingLine(): number {
    return this.nextLine;
  }

  /** Parses every complete record of `carry + chunk`; at `end`, also the unterminated rest. */
  push(chunk: Uint8Array, end: boolean): CsvRecordBatch {
    const n = this.carry.length + chunk.length;
    // Records in [0, n); values unescaped from quoted fields in [n, n + room). An
    // unescaped value is never longer than its source, which lies past the first quote.
    const inCarry = this.carry.indexOf(QUOTE);
    const inChunk = inCarry === -1 ? chunk.indexOf(QUOTE) : -1;
    const firstQuote = inCarry !== -1 ? inCarry : inChunk !== -1 ? this.carry.length + inChunk : n;
    const bytes = new Uint8Array(2 * n - firstQuote);
    bytes.set(this.carry, 0);
    bytes.set(chunk, this.carry.length);
    const buf = Buffer.from(bytes.buffer, 0, n);
    this.extra = n;
    // Capacity estimates for CSV of ~80-byte records of ~8 fields; the lists grow past them.
    const fieldStart = new Int32List(n >> 6);
    const recordBegin = new Int32List(n >> 6);
    const recordEnd = new Int32List(n >> 6);
    const lines = new Int32List(n >> 6);
    const lineCounts = new Int32List(n >> 6);
    this.begins = new Int32List(n >> 3);
    this.ends = new Int32List(n >> 3);
    fieldStart.push(0);
    const d = this.d;
    let unterminated = false;
    let pos = 0;
    let line = this.nextLine;
    let nextQuote = firstQuote < n ? firstQuote : -1;
    while (pos < n) {
      let lf = buf.indexOf(LF, pos);
      if (lf === -1) {
        if (!end) break;
        lf = n;
      }
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf(QUOTE, pos);
      if (nextQuote === -1 || nextQuote > lf) {
        // Fast path: no quote in this record; split on the delimiter.
        const stop = lf > pos && bytes[lf - 1] === CR ? lf - 1 : lf;
        let from = pos;
        for (let i = pos; i < stop; i++) {
          if (bytes[i] === d) {
            this.begins.push(from);
            this.ends.push(i);
            from = i + 1;
          }
        }
        this.begins.push(from);
        this.ends.push(stop);
        fieldStart.push(this.begins.n);
        recordBegin.push(pos);
        recordEnd.push(stop);
        lines.push(line);
        lineCounts.push(1);
        line++;
        pos = lf + 1;
        continue;
      }
      const mark = this.begins.n;
      const markExtra = this.extra;
      const next = this.parseQuoted(bytes, pos, n, end);
      if (next < 0) {
        // Incomplete record: wait for more bytes.
        this.begins.n = mark;
        this.ends.n = mark;
        this.extra = markExtra;
        break;
      }
      const terminated = next < n && bytes[next] === LF;
      const stop = terminated && next > pos && bytes[next - 1] === CR ? next - 1 : next;
      fieldStart.push(this.begins.n);
      recordBegin.push(pos);
      recordEnd.push(stop);
      lines.push(line);
      let breaks = 0;
      for (let i = buf.indexOf(LF, pos); i !== -1 && i < next; i = buf.indexOf(LF, i + 1)) breaks++;
      const open = !terminated && this.openAtEnd;
      lineCounts.push(open && bytes[next - 1] === LF ? breaks : 1 + breaks);
      line += 1 + breaks;
      if (open) unterminated = true;
      pos = terminated ? next + 1 : next;
    }
    this.carry = bytes.slice(pos, n);
    this.nextLine = line;
    return {
      count: lines.n,
      bytes,
      fieldStart: fieldStart.take(),
      fieldBegin: this.begins.take(),
      fieldEnd: this.ends.take(),
      recordBegin: recordBegin.take(),
      recordEnd: recordEnd.take(),
      line: lines.take(),
      lineCount: lineCounts.take(),
      unterminated,
    };
  }

  /** Set by {@link parseQuoted}: the record ended at the end of input inside a quoted field. */
  private openAtEnd = false;

  /**
   * Parses one record that contains a quote, from `pos`, pushing its fields.
   * @returns the index of its terminating LF (or `n` at the end of input), or −1
   *   when the record may continue past `n` (more input needed).
   */
  private parseQuoted(bytes: Uint8Array, pos: number, n: number, end: boolean): number {
    const d = this.d;
    this.openAtEnd = false;
    let i = pos;
    for (;;) {
      if (i < n && bytes[i] === QUOTE) {
        // Quoted field: find the closing quote, noting whether the value needs unescaping.
        let j = i + 1;
        let simple = true;
        let close = -1;
        for (;;) {
          while (j < n && bytes[j] !== QUOTE) j++;
          if (j >= n) break; // no closing quote yet
          if (j + 1 < n && bytes[j + 1] === QUOTE) {
            simple = false;
            j += 2;
            continue;
          }
          if (j + 1 >= n && !end) break; // a quote at the very end may be the first of `""`
          close = j;
          break;
        }
        if (close === -1) {
          if (!end) return -1;
          // Unterminated quoted field at the end of input: keep what was read.
          this.openAtEnd = true;
          this.pushValue(bytes, i + 1, n, simple, -1, n);
          return n;
        }
        // Lenient: text after the closing quote up to the delimiter or line end is kept.
        let k = close + 1;
        while (k < n) {
          const c = bytes[k];
          if (c === d || c === LF || (c === CR && k + 1 < n && bytes[k + 1] === LF)) break;
          k++;
        }
        if (k === n && !end) return -1;
        this.pushValue(bytes, i + 1, close, simple && k === close + 1, close + 1, k);
        i = k;
      } else {
        let k = i;
        while (k < n) {
          const c = bytes[k];
          if (c === d || c === LF) break;
          k++;
        }
        if (k === n && !end) return -1;
        const stop = k < n && bytes[k] === LF && k > i && bytes[k - 1] === CR ? k - 1 : k;
        this.begins.push(i);
        this.ends.push(stop);
        i = k;
      }
      if (i >= n) return n;
      const c = bytes[i];
      if (c === d) {
        i++;
        continue;
      }
      if (c === CR) i++; // CR LF after a closing quote
      return i;
    }
  }

  /**
   * Pushes a quoted value: `bytes[from, to)` with `""` read as `"`, followed by the
   * literal text `bytes[after, afterEnd)`. A simple value is a plain range; any
   * other is copied unescaped into the region past the records.
   */
  private pushValue(bytes: Uint8Array, from: number, to: number, simple: boolean, after: number, afterEnd: number): void {
    if (simple) {
      this.begins.push(from);
      this.ends.push(to);
      return;
    }
    const start = this.extra;
    let o = start;
    for (let j = from; j < to; j++) {
      const c = bytes[j];
      bytes[o++] = c;
      if (c === QUOTE && j + 1 < to && bytes[j + 1] === QUOTE) j++;
    }
    for (let j = after; j >= 0 && j < afterEnd; j++) bytes[o++] = bytes[j];
    this.extra = o;
    this.begins.push(start);
    this.ends.push(o);
  }
}
