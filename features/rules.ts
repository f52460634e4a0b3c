/**
 * Purchase rules of a data-set configuration (`lib/config-types.ts`) evaluated
 * over the canonical columns of a clean table, column at a time.
 */
import { Table } from 'apache-arrow';
import type { PurchaseRule } from '../lib/config-types';
import { ColumnCache, hasColumn, isNumericColumn } from './columns';
import { PurchaseRuleError } from './errors';

/** How many lines one rule rejected. */
export interface RuleCount {
  /** The rule as configured. */
  rule: PurchaseRule;
  /** Lines for which this rule is false (a line may fail several rules). */
  failed: number;
  /** Lines that passed every earlier rule and fail this one: these sum to the lines dropped. */
  droppedHere: number;
}

/** Line counts of one evaluation, for the run record. */
export interface RuleCounts {
  /** Lines of the clean table. */
  read: number;
  /** Lines for which every rule holds. */
  kept: number;
  /** Per rule, in configuration order. */
  rules: RuleCount[];
}

/** Result of {@link evaluatePurchaseRules}. */
export interface RuleEvaluation {
  /** 1 where every rule holds, length = table rows. */
  pass: Uint8Array;
  counts: RuleCounts;
}

/** One rule as a per-line predicate over already-read columns. */
function rulePredicate(columns: ColumnCache, rule: PurchaseRule, index: number): (i: number) => boolean {
  const { table } = columns;
  if (!hasColumn(table, rule.column)) {
    throw new PurchaseRuleError(index, rule, `column "${rule.column}" is not in the clean table`);
  }
  switch (rule.op) {
    case 'present': {
      if (isNumericColumn(table, rule.column)) {
        const v = columns.number(rule.column);
        return (i) => !Number.isNaN(v[i]);
      }
      const t = columns.text(rule.column);
      return (i) => t[i] !== null && t[i] !== '';
    }
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      if (!isNumericColumn(table, rule.column)) {
        throw new PurchaseRuleError(index, rule, `"${rule.op}" needs a numeric column, "${rule.column}" is not`);
      }
      if (typeof rule.value !== 'number' || Number.isNaN(rule.value)) {
        throw new PurchaseRuleError(index, rule, `"${rule.op}" needs a numeric value, found ${JSON.stringify(rule.value)}`);
      }
      const v = columns.number(rule.column);
      const x = rule.value;
      // NaN (null) compares false: a missing value never satisfies a comparison.
      if (rule.op === 'gt') return (i) => v[i] > x;
      if (rule.op === 'ge') return (i) => v[i] >= x;
      if (rule.op === 'lt') return (i) => v[i] < x;
      return (i) => v[i] <= x;
    }
    case 'starts_with':
    case 'not_starts_with': {
      const t = columns.text(rule.column);
      const prefix = rule.value;
      if (rule.op === 'starts_with') return (i) => t[i] !== null && (t[i] as string).startsWith(prefix);
      return (i) => t[i] !== null && !(t[i] as string).startsWith(prefix);
    }
    case 'matches':
    case 'not_matches': {
      let re: RegExp;
      try {
        re = new RegExp(rule.value);
      } catch (e) {
        throw new PurchaseRuleError(index, rule, `invalid regular expression: ${(e as Error).message}`);
      }
      const t = columns.text(rule.column);
      if (rule.op === 'matches') return (i) => t[i] !== null && re.test(t[i] as string);
      return (i) => t[i] !== null && !re.test(t[i] as string);
    }
    default:
      throw new PurchaseRuleError(index, rule, `unknown op ${JSON.stringify((rule as { op: unknown }).op)}`);
  }
}

/**
 * Evaluates a configuration's purchase rules over a clean table: a line is a
 * purchase when every rule holds. A null value satisfies no rule (SQL
 * three-valued logic: a comparison with null is not true), so
 * `not_starts_with` on a null order id is false too.
 * `matches` uses JavaScript `RegExp` syntax, unanchored (`^…` to anchor).
 * @param clean clean transactions with the canonical columns of `lib/schema.ts`.
 * @param rules the configuration's `purchase` list; empty keeps every line.
 * @param columns column reads of `clean`, shared with the caller to decode each column once.
 * @returns per-line pass mask and per-rule counts.
 * @throws PurchaseRuleError naming the rule's position when its column is absent,
 *   of the wrong type for its op, or its regular expression is invalid.
 */
export function evaluatePurchaseRules(
  clean: Table,
  rules: readonly PurchaseRule[],
  columns: ColumnCache = new ColumnCache(clean),
): RuleEvaluation {
  const n = clean.numRows;
  const pass = new Uint8Array(n).fill(1);
  const counts: RuleCount[] = [];
  rules.forEach((rule, r) => {
    const holds = rulePredicate(columns, rule, r);
    let failed = 0;
    let droppedHere = 0;
    for (let i = 0; i < n; i++) {
      if (holds(i)) continue;
      failed++;
      if (pass[i] === 1) {
        pass[i] = 0;
        droppedHere++;
      }
    }
    counts.push({ rule, failed, droppedHere });
  });
  let kept = 0;
  for (let i = 0; i < n; i++) kept += pass[i];
  return { pass, counts: { read: n, kept, rules: counts } };
}
