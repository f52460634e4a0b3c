/**
 * Streaming relies on one property of the feature engine: a customer's candidate
 * rows and features are the same whichever customer batch they are built in.
 */
import { buildFeatureSet } from '../../features/build';
import { FeatureContractError } from '../../features/errors';
import { buildEventIndex, eventsBefore, knownCustomers } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { shardCustomers } from '../../scoring/shard';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from '../features/fixtures';

describe('feature sets per customer batch', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const whole = buildFeatureSet(index, T);
  const known = knownCustomers(index, eventsBefore(index, T));

  it('give each customer exactly the rows and features of the whole set', () => {
    const d = whole.names.length;
    const order = shardCustomers(index.events.customerIds, known, { index: 0, count: 1 });
    let rows = 0;
    for (let from = 0; from < order.length; from += 7) {
      const batch = order.subarray(from, from + 7);
      const part = buildFeatureSet(index, T, { customers: batch });
      expect(new Set(part.customer)).toEqual(new Set(batch));
      for (let r = 0; r < part.n; r++) {
        // rows of the whole set are sorted by (customer, item): find the same pair
        let w = 0;
        while (whole.customer[w] !== part.customer[r] || whole.item[w] !== part.item[r]) w++;
        expect(Array.from(part.values.subarray(r * d, (r + 1) * d))).toEqual(Array.from(whole.values.subarray(w * d, (w + 1) * d)));
      }
      rows += part.n;
    }
    expect(rows).toBe(whole.n);
  });

  it('rejects a customer not known at the cut-off, quoting it', () => {
    expect(() => buildFeatureSet(index, T, { customers: Int32Array.from([0, known]) })).toThrow(FeatureContractError);
    expect(() => buildFeatureSet(index, T, { customers: Int32Array.from([known]) })).toThrow(`found ${known} at position 0`);
  });
});
