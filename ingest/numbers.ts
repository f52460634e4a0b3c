/**
 * Numbers parsed straight from UTF-8/ASCII bytes, without creating strings: a
 * strict int32 reader and a decimal reader that gives exactly `Number(text)`.
 */

/** Powers of ten exactly representable as doubles (10^0 … 10^22). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const LATIN1 = new TextDecoder('latin1');

/**
 * Reads a strict int32 from `bytes[begin, end)`: an optional `+`/`-` and decimal
 * digits only (no spaces, no exponent).
 * @returns the value, or `NaN` for any other text or a value outside −2^31 … 2^31−1.
 */
export function parseInt32(bytes: Uint8Array, begin: number, end: number): number {
  let i = begin;
  let negative = false;
  const first = bytes[i];
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i++;
  }
  if (i >= end) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const d = bytes[i] - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
    if (v > 2147483648) return NaN;
  }
  v = negative ? -v : v;
  return v > 2147483647 ? NaN : v;
}

/**
 * Reads a decimal number from `bytes[begin, end)` with the grammar
 * `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` (no spaces, no
 * `Infinity`, no hex). The value equals `Number(text)` (correctly rounded): when
 * the significant digits fit in 2^53 and the decimal exponent is within ±22, it
 * is one exact IEEE-754 multiplication or division, hence correctly rounded
 * (W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990,
 * the "fast path"); otherwise the text is handed to `Number`.
 * @returns the value (±Infinity past the largest 64-bit float, as `Number` gives), or `NaN` when the text does not match the grammar.
 */
export function parseDecimal(bytes: Uint8Array, begin: number, end: number): number {
  let i = begin;
  let negative = false;
  if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
    negative = bytes[i] === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  for (; i < end; i++) {
    const c = bytes[i] - 48;
    if (c < 0 || c > 9) break;
    mantissa = mantissa * 10 + c;
    digits++;
    if (mantissa > 0) significant++;
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    for (; i < end; i++) {
      const c = bytes[i] - 48;
      if (c < 0 || c > 9) break;
      mantissa = mantissa * 10 + c;
      digits++;
      scale--;
      if (mantissa > 0) significant++;
    }
  }
  if (digits === 0) return NaN;
  let exponent = 0;
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === 0x2d || bytes[i] === 0x2b)) {
      expNegative = bytes[i] === 0x2d;
      i++;
    }
    const from = i;
    for (; i < end; i++) {
      const c = bytes[i] - 48;
      if (c < 0 || c > 9) break;
      if (exponent < 100000) exponent = exponent * 10 + c;
    }
    if (i === from) return NaN;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return NaN;
  const e = scale + exponent;
  let v: number;
  if (significant <= 15 && e >= -22 && e <= 22) v = e < 0 ? mantissa / EXACT_POW10[-e] : mantissa * EXACT_POW10[e];
  else return +LATIN1.decode(bytes.subarray(begin, end));
  return negative ? -v : v;
}

/**
 * How a CSV writes its numbers (`csv.decimal_separator`, `csv.thousands_separator`):
 * the decimal separator and an optional thousands separator, one ASCII byte each.
 */
export interface NumberFormat {
  /** Byte of the decimal separator: `.` (0x2e) or `,` (0x2c). */
  decimal: number;
  /** Byte of the thousands separator, or -1 when numbers are not grouped. */
  thousands: number;
}

/** Readers of the quantity and price fields of one number format. */
export interface NumberReaders {
  /** {@link parseInt32} of the field written in the format: `NaN` for any other text. */
  int32(bytes: Uint8Array, begin: number, end: number): number;
  /** {@link parseDecimal} of the field written in the format: `NaN` for any other text. */
  decimal(bytes: Uint8Array, begin: number, end: number): number;
}

/**
 * Readers of numbers written in `format`. The plain format (`.` and no thousands
 * separator) reads with {@link parseInt32} and {@link parseDecimal} as they are.
 * Any other first rewrites the field into the plain grammar, then reads it so:
 * - a thousands separator may only group the integer part by three digits from
 *   the right, after a first group that does not start with 0 (`1.234.567,5`;
 *   `12.34,5`, `1.2345` and `0.125` are `NaN`); the integer part may also be
 *   written without it (`1234,5`);
 * - the decimal separator becomes `.`, and a `.` that is neither separator
 *   makes the field `NaN`, so a file of `4.50` read with `decimal_separator: ","`
 *   is rejected line by line, not read as 450.
 * What no reader can tell apart: with a `.` thousands separator, `4.500` is 4500.
 * @param format the separators; `thousands` must differ from `decimal`.
 * @throws RangeError when the two separators are the same byte.
 */
export function numberReaders(format: NumberFormat): NumberReaders {
  if (format.decimal === 0x2e && format.thousands === -1) return { int32: parseInt32, decimal: parseDecimal };
  if (format.thousands === format.decimal) throw new RangeError(`the thousands separator must differ from the decimal separator, both are ${JSON.stringify(String.fromCharCode(format.decimal))}`);
  let scratch = new Uint8Array(64);
  const plain = (bytes: Uint8Array, begin: number, end: number): number => {
    if (scratch.length < end - begin) scratch = new Uint8Array(2 * (end - begin));
    return rewritePlain(bytes, begin, end, format, scratch);
  };
  return {
    int32: (bytes, begin, end) => {
      const n = plain(bytes, begin, end);
      return n < 0 ? NaN : parseInt32(scratch, 0, n);
    },
    decimal: (bytes, begin, end) => {
      const n = plain(bytes, begin, end);
      return n < 0 ? NaN : parseDecimal(scratch, 0, n);
    },
  };
}

/**
 * Writes `bytes[begin, end)`, a number in `format`, to `out` in the plain grammar
 * of {@link parseDecimal} (see {@link numberReaders} for the rules).
 * @returns the bytes written, or -1 when the separators are misplaced.
 */
function rewritePlain(bytes: Uint8Array, begin: number, end: number, format: NumberFormat, out: Uint8Array): number {
  let n = 0;
  let i = begin;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) out[n++] = bytes[i++];
  // The integer part: digits in groups of three after the first when grouped.
  let run = 0;
  let separators = 0;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c >= 0x30 && c <= 0x39) {
      out[n++] = c;
      run++;
    } else if (c === format.thousands) {
      // A grouped number never starts with the group 0: `0.125` is a decimal written with the other separator.
      if (run === 0 || run > 3 || (separators > 0 ? run !== 3 : out[n - run] === 0x30)) return -1;
      separators++;
      run = 0;
    } else break;
  }
  if (separators > 0 && run !== 3) return -1;
  // The rest (decimal separator, fraction, exponent): no thousands separator, no other `.`.
  for (; i < end; i++) {
    const c = bytes[i];
    if (c === format.decimal) out[n++] = 0x2e;
    else if (c === 0x2e || c === format.thousands) return -1;
    else out[n++] = c;
  }
  return n;
}
