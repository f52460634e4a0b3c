/**
 * Wall-clock timestamp text → ms since the Unix epoch (UTC): a compiled token
 * parser over char codes, and time-zone offsets from `Intl` (IANA tz database).
 */

/** A format string that is not a valid token format, or an unknown time zone. */
export class TimeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeFormatError';
  }
}

/** Globals bound once: hot loops then avoid a global lookup per iteration (slow in `vm` contexts such as jest's). */
const floor = Math.floor;

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
 * Like {@link compileBytesTimeFormat} (same tokens, zones and errors), for text
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
 * Compiles a token format into a parser over bytes (no string is created per value).
 *
 * Tokens: `YYYY` (4-digit year), `M`/`MM` (month, 1–2 / exactly 2 digits), `D`/`DD`
 * (day), `H`/`HH` (hour 0–23), `m`/`mm` (minute), `s`/`ss` (second); every other
 * character must match literally. The whole text must be consumed. Fields absent
 * from the format default to month 1, day 1, 00:00:00. Days are checked against the
 * month's length (proleptic Gregorian calendar).
 *
 * @param format e.g. `M/D/YYYY H:mm`, `DD-MM-YYYY`, `YYYY-MM-DDTHH:mm:ss`.
 * @param timeZone `UTC` or an IANA zone (`Europe/London`): the zone of the wall-clock
 *   text. Local times that occur twice (DST fall-back) take the earlier instant;
 *   local times skipped by a DST spring-forward are read with the offset before the gap.
 * @throws TimeFormatError when the format has no year or the zone is unknown.
 * @example compileBytesTimeFormat('M/D/YYYY H:mm', 'UTC')(Buffer.from('12/1/2010 8:26'), 0, 14) === Date.UTC(2010, 11, 1, 8, 26)
 */
export function compileBytesTimeFormat(format: string, timeZone: string): BytesTimeParser {
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
  if (!steps.some((s) => s.field === Field.Year)) throw new TimeFormatError(`time format "${format}" has no YYYY token`);
  const toUtc = zoneToUtc(timeZone);
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
  /** Offset (ms, local − UTC) of the zone at UTC instant `t`. */
  const offsetAt = (t: number): number => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return local - Math.floor(t / 1000) * 1000;
  };
  const cache = new Map<number, number>();
  return (wall) => {
    const hour = floor(wall / 3_600_000);
    let offset = cache.get(hour);
    if (offset === undefined) {
      // Candidates: the offsets a day before and a day after (no zone changes twice a day).
      const before = offsetAt(wall - 86_400_000);
      const after = offsetAt(wall + 86_400_000);
      const beforeHolds = offsetAt(wall - before) === before;
      const afterHolds = offsetAt(wall - after) === after;
      if (beforeHolds && afterHolds) offset = Math.max(before, after); // overlap: the earlier instant
      else if (afterHolds) offset = after;
      else offset = before; // normal time, or a gap: the offset before the gap
      cache.set(hour, offset);
    }
    return wall - offset;
  };
}
