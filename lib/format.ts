/**
 * Number and date formats for people, shared by every text berserkr writes for reading
 * (the HTML report, model cards, decision lines, backtest tables): plain text, no markup.
 */

/** A number with `digits` decimals, or `–` when absent or not finite. */
export function fixed(x: number | undefined, digits = 3): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** A difference with its sign always shown (a true minus sign), e.g. `+0.0527`, `−0.0015`. */
export function signed(x: number, digits = 4): string {
  return `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(digits)}`;
}

/** A share in [0, 1] as a percentage with `digits` decimals, e.g. `61.0 %`. */
export function percent(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)} %`;
}

/** An integer count with thousands separators, e.g. `541,909`. */
export function count(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** The UTC calendar day of an instant (ms since the epoch), `YYYY-MM-DD`: the day a backtest keys its figures by. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
