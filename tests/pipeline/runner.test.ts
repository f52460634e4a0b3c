/**
 * pipeline/runner.ts, the whole pipeline of `run`, over memory stores: a damaged champion
 * pointer fails the run before it reads the events, naming the file, what is wrong and what
 * to do, rather than after the features are built; the HTML report is written once the
 * export is committed, so a run whose commit fails leaves no report of an export that does
 * not exist; the commit replaces a latest export of data the lake no longer holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawObjects } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { openStore } from '../../lib/store/open';
import { runPipeline } from '../../pipeline/runner';
import { retailContext, stageContext } from '../helpers/stage-context';
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

  describe('the run report', () => {
    const FIXTURES = join(__dirname, '..', 'fixtures');
    const config = loadConfig(readFileSync(join(FIXTURES, 'config', 'loyalty.yaml'), 'utf8'), 'loyalty.yaml');
    const raw = (): RawObjects => new RawObjects(openStore(join(FIXTURES, 'loyalty', 'raw')));
    const training = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 42, train: { members: 1, epochs: 1, refit: false, threads: 1, budget: { groupsPerEpoch: 16 } } };
    const reports = (lake: MemoryStore): string[] => [...lake.objects.keys()].filter((key) => key.endsWith('.html'));

    it('is not written when the export\'s commit fails: no report of an export that does not exist', async () => {
      const lake = new MemoryStore();
      const ctx = stageContext(lake, 'run', config);
      lake.failPutsMatching = /^exports\/loyalty-club\/[^/]+\/_metadata\.json$/;
      await expect(runPipeline(ctx, raw(), { training })).rejects.toThrow(`injected failure writing exports/loyalty-club/${ctx.run.runId}/_metadata.json`);
      expect(ctx.run.snapshot().steps.map((s) => `${s.name}:${s.status}`).slice(-2)).toEqual(['report:ok', 'commit:failed']);
      expect(reports(lake)).toEqual([]);
      expect(await ctx.catalog.exports.isCommitted(ctx.run.runId)).toBe(false);
    });

    it('replaces a latest export scored on data the lake no longer holds', async () => {
      const lake = new MemoryStore();
      const first = stageContext(lake, 'run', config);
      await runPipeline(first, raw(), { training });
      // As if the lake had held a later month when the first run scored, and that month were forgotten since.
      const sidecar = `exports/loyalty-club/${first.run.runId}/_metadata.json`;
      const meta = JSON.parse(new TextDecoder().decode(await lake.get(sidecar))) as { asOf: string; dataUntil: string };
      await lake.put(sidecar, JSON.stringify({ ...meta, asOf: '2012-06-01T00:00:00.001Z', dataUntil: '2012-06-01T00:00:00.000Z' }));
      const second = stageContext(lake, 'run', config);
      await runPipeline(second, raw(), { training });
      expect((await second.catalog.latest.load())!.runId).toBe(second.run.runId);
    });

    it('is written once the export is committed and the latest and champion pointers written', async () => {
      const lake = new MemoryStore();
      const ctx = stageContext(lake, 'run', config);
      const result = await runPipeline(ctx, raw(), { training });
      const report = `runs/loyalty-club/${ctx.run.runId}.html`;
      expect([reports(lake), result.reportUri]).toEqual([[report], `memory://test/${report}`]);
      expect(ctx.run.snapshot().outputs.map((o) => o.key)).toContain(report);
      const at = (key: string): number => lake.puts.lastIndexOf(key);
      expect(at(`exports/loyalty-club/${ctx.run.runId}/_metadata.json`)).toBeGreaterThan(-1);
      expect(at('exports/loyalty-club/latest.json')).toBeGreaterThan(at(`exports/loyalty-club/${ctx.run.runId}/_metadata.json`));
      expect(at('models/loyalty-club/champion.json')).toBeGreaterThan(at('exports/loyalty-club/latest.json'));
      expect(at(report)).toBeGreaterThan(at('models/loyalty-club/champion.json'));
    });
  });
});
