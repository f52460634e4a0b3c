/**
 * The champion/challenger rule on the validation cut-off's NDCG@K, tested for
 * significance over customers: the challenger is promoted only when a paired
 * bootstrap over the validation customers (`evaluation/bootstrap.ts`) puts the
 * one-sided lower confidence bound of its lead over the best baseline, and over
 * the champion when there is one, above 0. A lead that luck in which customers
 * bought could explain is not enough. A champion that cannot be re-scored on
 * this validation cut-off (it learnt its labels) is compared by its lead over
 * the best baseline, recorded on its own validation cut-off, with the
 * challenger's lead here: a month's difficulty moves both systems, and the
 * lead cancels it. See docs/promotion.md for the figures.
 */
import { BootstrapInputError, type BootstrapOptions, meanOf, type PairedBootstrap, pairedBootstrap } from '../evaluation/bootstrap';
import { fixed, signed } from '../lib/format';
import { DAY_MS } from '../lib/schema';

/** One side of the rule: the challenger against the best baseline or the champion. */
export interface Comparison {
  /** What the challenger is compared with. */
  role: 'baseline' | 'champion';
  /** The other system: a baseline's name or the champion's model id. */
  against: string;
  /** Mean NDCG@K of the challenger over the validation customers. */
  challenger: number;
  /**
   * Mean NDCG@K of the other system; when not paired, the champion's as it
   * would stand here: the best baseline's mean here plus the champion's `lead`.
   */
  other: number;
  /**
   * Whether the figures are paired per customer; false when the champion is
   * known only by its recorded lead (it learnt this validation window's labels),
   * and the test is the one-sample bootstrap of the challenger's per-customer
   * lead over the best baseline against it.
   */
  paired: boolean;
  /** When not paired: the champion's NDCG@K minus its best baseline's, on its own validation cut-off. */
  lead?: number;
  bootstrap: PairedBootstrap;
  /** The lower bound is above 0: the lead is significant. */
  significant: boolean;
}

/** Outcome of the champion/challenger rule. */
export interface PromotionDecision {
  promoted: boolean;
  /** Why, with the NDCG@K figures and their bootstrap compared. */
  decision: string;
  /** The challenger against the best baseline. */
  baseline: Comparison;
  /** The challenger against the champion, when one exists and is comparable. */
  champion?: Comparison;
}

/** What the rule compares: per-customer NDCG@K over one set of validation customers, in one order. */
export interface PromotionInput {
  k: number;
  /** NDCG@K per validation customer of the challenger. */
  challenger: ArrayLike<number>;
  /** The baseline with the highest mean NDCG@K, per customer. */
  baseline: { name: string; ndcg: ArrayLike<number> };
  /**
   * The champion per customer, or, when it cannot be re-scored fairly, its
   * recorded lead over its best baseline on its own validation cut-off (see
   * {@link Comparison.paired}).
   */
  champion?: { modelId: string; ndcg: ArrayLike<number> } | { modelId: string; lead: number };
  /** Resamples, seed and confidence of the bootstraps (the same for both). */
  bootstrap?: BootstrapOptions;
  /** What the decision says when there is no `champion` to compare with ['no champion yet']. */
  noChampion?: string;
}

const f = (x: number): string => fixed(x, 4);

/** The challenger against `other`, the same customers in the same order, with the paired bootstrap. */
export function compare(role: Comparison['role'], against: string, challenger: ArrayLike<number>, other: ArrayLike<number>, options: BootstrapOptions = {}): Comparison {
  const bootstrap = pairedBootstrap(challenger, other, options);
  return { role, against, challenger: meanOf(challenger), other: meanOf(other), paired: true, bootstrap, significant: bootstrap.lower > 0 };
}

/**
 * The challenger against a champion known by its recorded `lead` over its best
 * baseline: the one-sample bootstrap of the challenger's per-customer lead over
 * `baseline` (this validation cut-off's best) against it.
 * @param baseline the best baseline per customer, in the challenger's order.
 * @throws BootstrapInputError when it and the challenger differ in length.
 */
export function compareLead(against: string, challenger: ArrayLike<number>, baseline: ArrayLike<number>, lead: number, options: BootstrapOptions = {}): Comparison {
  if (baseline.length !== challenger.length) throw new BootstrapInputError(`expected figures of the same customers, found ${challenger.length} and ${baseline.length}`);
  const lift = Float64Array.from({ length: challenger.length }, (_, i) => challenger[i] - baseline[i]);
  const bootstrap = pairedBootstrap(lift, lead, options);
  return { role: 'champion', against, challenger: meanOf(challenger), other: meanOf(baseline) + lead, paired: false, lead, bootstrap, significant: bootstrap.lower > 0 };
}

/**
 * What a comparison compares with, as the decision, the card and the report
 * name it: `best baseline repeat`, `champion <id>`, or
 * `champion <id> (by its recorded lead +0.0527 over its best baseline)`.
 */
export function comparedWith(c: Pick<Comparison, 'role' | 'against' | 'paired' | 'lead'>): string {
  if (c.role === 'baseline') return `best baseline ${c.against}`;
  if (c.lead !== undefined) return `champion ${c.against} (by its recorded lead ${signed(c.lead)} over its best baseline)`;
  // Cards written before 2026-12-07 compared with the champion's recorded NDCG itself.
  return `champion ${c.against}${c.paired ? '' : ' (recorded figure)'}`;
}

/**
 * A comparison as the decision text gives it, e.g.
 * `best baseline repeat 0.3300: +0.0716, 95 % lower bound +0.0612, p 0.001`.
 */
export function formatComparison(c: Comparison): string {
  const b = c.bootstrap;
  return `${comparedWith(c)} ${f(c.other)}: ${signed(b.meanDifference)}, ${Math.round(b.confidence * 100)} % lower bound ${signed(b.lower)}, p ${b.pValue.toFixed(3)}`;
}

/**
 * The promotion rule: promote the challenger only when its validation NDCG@K
 * beats the best baseline's, and the champion's when there is one, by a margin
 * significant over customers: the one-sided lower bound (95 % by default) of the
 * bootstrap mean difference is above 0. A tie (bound 0) is not a win.
 * @returns the outcome and a one-line decision naming every figure compared.
 * @throws BootstrapInputError when the per-customer figures differ in length.
 * @example
 * promotionDecision({ k: 10, challenger: c.byCustomer.ndcg, baseline: { name: 'repeat', ndcg: r.byCustomer.ndcg } }).promoted
 */
export function promotionDecision(input: PromotionInput): PromotionDecision {
  const { k } = input;
  const baseline = compare('baseline', input.baseline.name, input.challenger, input.baseline.ndcg, input.bootstrap);
  const c = input.champion;
  const champion =
    c === undefined
      ? undefined
      : 'lead' in c
        ? compareLead(c.modelId, input.challenger, input.baseline.ndcg, c.lead, input.bootstrap)
        : compare('champion', c.modelId, input.challenger, c.ndcg, input.bootstrap);
  const b = baseline.bootstrap;
  const how = `paired bootstrap over ${b.n} validation customers, ${b.resamples} resamples, seed ${b.seed}`;
  const promoted = baseline.significant && (champion === undefined || champion.significant);
  const compared = [baseline, ...(champion === undefined ? [] : [champion])];
  if (promoted) {
    return {
      promoted,
      baseline,
      champion,
      decision: `promoted: validation NDCG@${k} ${f(baseline.challenger)} beats ${compared.map(formatComparison).join(' and ')}${champion === undefined ? `; ${input.noChampion ?? 'no champion yet'}` : ''} (${how})`,
    };
  }
  const losing = compared.filter((c) => !c.significant);
  return {
    promoted,
    baseline,
    champion,
    decision: `${champion === undefined ? 'not promoted' : 'kept champion'}: challenger NDCG@${k} ${f(baseline.challenger)} is not significantly above ${losing.map(formatComparison).join(' nor ')} (${how})`,
  };
}

/**
 * The end of the labels a model learnt, ms UTC: its validation cut-off (its training
 * cut-offs' labels end there), plus the horizon when it was refitted on that cut-off.
 * A validation window that starts before it holds labels the model was trained on,
 * so re-scoring the model there would judge it in-sample.
 * @param m the model's recorded `validationCutoff` (ms UTC) and `refit` (1 when refitted).
 * @param horizonDays H.
 */
export function labelsLearntUntil(m: { validationCutoff: number; refit?: number }, horizonDays: number): number {
  return m.validationCutoff + (m.refit === 1 ? horizonDays * DAY_MS : 0);
}

/**
 * The end of the labels a registered model learnt, ms UTC: the as-of time of its
 * training (its card's `asOf`: its calibration's validation labels end there), or,
 * for a model saved without a card, its validation cut-off plus the horizon.
 * Scores of it at an earlier as-of time would carry what happened after that time.
 * @param card the model's card, when it has one.
 * @param validationCutoff its manifest's recorded `validationCutoff`, ms UTC, when any.
 * @param horizonDays H of the run asking.
 * @returns ms UTC, or NaN when the model recorded neither.
 */
export function modelLearntUntil(card: { asOf: string } | undefined, validationCutoff: number | undefined, horizonDays: number): number {
  if (card !== undefined) return Date.parse(card.asOf);
  return validationCutoff === undefined ? Number.NaN : validationCutoff + horizonDays * DAY_MS;
}
