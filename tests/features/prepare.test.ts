/**
 * `prepareCutoff` computes a cut-off's shared feature work once; feature sets
 * built on it, whole or per customer batch, are exactly those built without it.
 */
import { buildFeatureSet, prepareCutoff } from '../../features/build';
import { FeatureContractError } from '../../features/errors';
import { buildEventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import type { FeatureSet } from '../../features/types';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
const options = { popularN: 8, copurchaseM: 6, recentOrders: 2, neighbours: 10 };

/** The rows of `fs` whose customer is in `customers`, in row order. */
function rowsOf(fs: FeatureSet, customers: Set<number>): { customer: number[]; item: number[]; values: number[] } {
  const d = fs.names.length;
  const out = { customer: [] as number[], item: [] as number[], values: [] as number[] };
  for (let r = 0; r < fs.n; r++) {
    if (!customers.has(fs.customer[r])) continue;
    out.customer.push(fs.customer[r]);
    out.item.push(fs.item[r]);
    out.values.push(...fs.values.subarray(r * d, (r + 1) * d));
  }
  return out;
}

describe('prepareCutoff', () => {
  const prepared = prepareCutoff(index, T, options);
  const whole = buildFeatureSet(index, T, { ...options, withLabels: true });

  it('gives the same feature set as building without it', () => {
    const fs = buildFeatureSet(index, T, { withLabels: true, prepared });
    expect(Array.from(fs.customer)).toEqual(Array.from(whole.customer));
    expect(Array.from(fs.item)).toEqual(Array.from(whole.item));
    expect(Array.from(fs.values)).toEqual(Array.from(whole.values));
    expect(Array.from(fs.label!)).toEqual(Array.from(whole.label!));
  });

  it('gives each customer batch (any order, repeats ignored) the whole set\'s rows of its customers', () => {
    const known = prepared.pool.knownCustomers;
    expect(known).toBeGreaterThan(20);
    const batches = [Int32Array.from([5, 0, 17, 5, 3]), Int32Array.from({ length: known - 20 }, (_, i) => known - 1 - i), Int32Array.from([known - 1])];
    for (const batch of batches) {
      const fs = buildFeatureSet(index, T, { customers: batch, prepared });
      expect(rowsOf(fs, new Set(batch))).toEqual(rowsOf(whole, new Set(batch)));
      expect(new Set(fs.customer)).toEqual(new Set(batch));
    }
  });

  it('rejects a prepared cut-off of another index, cut-off or candidate options', () => {
    const other = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
    expect(() => buildFeatureSet(other, T, { prepared })).toThrow(FeatureContractError);
    expect(() => buildFeatureSet(index, T - 1, { prepared })).toThrow(/prepared for another index or cut-off \(2011-11-09T00:00:00.000Z\)/);
    expect(() => buildFeatureSet(index, T, { prepared, popularN: 9 })).toThrow(/FeatureSetOptions.popularN.*9 differs from 8 of the prepared cut-off/);
    expect(buildFeatureSet(index, T, { prepared, popularN: 8 }).n).toBe(whole.n);
  });

  it('rejects a cut-off at which no customer is known, quoting it', () => {
    expect(() => prepareCutoff(index, Date.parse('2011-01-01T00:00:00Z'))).toThrow('no purchase event before 2011-01-01T00:00:00.000Z');
    expect(() => prepareCutoff(index, Number.NaN)).toThrow(FeatureContractError);
  });
});
