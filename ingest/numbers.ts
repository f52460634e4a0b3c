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
