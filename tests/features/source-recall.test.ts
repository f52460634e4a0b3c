/**
 * features/source-recall.ts: candidate recall by source on the synthetic shop,
 * checked against `candidateRecall` and by counting the truth by hand.
 */
import { buildFeatureSet, candidateRecall } from '../../features/build';
import { buildEventIndex, customerItemsInWindow } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { candidateRecallBySource } from '../../features/source-recall';
import { DAY_MS } from '../../lib/schema';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

describe('candidateRecallBySource', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const cutoff = T - 30 * DAY_MS;
  const fs = buildFeatureSet(index, cutoff, { horizonDays: 30 });

  it('gives the share of true purchases each source and all sources put among the candidates', () => {
    const r = candidateRecallBySource(fs, index, 30);
    expect(r.customers).toBe(new Set(fs.customer).size);
    const truth = customerItemsInWindow(index, cutoff, T);
    let purchases = 0;
    for (const c of new Set(fs.customer)) purchases += truth.offsets[c + 1] - truth.offsets[c];
    expect(r.purchases).toBe(purchases);
    expect(r.recall).toBeCloseTo(candidateRecall(fs, index, 30), 12);
    expect(r.perCustomer).toBeCloseTo(fs.n / r.customers, 12);
    expect(r.sources.map((s) => s.source)).toEqual(['own', 'popular', 'copurchase', 'knn']);
    for (const s of r.sources) expect(s.recall).toBeLessThanOrEqual(r.recall + 1e-12);
    // Own and popular overlap; co-purchase and KNN add items of no other source, so recall adds up at least to the union.
    expect(r.sources.reduce((s, x) => s + x.recall, 0)).toBeGreaterThanOrEqual(r.recall - 1e-12);
    expect(r.sources.find((s) => s.source === 'knn')!.perCustomer).toBe(0);
  });

  it('refuses a feature set without the source flags', () => {
    expect(() => candidateRecallBySource({ ...fs, names: fs.names.map((n) => `x_${n}`) }, index, 30)).toThrow('expected the source flag feature src_is_own_item');
  });
});
