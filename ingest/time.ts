/**
 * Timestamp text → ms since the Unix epoch (UTC): compiled parsers over bytes for
 * token formats (`M/D/YYYY H:mm`), ISO 8601 date-times with or without an offset,
 * and Unix epoch seconds or milliseconds; time-zone offsets of wall-clock times
 * from `Intl` (IANA tz database).
 */
import { TIME_FORMAT_KEYWORDS } from '../lib/config-types';

/** A format string that is not a valid token format, or an unknown time zone. */
export class TimeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeFormatError';
  }
}

/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const floor = Math.floor;
const isNaN = Number.isNaN;

const enum Field {
  Year,
  Month,
  Day,
  Hour,
  Minute,
  Second,
}

/** One step of a compiled format: a numeric field of `min..max` digits, or a literal byte. */
interface Step {
  field: Field | -1;
  minDigits: number;
  maxDigits: number;
  literal: number;
}

/** Tokens, longest first so `YYYY` wins over a literal `Y` and `MM` over `M`. */
const TOKENS: ReadonlyArray<[string, Field, number, number]> = [
  ['YYYY', Field.Year, 4, 4],
  ['MM', Field.Month, 2, 2],
  ['M', Field.Month, 1, 2],
  ['DD', Field.Day, 2, 2],
  ['D', Field.Day, 1, 2],
  ['HH', Field.Hour, 2, 2],
  ['H', Field.Hour, 1, 2],
  ['mm', Field.Minute, 2, 2],
  ['m', Field.Minute, 1, 2],
  ['ss', Field.Second, 2, 2],
  ['s', Field.Second, 1, 2],
];

/** Parses a timestamp string; returns ms UTC, or `NaN` when it does not match or is out of range. */
export type TimeParser = (text: string) => number;

/** Parses the timestamp held in `bytes[begin, end)` (ASCII/UTF-8); returns ms UTC, or `NaN` when it does not match or is out of range. */
export type BytesTimeParser = (bytes: Uint8Array, begin: number, end: number) => number;

/**
 * Like {@link compileBytesTimeFormat} (same formats, zones and errors), for text
 * given as a string (tests, messages); the ingest hot path uses the bytes parser.
 */
export function compileTimeFormat(format: string, timeZone: string): TimeParser {
  const parse = compileBytesTimeFormat(format, timeZone);
  const encoder = new TextEncoder();
  return (text: string) => {
    const b = encoder.encode(text);
    return parse(b, 0, b.length);
  };
}

/**
 * Compiles a time format into a parser over bytes (no string is created per value).
 *
 * Token formats: `YYYY` (4-digit year), `M`/`MM` (month, 1–2 / exactly 2 digits), `D`/`DD`
 * (day), `H`/`HH` (hour 0–23), `m`/`mm` (minute), `s`/`ss` (second); every other
 * character must match literally. The whole text must be consumed. Fields absent
 * from the format default to month 1, day 1, 00:00:00. Days are checked against the
 * month's length (proleptic Gregorian calendar).
 *
 * Keywords:
 * - `ISO8601`: an ISO 8601 (ISO 8601-1:2019, extended format) calendar date
 *   `YYYY-MM-DD`, alone (midnight) or followed by `T` (or `t`, or a space as RFC 3339
 *   §5.6 allows) and `HH:mm`, optional `:ss`, optional fraction of a second (`.` or
 *   `,`, 1–9 digits, cut to milliseconds), and an optional offset `Z`, `z`, `±HH:MM`,
 *   `±HHMM` or `±HH`. Hours run to 23, minutes and seconds to 59. A time with an
 *   offset is that instant; one without (and a date alone) is wall-clock time in `timeZone`.
 * - `epoch_s`: seconds since 1970-01-01T00:00:00Z, an optional `-`, 1–16 digits and an
 *   optional fraction (`.`, 1–9 digits, cut to milliseconds).
 * - `epoch_ms`: milliseconds since then, an optional `-` and 1–16 digits.
 * Epoch times are instants, whatever `timeZone`. Every result is within ±8.64e15 ms
 * (the range of ECMAScript dates); text outside it does not parse.
 *
 * @param format a token format such as `M/D/YYYY H:mm`, `DD-MM-YYYY`, `YYYY-MM-DDTHH:mm:ss`,
 *   or one of {@link TIME_FORMAT_KEYWORDS}.
 * @param timeZone `UTC` or an IANA zone (`Europe/London`): the zone of wall-clock
 *   text. Local times that occur twice (DST fall-back) take the earlier instant;
 *   local times skipped by a DST spring-forward are read with the offset before the gap.
 * @returns a parser of `bytes[begin, end)` (UTF-8) to ms UTC, `NaN` when the text does not match.
 * @throws TimeFormatError when a token format has no year or the zone is unknown.
 * @example compileBytesTimeFormat('M/D/YYYY H:mm', 'UTC')(Buffer.from('12/1/2010 8:26'), 0, 14) === Date.UTC(2010, 11, 1, 8, 26)
 * @example compileBytesTimeFormat('ISO8601', 'UTC')(Buffer.from('2024-01-02T10:00:00+01:00'), 0, 25) === Date.UTC(2024, 0, 2, 9)
 */
export function compileBytesTimeFormat(format: string, timeZone: string): BytesTimeParser {
  const toUtc = zoneToUtc(timeZone);
  if (format === 'ISO8601') return iso8601Parser(toUtc);
  if (format === 'epoch_s') return epochParser(1000);
  if (format === 'epoch_ms') return epochParser(1);
  const steps: Step[] = [];
  for (let i = 0; i < format.length; ) {
    const token = TOKENS.find(([t]) => format.startsWith(t, i));
    if (token) {
      steps.push({ field: token[1], minDigits: token[2], maxDigits: token[3], literal: 0 });
      i += token[0].length;
    } else {
      // A literal character is matched as its UTF-8 bytes.
      const ch = String.fromCodePoint(format.codePointAt(i)!);
      for (const byte of Buffer.from(ch, 'utf8')) steps.push({ field: -1, minDigits: 0, maxDigits: 0, literal: byte });
      i += ch.length;
    }
  }
  if (!steps.some((s) => s.field === Field.Year)) throw new TimeFormatError(`time format "${format}" has no YYYY token and is none of ${TIME_FORMAT_KEYWORDS.join(', ')}`);
  const values = new Int32Array(6);

  return (bytes: Uint8Array, begin: number, end: number): number => {
    const n = end;
    values[Field.Year] = 0;
    values[Field.Month] = 1;
    values[Field.Day] = 1;
    values[Field.Hour] = 0;
    values[Field.Minute] = 0;
    values[Field.Second] = 0;
    let i = begin;
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k];
      if (step.field === -1) {
        if (i >= n || bytes[i] !== step.literal) return NaN;
        i++;
        continue;
      }
      let v = 0;
      let digits = 0;
      while (digits < step.maxDigits && i < n) {
        const c = bytes[i] - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
        i++;
        digits++;
      }
      if (digits < step.minDigits || digits === 0) return NaN;
      values[step.field] = v;
    }
    if (i !== n) return NaN;
    const y = values[Field.Year];
    const mo = values[Field.Month];
    const d = values[Field.Day];
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
    if (values[Field.Hour] > 23 || values[Field.Minute] > 59 || values[Field.Second] > 59) return NaN;
    return toUtc(daysFromCivil(y, mo, d) * 86_400_000 + values[Field.Hour] * 3_600_000 + values[Field.Minute] * 60_000 + values[Field.Second] * 1000);
  };
}

const enum Byte {
  Zero = 0x30,
  Minus = 0x2d,
  Plus = 0x2b,
  Colon = 0x3a,
  Dot = 0x2e,
  Comma = 0x2c,
  Space = 0x20,
  T = 0x54,
  t = 0x74,
  Z = 0x5a,
  z = 0x7a,
}

/** The ISO 8601 parser of {@link compileBytesTimeFormat}; `toUtc` reads times without an offset. */
function iso8601Parser(toUtc: (wallMs: number) => number): BytesTimeParser {
  return (b: Uint8Array, begin: number, end: number): number => {
    let i = begin;
    /** The next `n` digits as a number, or −1 when they are not `n` digits. */
    const digits = (n: number): number => {
      if (i + n > end) return -1;
      let v = 0;
      for (let k = 0; k < n; k++) {
        const c = b[i + k] - Byte.Zero;
        if (c < 0 || c > 9) return -1;
        v = v * 10 + c;
      }
      i += n;
      return v;
    };
    const y = digits(4);
    if (y < 0 || b[i++] !== Byte.Minus) return NaN;
    const mo = digits(2);
    if (mo < 0 || b[i++] !== Byte.Minus) return NaN;
    const d = digits(2);
    if (d < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
    let h = 0;
    let mi = 0;
    let sec = 0;
    let ms = 0;
    let offset = NaN;
    if (i < end) {
      const sep = b[i++];
      if (sep !== Byte.T && sep !== Byte.t && sep !== Byte.Space) return NaN;
      h = digits(2);
      if (h < 0 || b[i++] !== Byte.Colon) return NaN;
      mi = digits(2);
      if (mi < 0) return NaN;
      if (i < end && b[i] === Byte.Colon) {
        i++;
        sec = digits(2);
        if (sec < 0) return NaN;
        if (i < end && (b[i] === Byte.Dot || b[i] === Byte.Comma)) {
          i++;
          let n = 0;
          for (let scale = 100; i < end && b[i] >= Byte.Zero && b[i] <= Byte.Zero + 9; i++, n++, scale /= 10) if (n < 3) ms += (b[i] - Byte.Zero) * scale;
          if (n === 0 || n > 9) return NaN;
        }
      }
      if (h > 23 || mi > 59 || sec > 59) return NaN;
      if (i < end) {
        const sign = b[i++];
        if (sign === Byte.Z || sign === Byte.z) offset = 0;
        else if (sign === Byte.Plus || sign === Byte.Minus) {
          const oh = digits(2);
          let om = 0;
          if (i < end) {
            if (b[i] === Byte.Colon) i++;
            om = digits(2);
          }
          if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
          offset = (sign === Byte.Minus ? -1 : 1) * (oh * 3_600_000 + om * 60_000);
        } else return NaN;
      }
    }
    if (i !== end) return NaN;
    const wall = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
    return isNaN(offset) ? toUtc(wall) : wall - offset;
  };
}

/** The epoch parser of {@link compileBytesTimeFormat}: `unitMs` ms per unit, a fraction only for seconds. */
function epochParser(unitMs: 1000 | 1): BytesTimeParser {
  return (b: Uint8Array, begin: number, end: number): number => {
    let i = begin;
    const negative = i < end && b[i] === Byte.Minus;
    if (negative) i++;
    let v = 0;
    const from = i;
    for (; i < end && b[i] >= Byte.Zero && b[i] <= Byte.Zero + 9; i++) v = v * 10 + (b[i] - Byte.Zero);
    if (i === from || i - from > 16) return NaN;
    let ms = v * unitMs;
    if (unitMs === 1000 && i < end && b[i] === Byte.Dot) {
      i++;
      let n = 0;
      for (let scale = 100; i < end && b[i] >= Byte.Zero && b[i] <= Byte.Zero + 9; i++, n++, scale /= 10) if (n < 3) ms += (b[i] - Byte.Zero) * scale;
      if (n === 0 || n > 9) return NaN;
    }
    if (i !== end || ms > 8.64e15) return NaN;
    return negative ? 0 - ms : ms;
  };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms", `days_from_civil`). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = floor(y / 400);
  const yoe = y - era * 400;
  const doy = floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Maps a wall-clock time (ms, as if UTC) in `timeZone` to the UTC instant. For an
 * IANA zone the offset comes from `Intl.DateTimeFormat` and is cached per wall-clock hour.
 */
function zoneToUtc(timeZone: string): (wallMs: number) => number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return (wall) => wall;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (e) {
    throw new TimeFormatError(`unknown time zone "${timeZone}": expected UTC or an IANA zone such as Europe/London (${(e as Error).message})`);
  }
  /**
   * Offset (ms, local − UTC) of the zone at UTC instant `t`. The local date goes through
   * `daysFromCivil`, not `Date.UTC` (which reads years 0–99 as 1900–1999), and a year of
   * the era before Christ (`1 BC` is year 0) is turned into an astronomical year.
   */
  const offsetAt = (t: number): number => {
    const p: Record<string, number> = {};
    let bc = false;
    for (const part of fmt.formatToParts(t)) {
      if (part.type === 'era') bc = part.value.startsWith('B');
      else if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const local = daysFromCivil(bc ? 1 - p.year : p.year, p.month, p.day) * 86_400_000 + p.hour * 3_600_000 + p.minute * 60_000 + p.second * 1000;
    return local - Math.floor(t / 1000) * 1000;
  };
  // Offsets by wall-clock hour where the zone does not change within a day of it, else
  // by minute: some changes are not on the hour (Australia/Lord_Howe moves by 30 minutes at 02:00).
  const byHour = new Map<number, number>();
  const byMinute = new Map<number, number>();
  return (wall) => {
    const hour = floor(wall / 3_600_000);
    let offset = byHour.get(hour) ?? byMinute.get(floor(wall / 60_000));
    if (offset === undefined) {
      // Candidates: the offsets a day before and a day after (no zone changes twice a day).
      const before = offsetAt(wall - 86_400_000);
      const after = offsetAt(wall + 86_400_000);
      const beforeHolds = offsetAt(wall - before) === before;
      const afterHolds = offsetAt(wall - after) === after;
      if (beforeHolds && afterHolds) offset = Math.max(before, after); // overlap: the earlier instant
      else if (afterHolds) offset = after;
      else offset = before; // normal time, or a gap: the offset before the gap
      if (before === after) byHour.set(hour, offset);
      else byMinute.set(floor(wall / 60_000), offset);
    }
    return wall - offset;
  };
}
