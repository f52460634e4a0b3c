/**
 * Typed errors of the feature engine. Each quotes the offending value and
 * says what was expected instead.
 */

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

/** A purchase rule of the data-set configuration that cannot be evaluated. */
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
