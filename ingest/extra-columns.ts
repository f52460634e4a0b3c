/**
 * The extra header columns of a line (those the configuration does not name,
 * kept with `csv.extra_columns: keep`) as one JSON object (RFC 8259), written
 * from the CSV layer's byte ranges into a Utf8 column without making a string.
 */
import { Utf8Builder } from './columns';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef');
/** Two-character escapes of RFC 8259 §7 for control characters (the others are `\u00XX`). */
const SHORT: Readonly<Record<number, number>> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };
const NULL = Buffer.from('null');

/**
 * Writes `{"<name>": <value>, …}` for each line: names as in the header (trimmed),
 * in header order; a value is the field's text as a JSON string, `null` when the
 * field is empty. For valid UTF-8 the bytes equal `JSON.stringify` of the same object.
 */
export class ExtraColumnsWriter {
  /** `{"name":` for the first column, `,"name":` for the others, UTF-8. */
  private readonly keys: Uint8Array[];
  private buffer = new Uint8Array(256);

  /** @param names the extra columns' names, in header order (at least one). */
  constructor(names: readonly string[]) {
    this.keys = names.map((name, k) => Buffer.from(`${k === 0 ? '{' : ','}${JSON.stringify(name)}:`));
  }

  /**
   * Appends one record's object to `column`.
   * @param bytes, fieldBegin, fieldEnd the CSV batch's text and field ranges (`CsvRecordBatch`).
   * @param first index of the record's first field.
   * @param positions the extra columns' positions in the record, in the order of the names.
   */
  append(column: Utf8Builder, bytes: Uint8Array, fieldBegin: Int32Array, fieldEnd: Int32Array, first: number, positions: readonly number[]): void {
    let o = 0;
    for (let k = 0; k < this.keys.length; k++) {
      const key = this.keys[k];
      const b = fieldBegin[first + positions[k]];
      const e = fieldEnd[first + positions[k]];
      o = this.reserve(o, key.length + 6 * (e - b) + 8);
      const out = this.buffer;
      out.set(key, o);
      o += key.length;
      if (b === e) {
        out.set(NULL, o);
        o += NULL.length;
        continue;
      }
      out[o++] = QUOTE;
      for (let i = b; i < e; i++) {
        const c = bytes[i];
        if (c === QUOTE || c === BACKSLASH) {
          out[o++] = BACKSLASH;
          out[o++] = c;
        } else if (c < 0x20) {
          out[o++] = BACKSLASH;
          const short = SHORT[c];
          if (short !== undefined) out[o++] = short;
          else {
            out[o++] = 0x75; // u
            out[o++] = 0x30;
            out[o++] = 0x30;
            out[o++] = HEX[c >> 4];
            out[o++] = HEX[c & 15];
          }
        } else out[o++] = c;
      }
      out[o++] = QUOTE;
    }
    o = this.reserve(o, 1);
    this.buffer[o++] = 0x7d; // }
    column.append(this.buffer, 0, o);
  }

  /** Grows the buffer to hold `more` bytes past `used`; returns `used`. */
  private reserve(used: number, more: number): number {
    if (used + more > this.buffer.length) {
      const grown = new Uint8Array(Math.max(2 * this.buffer.length, used + more));
      grown.set(this.buffer.subarray(0, used));
      this.buffer = grown;
    }
    return used;
  }
}
