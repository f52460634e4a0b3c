/**
 * The truth of the evaluation protocol (`protocol.md`, "Definitions"): for
 * as-of T and horizon H, the items each known customer buys in [T, T + H).
 */
import { DAY_MS } from '../lib/schema';
import { customerItemsInWindow, eventsBefore, EventIndex, knownCustomers } from '../features/event-index';
import type { Truth } from '../ranking/truth';

/**
 * Builds the protocol's truth: evaluated customers = known customers (at least
 * one purchase event before T) whose set of items bought in [T, T + H) is not
 * empty; the truth of each is that set. Customers first seen at or after T are
 * not known and never evaluated.
 * @param index event index of the purchase events (all of them, including after T).
 * @param asOf T in ms UTC (e.g. `Date.parse('2011-11-09T00:00:00Z')`).
 * @param horizonDays H in days (protocol: 30).
 * @returns the truth; 1,387 evaluated customers for `online-retail-30d`.
 */
export function buildTruth(index: EventIndex, asOf: number, horizonDays: number): Truth {
  const known = knownCustomers(index, eventsBefore(index, asOf));
  const window = customerItemsInWindow(index, asOf, asOf + horizonDays * DAY_MS);
  const customers: number[] = [];
  const offsets: number[] = [0];
  let total = 0;
  for (let c = 0; c < known; c++) {
    const size = window.offsets[c + 1] - window.offsets[c];
    if (size === 0) continue;
    customers.push(c);
    total += size;
    offsets.push(total);
  }
  const items = new Int32Array(total);
  customers.forEach((c, k) => items.set(window.items.subarray(window.offsets[c], window.offsets[c + 1]), offsets[k]));
  return {
    asOf,
    horizonDays,
    knownCustomers: known,
    customers: Int32Array.from(customers),
    offsets: Int32Array.from(offsets),
    items,
  };
}

/**
 * The truth of only the evaluated customers among `customers` (e.g. the sample
 * of customers a model scored), so that a model and the baselines beside it are
 * judged on the same customers.
 * @param customers dense customer ids, any order, repeats allowed.
 */
export function truthOf(truth: Truth, customers: ArrayLike<number>): Truth {
  const keep = new Set(Array.from(customers));
  const kept: number[] = [];
  const offsets: number[] = [0];
  const items: number[] = [];
  truth.customers.forEach((c, k) => {
    if (!keep.has(c)) return;
    kept.push(c);
    for (let i = truth.offsets[k]; i < truth.offsets[k + 1]; i++) items.push(truth.items[i]);
    offsets.push(items.length);
  });
  return { ...truth, customers: Int32Array.from(kept), offsets: Int32Array.from(offsets), items: Int32Array.from(items) };
}

