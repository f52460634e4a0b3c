/**
 * The features of some candidate rows of a cut-off: what training builds for
 * the rows it will draw (`training/draw-plan.ts`) instead of every row.
 */
import { buildFeatureSet, FEATURE_NAMES, prepareCutoff } from './build';
import type { CandidateOptions } from './candidates';
import { FeatureContractError } from './errors';
import type { EventIndex } from './event-index';
import type { FeatureSet, LabelledCandidates } from './types';

/** Customers whose rows are built at a time: the transient rows of one batch (≈ 200 candidates × 201 bytes each, ≈ 40 MB). */
export const ROW_BATCH_CUSTOMERS = 1_000;

/**
 * The rows `rows` of the cut-off's candidates, with their features: row k of
 * the result is candidate row `rows[k]`, with the customer, item and features
 * `buildFeatureSet` gives it (a customer's rows do not depend on which other
 * customers are built). The customers with a row are built in batches of
 * `batchCustomers` (all their candidates, then the rows asked for kept), so the
 * memory is the result plus one batch; every row at once when all are asked
 * for. No labels.
 * @param groups the cut-off's candidates ({@link LabelledCandidates}: its customers and offsets), from the same index and options.
 * @param rows positions among the candidate rows, strictly ascending.
 * @param options candidate options, as for the candidates.
 * @throws FeatureContractError when `rows` is not strictly ascending within [0, rows of `groups`),
 *   or a customer's candidates (all the cut-off's, when every row is asked for) differ in number from those of `groups`.
 */
export function buildFeatureRows(
  index: EventIndex,
  groups: Pick<LabelledCandidates, 'cutoff' | 'customers' | 'offsets'>,
  rows: Int32Array,
  options: CandidateOptions = {},
  batchCustomers = ROW_BATCH_CUSTOMERS,
): FeatureSet {
  const { cutoff, customers, offsets } = groups;
  const total = offsets[offsets.length - 1] ?? 0;
  for (let k = 0; k < rows.length; k++) {
    if (!(rows[k] >= 0 && rows[k] < total && (k === 0 || rows[k] > rows[k - 1]))) {
      throw new FeatureContractError('rows', `expected strictly ascending candidate rows in [0, ${total}), found ${rows[k]} at position ${k}`);
    }
  }
  const width = FEATURE_NAMES.length;
  const out = (n: number): FeatureSet => ({ cutoff, n, customer: new Int32Array(n), item: new Int32Array(n), names: [...FEATURE_NAMES], values: new Float32Array(n * width) });
  if (rows.length === 0) return out(0);
  const changed = (what: string, found: number, given: number): FeatureContractError =>
    new FeatureContractError('groups', `${what} has ${found} candidates at ${new Date(cutoff).toISOString()}, ${given} in the candidates given: built with other options or events`);
  const prepared = prepareCutoff(index, cutoff, options);
  if (rows.length === total) {
    const all = buildFeatureSet(index, cutoff, { prepared });
    if (all.n !== total) throw changed('the cut-off', all.n, total);
    return all;
  }
  const built = out(rows.length);
  // The groups holding a row, ascending, each with its first position in `rows`.
  const touched: number[] = [];
  const first: number[] = [];
  for (let k = 0, g = 0; k < rows.length; k++) {
    while (offsets[g + 1] <= rows[k]) g++;
    if (touched[touched.length - 1] !== g) {
      touched.push(g);
      first.push(k);
    }
  }
  first.push(rows.length);
  for (let b = 0; b < touched.length; b += batchCustomers) {
    const batch = touched.slice(b, b + batchCustomers);
    const fs = buildFeatureSet(index, cutoff, { customers: Int32Array.from(batch, (g) => customers[g]), prepared });
    let at = 0; // first row of the batch's current customer in `fs`
    batch.forEach((g, j) => {
      const size = offsets[g + 1] - offsets[g];
      let end = at;
      while (end < fs.n && fs.customer[end] === customers[g]) end++;
      if (end - at !== size) throw changed(`customer ${customers[g]}`, end - at, size);
      for (let k = first[b + j]; k < first[b + j + 1]; k++) {
        const r = at + rows[k] - offsets[g];
        built.customer[k] = fs.customer[r];
        built.item[k] = fs.item[r];
        built.values.set(fs.values.subarray(r * width, (r + 1) * width), k * width);
      }
      at = end;
    });
  }
  return built;
}
