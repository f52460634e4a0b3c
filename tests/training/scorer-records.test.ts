/**
 * training/scorer-records.ts: what a scorer's id names. A fallback fit's id,
 * `baseline:<name>@<model-id>`, names the record in that model's folder; `baseline:<name>`
 * alone names the record an earlier version kept per baseline, read as before.
 */
import { Catalog, DatasetFormatError } from '../../lib/catalog';
import { loadScorerRecord } from '../../training/scorer-records';
import { MemoryStore } from '../helpers/memory-store';

const [OLDER, NEWER, NEWEST] = ['20111010T000000000Z-3fa2c001', '20111015T000000000Z-3fa2c002', '20111016T000000000Z-3fa2c003'];
const DAY = 86_400_000;
const record = (baseline: 'repeat' | 'popularity', validationCutoff: number) => ({ baseline, calibration: { method: 'platt' as const, a: 1, b: 0 }, validationCutoff, horizonDays: 30, k: 10, reason: 'r' });

/** A lake holding the fits of repeat by the trainings of OLDER and NEWER, of popularity by NEWEST, and the record of repeat of an earlier version. */
async function lake(): Promise<{ store: MemoryStore; catalog: Catalog }> {
  const store = new MemoryStore();
  const catalog = new Catalog(store, 'online-retail');
  for (const [modelId, baseline, cutoff] of [[OLDER, 'repeat', 1], [NEWER, 'repeat', 2], [NEWEST, 'popularity', 3]] as const) {
    await store.put(catalog.models.key(modelId, 'manifest.json'), '{}');
    await catalog.fallbacks.save(modelId, record(baseline, cutoff * DAY));
  }
  await store.put(catalog.fallbacks.key('repeat'), JSON.stringify(record('repeat', 0)));
  return { store, catalog };
}

describe('loadScorerRecord', () => {
  it('reads a fit from its model\'s folder and the record of an earlier version from baseline-<name>/', async () => {
    const { catalog } = await lake();
    expect(await loadScorerRecord(catalog, `baseline:repeat@${OLDER}`)).toEqual({
      kind: 'baseline',
      baseline: 'repeat',
      fitOf: OLDER,
      key: `models/online-retail/${OLDER}/fallback.json`,
      fallback: record('repeat', DAY),
    });
    expect(await loadScorerRecord(catalog, 'baseline:repeat')).toEqual({ kind: 'baseline', baseline: 'repeat', key: 'models/online-retail/baseline-repeat/fallback.json', fallback: record('repeat', 0) });
    await expect(loadScorerRecord(catalog, `baseline:repeat@${NEWEST}`)).rejects.toThrow(DatasetFormatError);
    await expect(loadScorerRecord(catalog, 'baseline:popularity')).rejects.toThrow('baseline fallback "popularity" not found: memory://test/models/online-retail/baseline-popularity/fallback.json does not exist');
  });
});
