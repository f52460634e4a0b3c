import { buildFeatureSet } from '../../features/build';
import { buildEventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { buildFeatureSets, FeatureWorkerError } from '../../features/pool';
import type { FeatureSet } from '../../features/types';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

const DAY = 86_400_000;

/** The set with plain arrays: sets from a pool thread are deserialized in Node's own realm, not jest's, so their typed arrays have other constructors. */
const plain = (fs: FeatureSet): Record<string, unknown> => Object.fromEntries(Object.entries(fs).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));

describe('buildFeatureSets', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const cutoffs = [T - 60 * DAY, T - 30 * DAY, T];
  const options = { withLabels: true, horizonDays: 30, popularN: 1, copurchaseM: 5 };

  it('gives, on two threads and in cut-off order, exactly the sets one thread builds', async () => {
    const built: number[] = [];
    const sets = await buildFeatureSets(index, cutoffs, options, 2, (fs) => built.push(fs.cutoff));
    expect(sets.map((fs) => fs.cutoff)).toEqual(cutoffs);
    expect([...built].sort()).toEqual([...cutoffs].sort());
    sets.forEach((fs, i) => expect(plain(fs)).toEqual(plain(buildFeatureSet(index, cutoffs[i], options))));
  });

  it.each([1, 2])('checks where it may stop before each cut-off, and starts no further cut-off once the check throws (%i threads)', async (threads) => {
    const iso = (ms: number): string => new Date(ms).toISOString();
    const checked: string[] = [];
    await buildFeatureSets(index, cutoffs, options, threads, undefined, (where) => void checked.push(where));
    expect([...checked].sort()).toEqual(cutoffs.map((c) => `before cut-off ${iso(c)}`).sort());

    const built: number[] = [];
    const stop = new Error('stop here');
    const stopped = buildFeatureSets(index, cutoffs, options, threads, (fs) => built.push(fs.cutoff), () => {
      if (built.length > 0) throw stop;
    });
    await expect(stopped).rejects.toBe(stop);
    expect(built.length).toBeLessThan(cutoffs.length);
  });

  it('reports a failing cut-off from a worker thread with its cause', async () => {
    // The pool thread takes the first cut-off, this thread the second.
    const failing = buildFeatureSets(index, [Date.parse('2000-01-01T00:00:00Z'), T], options, 2);
    await expect(failing).rejects.toThrow(/no purchase event before 2000-01-01T00:00:00.000Z: no known customer/);
    await expect(failing).rejects.toThrow(FeatureWorkerError);
    await expect(failing).rejects.toThrow(/^feature worker failed on cut-off 2000-01-01T00:00:00.000Z: FeatureContractError: /);
  });
});
