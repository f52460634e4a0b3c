import { buildFeatureSet } from '../../features/build';
import { FeatureContractError } from '../../features/errors';
import { buildEventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { buildFeatureRows } from '../../features/feature-rows';
import { labelledCandidates, labelledCandidatesOf } from '../../features/labelled-candidates';
import { FeaturePool } from '../../features/pool';
import type { FeatureSet } from '../../features/types';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

const DAY = 86_400_000;

/** Typed arrays as plain arrays: results from a pool thread have typed arrays of another realm. */
const plain = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));

/** Rows `rows` of `fs`, without labels. */
function rowsOf(fs: FeatureSet, rows: Int32Array): FeatureSet {
  const d = fs.names.length;
  const values = new Float32Array(rows.length * d);
  rows.forEach((r, k) => values.set(fs.values.subarray(r * d, (r + 1) * d), k * d));
  return { cutoff: fs.cutoff, n: rows.length, customer: rows.map((r) => fs.customer[r]), item: rows.map((r) => fs.item[r]), names: fs.names, values };
}

describe('labelled candidates and the features of some of their rows', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const cutoffs = [T - 60 * DAY, T - 30 * DAY];
  const options = { horizonDays: 30, popularN: 1, copurchaseM: 5 };
  const full = cutoffs.map((t) => buildFeatureSet(index, t, { ...options, withLabels: true }));

  it('labelledCandidates gives the rows, groups and labels of the labelled feature set, without features', () => {
    cutoffs.forEach((t, i) => {
      const c = labelledCandidates(index, t, options);
      expect(plain(c)).toEqual(plain(labelledCandidatesOf(full[i])));
      // Generated a few customers at a time: the same.
      for (const batch of [1, 3]) expect(plain(labelledCandidates(index, t, options, batch))).toEqual(plain(c));
      expect(c.customers.length).toBeGreaterThan(3);
      expect(c.label.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
    expect(() => labelledCandidatesOf({ ...full[0], label: undefined })).toThrow(FeatureContractError);
  });

  it('buildFeatureRows gives exactly the rows asked for of the full feature set, in batches of customers', () => {
    const fs = full[1];
    const c = labelledCandidatesOf(fs);
    // Every third row, and all rows of the last customer.
    const rows = Int32Array.from({ length: fs.n }, (_, r) => r).filter((r) => r % 3 === 0 || r >= c.offsets[c.customers.length - 1]);
    for (const batch of [1, 2, 1000]) expect(plain(buildFeatureRows(index, c, rows, options, batch))).toEqual(plain(rowsOf(fs, rows)));
    expect(buildFeatureRows(index, c, new Int32Array(0), options).n).toBe(0);
    const all = Int32Array.from({ length: fs.n }, (_, r) => r);
    expect(plain(buildFeatureRows(index, c, all, options))).toEqual(plain(rowsOf(fs, all)));
  });

  it('buildFeatureRows refuses rows out of order or out of range, and candidates of other options', () => {
    const c = labelledCandidatesOf(full[1]);
    expect(() => buildFeatureRows(index, c, Int32Array.from([2, 1]), options)).toThrow(/strictly ascending candidate rows in \[0, \d+\), found 1 at position 1/);
    expect(() => buildFeatureRows(index, c, Int32Array.from([c.n]), options)).toThrow(FeatureContractError);
    const all = Int32Array.from({ length: c.n }, (_, r) => r);
    expect(() => buildFeatureRows(index, c, all, { ...options, popularN: 0, copurchaseM: 0 })).toThrow(/built with other options or events/);
  });

  it('a feature pool does either task on its worker thread as on this one', async () => {
    const pool = FeaturePool.open(index, { ...options, withLabels: true }, 2, 2);
    try {
      expect(pool.remoteThreads).toBe(1);
      const candidates = await pool.map(cutoffs.map((cutoff) => ({ kind: 'candidates' as const, cutoff })));
      candidates.forEach((c, i) => expect(plain(c)).toEqual(plain(labelledCandidatesOf(full[i]))));
      const rows = candidates.map((c) => Int32Array.from({ length: c.n }, (_, r) => r).filter((r) => r % 2 === 1));
      const built = await pool.map(candidates.map((c, i) => ({ kind: 'rows' as const, cutoff: c.cutoff, groups: c, rows: rows[i] })));
      built.forEach((fs, i) => expect(plain(fs)).toEqual(plain(rowsOf(full[i], rows[i]))));
    } finally {
      await pool.close();
    }
  });
});
