/**
 * A labelled cut-off's candidate pairs without their features
 * ({@link LabelledCandidates}): what training needs to plan its draws, at a
 * fraction of a feature set's memory (a byte a row and 8 a customer, not 201 a row,
 * and one batch of customers' transient rows while they are generated).
 */
import { DAY_MS } from '../lib/schema';
import { setHas } from '../ranking/ranges';
import { generateCandidates, prepareCandidates, type CandidateOptions } from './candidates';
import { FeatureContractError } from './errors';
import { customerItemsInWindow, type EventIndex } from './event-index';
import { ROW_BATCH_CUSTOMERS } from './feature-rows';
import type { FeatureSet, LabelledCandidates } from './types';

/**
 * The candidates of every customer known at `cutoff` with their labels: the
 * rows, groups and labels of `buildFeatureSet(index, cutoff, { withLabels: true,
 * horizonDays, ...options })`, without computing a feature (nor, when it adds
 * no candidate, the customer-KNN search). The candidates are generated
 * `batchCustomers` customers at a time (a customer's rows do not depend on the
 * others), so the transient rows are one batch's, not the cut-off's.
 * Time O(events before t + Σ over baskets of |basket|² + rows × log rows + events in the horizon).
 * @param index the event index, including the horizon after the cut-off.
 * @param cutoff t, ms UTC.
 * @param options candidate options and the label horizon in days [30].
 * @param batchCustomers customers generated at a time [`ROW_BATCH_CUSTOMERS`].
 * @throws FeatureContractError when the cut-off is not a finite number or no customer is known at it.
 */
export function labelledCandidates(
  index: EventIndex,
  cutoff: number,
  options: CandidateOptions & { horizonDays?: number } = {},
  batchCustomers = ROW_BATCH_CUSTOMERS,
): LabelledCandidates {
  if (!Number.isFinite(cutoff)) throw new FeatureContractError('cutoff', `expected ms since the epoch, found ${cutoff}`);
  const pool = prepareCandidates(index, cutoff, options);
  const known = pool.knownCustomers;
  if (known === 0) throw new FeatureContractError('cutoff', `no purchase event before ${new Date(cutoff).toISOString()}: no known customer`);
  const truth = customerItemsInWindow(index, cutoff, cutoff + (options.horizonDays ?? 30) * DAY_MS);
  const offsets = new Int32Array(known + 1);
  const labels: Uint8Array[] = [];
  let items = 0;
  for (let from = 0; from < known; from += batchCustomers) {
    const batch = Int32Array.from({ length: Math.min(batchCustomers, known - from) }, (_, k) => from + k);
    const cand = generateCandidates(index, pool, batch, false);
    const label = new Uint8Array(cand.items.length);
    for (let k = 0; k < cand.customers.length; k++) {
      const c = cand.customers[k];
      offsets[c + 1] = offsets[from] + cand.offsets[k + 1];
      for (let r = cand.offsets[k]; r < cand.offsets[k + 1]; r++) if (setHas(truth, c, cand.items[r])) label[r] = 1;
    }
    for (const it of cand.items) if (it >= items) items = it + 1;
    labels.push(label);
  }
  const label = new Uint8Array(offsets[known]);
  labels.reduce((at, part) => (label.set(part, at), at + part.length), 0);
  return { cutoff, n: label.length, customers: Int32Array.from({ length: known }, (_, c) => c), offsets, label, items };
}

/**
 * The candidates of a labelled feature set: its runs of one customer are the groups.
 * @param fs a feature set as `buildFeatureSet` makes it with labels (each customer's rows in one run).
 * @throws FeatureContractError when `fs` has no labels.
 */
export function labelledCandidatesOf(fs: FeatureSet): LabelledCandidates {
  if (fs.label === undefined) throw new FeatureContractError('FeatureSet.label', `the feature set at cut-off ${new Date(fs.cutoff).toISOString()} has no labels`);
  const customers: number[] = [];
  const offsets: number[] = [0];
  let items = 0;
  for (let r = 0; r < fs.n; r++) {
    if (r === 0 || fs.customer[r] !== fs.customer[r - 1]) {
      if (r > 0) offsets.push(r);
      customers.push(fs.customer[r]);
    }
    if (fs.item[r] >= items) items = fs.item[r] + 1;
  }
  if (fs.n > 0) offsets.push(fs.n);
  return { cutoff: fs.cutoff, n: fs.n, customers: Int32Array.from(customers), offsets: Int32Array.from(offsets), label: fs.label, items };
}
