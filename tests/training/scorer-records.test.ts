/**
 * training/scorer-records.ts: what a scorer's id names. A fallback fit's id,
 * `baseline:<name>@<model-id>`, names the record in that model's folder; `baseline:<name>`
 * alone names the record an earlier version kept per baseline, read as before, and, given to
 * `score`, resolves to a definite fit: the scoring run's, the champion's, the newest, else that record.
 */
import { Catalog, DatasetFormatError } from '../../lib/catalog';
import { TrainingInputError } from '../../training/errors';
import { loadScorerRecord, resolveScorerId } from '../../training/scorer-records';
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

const pointer = (modelId: string, validationCutoff?: number) => ({ modelId, promotedAt: '2011-11-09T00:00:00.000Z', validation: validationCutoff === undefined ? ({} as Record<string, number>) : { validationCutoff } });

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

describe('resolveScorerId', () => {
  it('leaves a model id, a blend and a fit as they are', async () => {
    const { catalog } = await lake();
    for (const id of [OLDER, `blend:${OLDER}`, `baseline:repeat@${OLDER}`]) expect(await resolveScorerId(catalog, id, [`baseline:repeat@${NEWER}`])).toEqual({ id });
    await expect(resolveScorerId(catalog, 'baseline:repeat@latest')).rejects.toBeInstanceOf(TrainingInputError);
  });

  it('resolves baseline:<name> to the run\'s fit, else the champion\'s, else the newest, else the record of an earlier version', async () => {
    const { store, catalog } = await lake();
    // No champion: the newest fit of the baseline, whichever baselines newer fits are of.
    expect(await resolveScorerId(catalog, 'baseline:repeat')).toEqual({ id: `baseline:repeat@${NEWER}`, via: 'newest' });
    expect(await resolveScorerId(catalog, 'baseline:popularity')).toEqual({ id: `baseline:popularity@${NEWEST}`, via: 'newest' });
    // The champion's fit, when it is one of that baseline.
    await catalog.champion.publishFallback(pointer(`baseline:repeat@${OLDER}`, DAY));
    expect(await resolveScorerId(catalog, 'baseline:repeat')).toEqual({ id: `baseline:repeat@${OLDER}`, via: 'champion' });
    expect(await resolveScorerId(catalog, 'baseline:popularity')).toEqual({ id: `baseline:popularity@${NEWEST}`, via: 'newest' });
    // The fit the run's other shards scored with, before the champion's (markers of other baselines or models aside).
    expect(await resolveScorerId(catalog, 'baseline:repeat', [OLDER, `baseline:popularity@${NEWEST}`, `baseline:repeat@${NEWER}`])).toEqual({ id: `baseline:repeat@${NEWER}`, via: 'run' });
    expect(await resolveScorerId(catalog, 'baseline:repeat', ['baseline:repeat'])).toEqual({ id: 'baseline:repeat', via: 'run' });
    // A damaged pointer names nothing here.
    await store.put(catalog.champion.key, '{');
    expect(await resolveScorerId(catalog, 'baseline:repeat')).toEqual({ id: `baseline:repeat@${NEWER}`, via: 'newest' });
    // No fit of the baseline: the record of an earlier version, read as before.
    const empty = new Catalog(new MemoryStore(), 'online-retail');
    expect(await resolveScorerId(empty, 'baseline:repeat')).toEqual({ id: 'baseline:repeat', via: 'legacy' });
  });

  it('takes the champion pointer of an earlier version as it names the record, warning when that record was rewritten since', async () => {
    const { catalog } = await lake();
    await catalog.champion.publishFallback(pointer('baseline:repeat', 0));
    expect(await resolveScorerId(catalog, 'baseline:repeat')).toEqual({ id: 'baseline:repeat', via: 'champion' });
    await catalog.champion.publishFallback(pointer('baseline:repeat'));
    expect(await resolveScorerId(catalog, 'baseline:repeat')).toEqual({ id: 'baseline:repeat', via: 'champion' });
    // Chosen with a fit at day 5; a later training of that version rewrote the record with its own, at day 0.
    await catalog.champion.publishFallback(pointer('baseline:repeat', 5 * DAY));
    const resolved = await resolveScorerId(catalog, 'baseline:repeat');
    expect(resolved).toMatchObject({ id: 'baseline:repeat', via: 'champion' });
    expect(resolved.warning).toBe(
      'the champion pointer memory://test/models/online-retail/champion.json names baseline:repeat, fitted at 1970-01-06T00:00:00.000Z when it was chosen, '
        + 'and its record memory://test/models/online-retail/baseline-repeat/fallback.json holds a fit at 1970-01-01T00:00:00.000Z: an earlier version rewrote it at a later training; '
        + 'scoring uses the record as it is, and the next training that falls back fits a fallback of its own id',
    );
  });
});
