/**
 * training/runner.ts `publishPointer`: each kind of decision writes the champion
 * pointer and records the write among the run's outputs, so a run record names
 * every lake object its run changed; a run that lost the pipeline lock (its fence
 * refuses) writes and records nothing.
 */
import { publishPointer, type PointerUpdate } from '../../training/runner';
import { refusingFence } from '../helpers/fence';
import { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

const context = (lake: MemoryStore) => retailContext(lake, 'train');

describe('publishPointer', () => {
  const champion = { modelId: 'm1', promotedAt: '2026-01-01T00:00:00.000Z', validation: { ndcg10: 0.4 } };
  const updates: [string, PointerUpdate][] = [
    ['promoted', { kind: 'promoted', modelId: 'm1', validation: { ndcg10: 0.4 } }],
    ['challenged', { kind: 'challenged', champion }],
    ['fallback', { kind: 'fallback', modelId: 'baseline:repeat', validation: { ndcg10: 0.3 } }],
  ];

  it.each(updates)('records the pointer a %s decision writes among the run outputs', async (_kind, update) => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    await lake.put(ctx.catalog.models.key('m1', 'manifest.json'), Buffer.from('{}'));
    await publishPointer(ctx, update);
    const key = ctx.catalog.champion.uri.slice(`${lake.uri}/`.length);
    const stored = await lake.head(key);
    expect(stored).toBeDefined();
    expect(ctx.run.snapshot().outputs).toEqual([{ store: lake.uri, key, etag: stored!.etag }]);
  });

  it.each(updates)('writes and records nothing after a %s decision when the fence says the lock was lost, and throws its error', async (_kind, update) => {
    const lake = new MemoryStore();
    const { fence, asked, error: refused } = refusingFence('champion');
    const ctx = { ...context(lake), fence };
    await lake.put(ctx.catalog.models.key('m1', 'manifest.json'), Buffer.from('{}'));
    const puts = lake.puts.length;
    await expect(publishPointer(ctx, update)).rejects.toBe(refused);
    expect(asked).toEqual(['memory://test/models/online-retail/champion.json']);
    expect(lake.puts).toHaveLength(puts);
    expect(ctx.run.snapshot().outputs).toEqual([]);
  });

  it('writes and records nothing when a promoted model has no manifest', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    await expect(publishPointer(ctx, { kind: 'promoted', modelId: 'gone', validation: {} })).rejects.toThrow('model "gone" not found');
    expect(await ctx.catalog.champion.load()).toBeUndefined();
    expect(ctx.run.snapshot().outputs).toEqual([]);
  });
});
