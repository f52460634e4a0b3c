/**
 * Scheduled retraining, the pure parts: cron expressions (croner, 5 or 6
 * fields, https://github.com/Hexagon/croner), durations such as `7d`, and the
 * rule that decides whether a tick retrains: new raw data arrived, or the
 * champion is older than the configured age, or there is no champion yet (or
 * none that can score).
 */
import { Cron } from 'croner';

/** A cron expression croner cannot parse. */
export class CronExpressionError extends Error {
  constructor(readonly expression: string, detail: string) {
    super(`invalid cron expression ${JSON.stringify(expression)}: ${detail}; expected 5 or 6 fields, e.g. "0 3 * * *" (03:00 UTC daily)`);
    this.name = 'CronExpressionError';
  }
}

/** A duration that is not `<number><unit>` with unit ms, s, m, h or d. */
export class DurationError extends Error {
  /**
   * @param value the text read.
   * @param source where it was read, e.g. an environment variable, named first in the message.
   */
  constructor(
    readonly value: string,
    source?: string,
  ) {
    super(`${source === undefined ? '' : `${source}: `}invalid duration ${JSON.stringify(value)}: expected a positive number and a unit ms, s, m, h or d, e.g. 500ms, 90s, 30m, 12h, 7d`);
    this.name = 'DurationError';
  }
}

/** The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `500ms`, `90s`, `30m`, `12h`, `7d`, `1.5h` into ms.
 * @param source where `value` was read (e.g. `BERSERKR_LOCK_WAIT`), named by the error.
 * @throws DurationError quoting the value and its source.
 */
export function parseDuration(value: string, source?: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
  if (!(ms > 0)) throw new DurationError(value, source);
  return Math.round(ms);
}

/**
 * A paused croner job for `expression`, evaluated in UTC; use `nextRun()` to
 * get the next tick. Nothing runs until the caller schedules it.
 * @throws CronExpressionError quoting the expression and croner's reason.
 */
export function parseCron(expression: string): Cron {
  try {
    return new Cron(expression, { timezone: 'UTC', paused: true });
  } catch (error) {
    throw new CronExpressionError(expression, (error as Error).message);
  }
}

/** What a tick knows when it decides. */
export interface RetrainInputs {
  /** Raw objects ingested by this tick that are new or changed (not those read again for missing parts or newer rules). */
  newObjects: number;
  /**
   * Unchanged raw objects this tick read again because an older version of ingest's
   * rules made their rows (`olderRules` of ingest/run.ts), whose rows may now differ;
   * those read again for missing parts hold the rows they held and are in neither count.
   */
  rereadObjects?: number;
  /** `promotedAt` of the data set's `models/<data set>/champion.json` (ISO 8601), undefined without a champion. */
  championPromotedAt: string | undefined;
  /**
   * Why the champion cannot score, when it cannot (`championUnscoreable` of training/champion-check.ts: its model
   * or fallback record is gone or damaged, it reads other features than today's, or it is of another horizon),
   * or why the pointer names none (it is damaged): such a champion is no champion, and the tick retrains.
   */
  championUnscoreable?: string;
  /** Its `challengedAt` (ISO 8601): the latest training that kept it; undefined when none has since its promotion. */
  championChallengedAt?: string;
  /** The latest `ingestedAt` of the data set's ledger (ISO 8601): when raw data last arrived; undefined when it lists no object. */
  lastIngestedAt?: string;
  /** The ledger's `forgottenAt` (ISO 8601): when objects whose raw object is gone were last dropped (`--forget-missing`); undefined when none was. */
  lastForgottenAt?: string;
  /** Retrain when the champion was promoted, or last challenged, at least this long ago, ms. */
  maxModelAgeMs: number;
  /** Now, ms since the epoch. */
  now: number;
}

export interface RetrainDecision {
  retrain: boolean;
  /** One sentence for the log and run record. */
  reason: string;
}

/**
 * The retraining rule of `berserkr schedule`: retrain (features, challenger,
 * champion/challenger, scoring, export) when new data arrived or the rows of
 * unchanged data were read again under newer ingest rules, when there is no
 * champion (or one that cannot score: `championUnscoreable`), when raw data arrived, or objects whose raw
 * object is gone were dropped, after the champion's latest training (in a tick
 * that stopped before it trained, or an `ingest` of its own), or
 * when the champion's age reaches `maxModelAgeMs`; else nothing changed. The
 * champion's latest training, from which its age runs too, is the later of its
 * promotion and the latest training that challenged and kept it, so that a
 * champion no challenger beats is challenged once per `maxModelAgeMs`, not at
 * every tick. A `promotedAt` that is not a time counts as too old.
 */
export function decideRetrain(i: RetrainInputs): RetrainDecision {
  if (i.newObjects > 0) return { retrain: true, reason: `${i.newObjects} new raw object${i.newObjects === 1 ? '' : 's'} ingested` };
  const reread = i.rereadObjects ?? 0;
  if (reread > 0) return { retrain: true, reason: `${reread} unchanged raw object${reread === 1 ? '' : 's'} read again under newer ingest rules, whose rows may differ` };
  if (i.championUnscoreable !== undefined) return { retrain: true, reason: `${i.championUnscoreable}; it is no champion, so this tick retrains (the training picks a champion or fallback anew)` };
  if (i.championPromotedAt === undefined) return { retrain: true, reason: 'no champion model yet' };
  const challenged = i.championChallengedAt === undefined ? Number.NaN : Date.parse(i.championChallengedAt);
  const trained = challenged > Date.parse(i.championPromotedAt) ? challenged : Date.parse(i.championPromotedAt);
  const champion = `champion promoted at ${i.championPromotedAt}${Number.isNaN(challenged) ? '' : `, last challenged at ${i.championChallengedAt},`}`;
  if (i.lastIngestedAt !== undefined && Date.parse(i.lastIngestedAt) > trained) {
    return { retrain: true, reason: `raw data ingested at ${i.lastIngestedAt} was never trained on: the champion's latest training (its promotion, or the latest challenge it stood) was at ${new Date(trained).toISOString()}` };
  }
  if (i.lastForgottenAt !== undefined && Date.parse(i.lastForgottenAt) > trained) {
    return { retrain: true, reason: `objects whose raw object is gone were dropped from the lake at ${i.lastForgottenAt}, after the champion's latest training (its promotion, or the latest challenge it stood) at ${new Date(trained).toISOString()}: the data changed` };
  }
  const age = i.now - trained;
  // Seconds or minutes below an hour, so that a fresh champion does not read 0.0 h old.
  const hours = (ms: number): string => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);
  if (!(age < i.maxModelAgeMs)) {
    return { retrain: true, reason: `${champion} is ${Number.isFinite(age) ? hours(age) : 'of unknown age'}, max age ${hours(i.maxModelAgeMs)}` };
  }
  return { retrain: false, reason: `nothing changed: no new raw objects, ${champion} is ${hours(age)} old (max ${hours(i.maxModelAgeMs)})` };
}
