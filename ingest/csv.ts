/**
 * Text → CSV records: an RFC 4180 parser over streamed text chunks. Records are
 * emitted in columnar batches (flat field array + offsets), not row objects.
 *
 * Grammar (RFC 4180 §2, with LF accepted as well as CRLF): a record ends at an LF
 * outside quotes (a CR right before it is dropped); a field starting with `"` is
 * quoted and may hold the delimiter, CR, LF and `""` (one `"`); a `"` inside an
 * unquoted field, or text after a closing quote, is kept literally (lenient, as
 * Python's `csv` and DuckDB's `strict_mode=false`). A final line terminator does
 * not start another record; an empty line elsewhere is a record with one empty field.
 */

export interface CsvOptions {
  /** Field delimiter, one character (e.g. `,`, `;`, `\t`). */
  delimiter: string;
  /** Longest record accepted, in characters (bounds memory when a quote is never closed); 1 Mi by default. */
  maxRecordChars?: number;
  /** Name of the input (an object key) for errors. */
  source?: string;
}

/** A record longer than `maxRecordChars`: almost always a quote that is never closed. */
export class CsvRecordTooLongError extends Error {
  constructor(readonly source: string, readonly line: number, readonly maxRecordChars: number) {
    super(`${source}: line ${line}: record longer than ${maxRecordChars} characters (expected a line break; is a quote left open?)`);
    this.name = 'CsvRecordTooLongError';
  }
}

/** A batch of parsed records, columnar. */
export interface CsvRecordBatch {
  /** Records in the batch. */
  count: number;
  /** Fields of all records, record after record. */
  fields: string[];
  /** Fields of record r are `fields[fieldStart[r] .. fieldStart[r + 1])`; length `count + 1`. */
  fieldStart: Int32Array;
  /** 1-based physical line number where each record starts in the decoded text (header = 1). */
  line: Int32Array;
  /** Each record's text as read, without its line terminator. */
  raw: string[];
  /**
   * True when the last record of the batch ran into the end of input inside a
   * quoted field (RFC 4180 violation): its fields are what could be read; callers reject it.
   */
  unterminated: boolean;
}

const QUOTE = 0x22;
const CR = 0x0d;

/**
 * Parses CSV text chunks into record batches, one batch per input chunk that
 * completes at least one record. A record split across chunks is carried over
 * (only the incomplete tail is kept, so memory is bounded by the chunk size plus
 * the longest record).
 *
 * @param text decoded text chunks of any size (see `text.ts`).
 * @throws CsvRecordTooLongError when an unfinished record outgrows `maxRecordChars`.
 * @throws RangeError for a delimiter that is not one character other than quote, CR, LF.
 * @example
 * for await (const batch of parseCsv(decodeText(bytes, 'utf-8'), { delimiter: ',' })) …
 */
export async function* parseCsv(text: AsyncIterable<string>, options: CsvOptions): AsyncGenerator<CsvRecordBatch> {
  const parser = new CsvParser(options.delimiter);
  const max = options.maxRecordChars ?? 1 << 20;
  for await (const chunk of text) {
    const batch = parser.push(chunk, false);
    if (parser.pendingChars > max) throw new CsvRecordTooLongError(options.source ?? 'CSV', parser.pendingLine, max);
    if (batch.count > 0) yield batch;
  }
  const last = parser.push('', true);
  if (last.count > 0) yield last;
}

/** The incremental state machine behind {@link parseCsv}. */
class CsvParser {
  /** Unparsed text: the start of a record not yet terminated. */
  private carry = '';
  /** Physical line number of the first line of `carry`. */
  private nextLine = 1;
  private readonly delimiterCode: number;

  constructor(private readonly delimiter: string) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new RangeError(`CSV delimiter must be one character other than quote, CR or LF; found ${JSON.stringify(delimiter)}`);
    }
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Characters of the record not yet terminated. */
  get pendingChars(): number {
    return this.carry.length;
  }

  /** Line where the record not yet terminated starts. */
  get pendingLine(): number {
    return this.nextLine;
  }

  /** Parses every complete record of `carry + chunk`; at `end`, also the unterminated rest. */
  push(chunk: string, end: boolean): CsvRecordBatch {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    const fields: string[] = [];
    const starts: number[] = [0];
    const lines: number[] = [];
    const raw: string[] = [];
    let unterminated = false;
    let pos = 0;
    let line = this.nextLine;
    let nextQuote = text.indexOf('"');
    const n = text.length;
    while (pos < n) {
      let lf = text.indexOf('\n', pos);
      if (lf === -1) {
        if (!end) break;
        lf = n;
      }
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      if (nextQuote === -1 || nextQuote > lf) {
        // Fast path: no quote on this line.
        const stop = lf > pos && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
        const record = text.slice(pos, stop);
        const parts = record.split(this.delimiter);
        for (let i = 0; i < parts.length; i++) fields.push(parts[i]);
        starts.push(fields.length);
        lines.push(line);
        raw.push(record);
        line++;
        pos = lf + 1;
        continue;
      }
      const done = this.parseQuoted(text, pos, end, fields);
      if (done === undefined) break; // incomplete record: wait for more text
      const stop = done.next > pos && text.charCodeAt(done.next - 1) === CR && done.terminated ? done.next - 1 : done.next;
      const record = text.slice(pos, stop);
      starts.push(fields.length);
      lines.push(line);
      raw.push(record);
      line += 1 + countLf(text, pos, done.next);
      unterminated = done.unterminated;
      pos = done.next + (done.terminated ? 1 : 0);
    }
    this.carry = pos < n ? text.slice(pos) : '';
    this.nextLine = line;
    return {
      count: lines.length,
      fields,
      fieldStart: Int32Array.from(starts),
      line: Int32Array.from(lines),
      raw,
      unterminated,
    };
  }

  /**
   * Parses one record that contains a quote, from `pos`. Returns `undefined` when
   * the record may continue past the text (more input needed), else the index of
   * its terminating LF (or of the end of text) in `next`.
   */
  private parseQuoted(
    text: string,
    pos: number,
    end: boolean,
    fields: string[],
  ): { next: number; terminated: boolean; unterminated: boolean } | undefined {
    const n = text.length;
    const d = this.delimiterCode;
    const mark = fields.length;
    let i = pos;
    for (;;) {
      // One field starting at i.
      if (i < n && text.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1 || (q === n - 1 && !end)) {
            if (!end) return this.rollback(fields, mark);
            // Unterminated quoted field at the end of input.
            fields.push(value + text.slice(from));
            return { next: n, terminated: false, unterminated: true };
          }
          if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          i = q + 1;
          break;
        }
        // Lenient: text after the closing quote up to the delimiter is kept.
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 0x0a || (c === CR && j + 1 < n && text.charCodeAt(j + 1) === 0x0a)) break;
          j++;
        }
        if (j === n && !end) return this.rollback(fields, mark);
        if (j > i) value += text.slice(i, j);
        fields.push(value);
        i = j;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 0x0a) break;
          j++;
        }
        if (j === n && !end) return this.rollback(fields, mark);
        const stop = j < n && text.charCodeAt(j) === 0x0a && j > i && text.charCodeAt(j - 1) === CR ? j - 1 : j;
        fields.push(text.slice(i, stop));
        i = j;
      }
      if (i >= n) return { next: n, terminated: false, unterminated: false };
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        continue;
      }
      if (c === CR) i++; // CR LF after a closing quote
      return { next: i, terminated: true, unterminated: false };
    }
  }

  private rollback(fields: string[], mark: number): undefined {
    fields.length = mark;
    return undefined;
  }
}

function countLf(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
