/**
 * pipeline/runner.ts, the whole pipeline of `run`, over memory stores: a damaged champion
 * pointer fails the run before it reads the events, naming the file, what is wrong and what
 * to do, rather than after the features are built.
 */
import { RawObjects } from '../../lib/catalog';
import { runPipeline } from '../../pipeline/runner';
import { retailContext } from '../helpers/stage-context';
import { MemoryStore } from '../helpers/memory-store';

const SETTINGS = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 1 };

describe('runPipeline', () => {
  test.each([
    ['truncated', '{"modelId": "blend:2026', 'expected JSON, '],
    ['of another schema', '{"modelId": 7, "promotedAt": "2011-11-09T00:00:00.000Z", "validation": {}}', 'field modelId: Expected string, received number'],
  ])('fails before its events step when the champion pointer is %s, naming the file and the remedy', async (_what, text, detail) => {
    const lake = new MemoryStore();
    const ctx = retailContext(lake, 'run');
    await lake.put('models/online-retail/champion.json', text);
    const error = (await runPipeline(ctx, new RawObjects(new MemoryStore()), { training: SETTINGS }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ name: 'DatasetFormatError' });
    expect(error.message).toMatch(/^invalid champion pointer memory:\/\/test\/models\/online-retail\/champion\.json: /);
    expect(error.message).toContain(detail);
    expect(error.message).toMatch(/; restore it from a backup, or delete it and train again \(berserkr run or berserkr train writes a new one; berserkr schedule retrains and rewrites it by itself\)$/);
    expect(ctx.run.snapshot().steps.map((s) => s.name)).toEqual(['ingest']);
  });
});
