import { buildEventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { labelledCandidates } from '../../features/labelled-candidates';
import { FeaturePool, FeatureWorkerError } from '../../features/pool';
import type { LabelledCandidates } from '../../features/types';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

const DAY = 86_400_000;

/** The result with plain arrays: results from a pool thread are deserialized in Node's own realm, not jest's, so their typed arrays have other constructors. */
const plain = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));

describe('FeaturePool', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const cutoffs = [T - 60 * DAY, T - 30 * DAY, T];
  const options = { horizonDays: 30, popularN: 1, copurchaseM: 5 };

  /** The labelled candidates of `at` on a pool of `threads` threads, closed after. */
  async function candidates(
    at: readonly number[],
    threads: number,
    onDone?: (c: LabelledCandidates) => void,
    stopCheck?: (where: string) => Promise<void> | void,
  ): Promise<LabelledCandidates[]> {
    const pool = FeaturePool.open(index, options, threads, at.length);
    try {
      return await pool.map(at.map((cutoff) => ({ kind: 'candidates' as const, cutoff })), onDone, stopCheck);
    } finally {
      await pool.close();
    }
  }

  it('gives, on two threads and in cut-off order, exactly what one thread gives', async () => {
    const done: number[] = [];
    const results = await candidates(cutoffs, 2, (c) => done.push(c.cutoff));
    expect(results.map((c) => c.cutoff)).toEqual(cutoffs);
    expect([...done].sort()).toEqual([...cutoffs].sort());
    results.forEach((c, i) => expect(plain(c)).toEqual(plain(labelledCandidates(index, cutoffs[i], options))));
  });

  it.each([1, 2])('checks where it may stop before each cut-off, and starts no further cut-off once the check throws (%i threads)', async (threads) => {
    const iso = (ms: number): string => new Date(ms).toISOString();
    const checked: string[] = [];
    await candidates(cutoffs, threads, undefined, (where) => void checked.push(where));
    expect([...checked].sort()).toEqual(cutoffs.map((c) => `before cut-off ${iso(c)}`).sort());

    const done: number[] = [];
    const stop = new Error('stop here');
    const stopped = candidates(cutoffs, threads, (c) => done.push(c.cutoff), () => {
      if (done.length > 0) throw stop;
    });
    await expect(stopped).rejects.toBe(stop);
    expect(done.length).toBeLessThan(cutoffs.length);
  });

  it('reports a failing cut-off from a worker thread with its cause', async () => {
    // The pool thread takes the first cut-off, this thread the second.
    const failing = candidates([Date.parse('2000-01-01T00:00:00Z'), T], 2);
    await expect(failing).rejects.toThrow(/no purchase event before 2000-01-01T00:00:00.000Z: no known customer/);
    await expect(failing).rejects.toThrow(FeatureWorkerError);
    await expect(failing).rejects.toThrow(/^feature worker failed on cut-off 2000-01-01T00:00:00.000Z: FeatureContractError: /);
  });
});
