/**
 * Typed errors of the feature engine. Each quotes the offending value and
 * says what was expected instead.
 */
import type { PurchaseEventCounts } from './events';

/** A column the feature engine needs is absent from the input table or has the wrong type. */
export class FeatureColumnError extends Error {
  override readonly name = 'FeatureColumnError';
  /**
   * @param column the column name.
   * @param expected what the column should be, e.g. `a numeric or timestamp column`.
   * @param found what the table holds, e.g. `Utf8` or `absent`.
   */
  constructor(
    readonly column: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`column "${column}": expected ${expected}, found ${found}`);
  }
}

/** A purchase rule of the data-set configuration that cannot be evaluated: bad usage (exit 2, `cli/exit.ts`). */
export class PurchaseRuleError extends Error {
  override readonly name = 'PurchaseRuleError';
  /**
   * @param ruleIndex 0-based position of the rule in the configuration's `purchase` list.
   * @param rule the rule as configured, quoted in the message.
   * @param reason what is wrong with it.
   */
  constructor(
    readonly ruleIndex: number,
    readonly rule: unknown,
    reason: string,
  ) {
    super(`purchase rule #${ruleIndex} ${JSON.stringify(rule)}: ${reason}`);
  }
}

/** Typed columns that break an invariant of the feature contracts (length, order, id range). */
export class FeatureContractError extends Error {
  override readonly name = 'FeatureContractError';
  /**
   * @param what the structure and field, e.g. `PurchaseEvents.time`.
   * @param detail expected vs found, with the offending index and value.
   */
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`${what}: ${detail}`);
  }
}

/** The purchase rules keep no row of the clean table: nothing to index, train or score. A configuration to fix: bad usage (exit 2, `cli/exit.ts`). */
export class NoPurchaseEventsError extends Error {
  override readonly name = 'NoPurchaseEventsError';
  /**
   * @param dataset the data set's name.
   * @param counts the evaluation's line counts, quoted per rule in the message.
   */
  constructor(dataset: string, counts: PurchaseEventCounts) {
    const dropped = counts.rules.filter((r) => r.droppedHere > 0).map((r) => `${JSON.stringify(r.rule)} drops ${r.droppedHere}`);
    const parts = [...dropped, ...(counts.missingKey > 0 ? [`${counts.missingKey} pass but lack a customer id`] : [])];
    super(`no purchase events: the purchase rules of data set ${JSON.stringify(dataset)} keep none of its ${counts.read} clean rows (${parts.join('; ')}); check purchase: in its configuration`);
  }
}

/**
 * The as-of time lies after what the data allow (training: past the day of the last
 * purchase; scoring: more than a horizon after it), so days without data would count
 * as days without purchases. `--as-of` is to change, or newer data to ingest: bad
 * usage (exit 2, `cli/exit.ts`).
 */
export class AsOfAfterDataError extends Error {
  override readonly name = 'AsOfAfterDataError';
}

/**
 * The as-of time lies before what the data allow: scoring knows no customer before
 * the first purchase, and a training's cut-offs (one horizon and more before the as-of
 * time) would come before it. `--as-of` (or the training's cut-off options) is to
 * change, or older data to ingest: bad usage (exit 2, `cli/exit.ts`).
 */
export class AsOfBeforeDataError extends Error {
  override readonly name = 'AsOfBeforeDataError';
}
