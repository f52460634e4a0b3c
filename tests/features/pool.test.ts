import { buildFeatureSet } from '../../features/build';
import { buildEventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { buildFeatureSets } from '../../features/pool';
import { cleanTable, RETAIL_RULES, syntheticShop, T } from './fixtures';

const DAY = 86_400_000;

describe('buildFeatureSets', () => {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  const cutoffs = [T - 60 * DAY, T - 30 * DAY, T];
  const options = { withLabels: true, horizonDays: 30, popularN: 1, copurchaseM: 5 };

  it('gives, on two threads and in cut-off order, exactly the sets one thread builds', async () => {
    const built: number[] = [];
    const sets = await buildFeatureSets(index, cutoffs, options, 2, (fs) => built.push(fs.cutoff));
    expect(sets.map((fs) => fs.cutoff)).toEqual(cutoffs);
    expect([...built].sort()).toEqual([...cutoffs].sort());
    sets.forEach((fs, i) => expect(fs).toEqual(buildFeatureSet(index, cutoffs[i], options)));
  });

  it('reports a failing cut-off from a worker thread with its cause', async () => {
    await expect(buildFeatureSets(index, [T, Date.parse('2000-01-01T00:00:00Z')], options, 2)).rejects.toThrow(/no purchase event before 2000-01-01T00:00:00.000Z: no known customer/);
  });
});
