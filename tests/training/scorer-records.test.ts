/**
 * training/scorer-records.ts: what a scorer's id names. A fallback fit's id,
 * `baseline:<name>@<model-id>`, names the record in that model's folder; `baseline:<name>`
 * alone names the record an earlier version kept per baseline, read as before, and, given to
 * `score`, resolves to a definite fit that answers the run's question (its as-of time and horizon): the
 * scoring run's, the champion's, the one of the latest validation cut-off, else that record.
 */
import { Catalog, DatasetFormatError } from '../../lib/catalog';
import { ModelMismatchError } from '../../scoring/errors';
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
  /** A run whose as-of time every fit of the lake learnt nothing after, of their horizon (the lake's manifests, `{}`, do not validate: how their trainings ended is `unreadable`). */
  const q = { asOf: 100 * DAY, horizonDays: 30 };

  it('leaves a model id, a blend and a fit as they are', async () => {
    const { catalog } = await lake();
    for (const id of [OLDER, `blend:${OLDER}`, `baseline:repeat@${OLDER}`]) expect(await resolveScorerId(catalog, id, { ...q, runModelIds: [`baseline:repeat@${NEWER}`] })).toEqual({ id });
    await expect(resolveScorerId(catalog, 'baseline:repeat@latest', q)).rejects.toBeInstanceOf(TrainingInputError);
  });

  it('resolves baseline:<name> to the run\'s fit, else the champion\'s, else the one of the latest cut-off, else the record of an earlier version', async () => {
    const { store, catalog } = await lake();
    // No champion: the fit of the latest cut-off of the baseline, whichever baselines newer fits are of.
    expect(await resolveScorerId(catalog, 'baseline:repeat', q)).toEqual({ id: `baseline:repeat@${NEWER}`, via: 'latest', trainingEnded: 'unreadable' });
    expect(await resolveScorerId(catalog, 'baseline:popularity', q)).toEqual({ id: `baseline:popularity@${NEWEST}`, via: 'latest', trainingEnded: 'unreadable' });
    // The champion's fit, when it is one of that baseline.
    await catalog.champion.publishFallback(pointer(`baseline:repeat@${OLDER}`, DAY));
    expect(await resolveScorerId(catalog, 'baseline:repeat', q)).toEqual({ id: `baseline:repeat@${OLDER}`, via: 'champion' });
    expect(await resolveScorerId(catalog, 'baseline:popularity', q)).toMatchObject({ id: `baseline:popularity@${NEWEST}`, via: 'latest' });
    // The fit the run's other shards scored with, before the champion's (markers of other baselines or models aside).
    expect(await resolveScorerId(catalog, 'baseline:repeat', { ...q, runModelIds: [OLDER, `baseline:popularity@${NEWEST}`, `baseline:repeat@${NEWER}`] })).toEqual({ id: `baseline:repeat@${NEWER}`, via: 'run' });
    expect(await resolveScorerId(catalog, 'baseline:repeat', { ...q, runModelIds: ['baseline:repeat'] })).toEqual({ id: 'baseline:repeat', via: 'run' });
    // A damaged pointer names nothing here.
    await store.put(catalog.champion.key, '{');
    expect(await resolveScorerId(catalog, 'baseline:repeat', q)).toMatchObject({ id: `baseline:repeat@${NEWER}`, via: 'latest' });
    // No fit of the baseline: the record of an earlier version, read as before.
    const legacyOnly = new Catalog(new MemoryStore(), 'online-retail');
    await legacyOnly.store.put(legacyOnly.fallbacks.key('repeat'), JSON.stringify(record('repeat', 0)));
    expect(await resolveScorerId(legacyOnly, 'baseline:repeat', q)).toEqual({ id: 'baseline:repeat', via: 'legacy' });
  });

  it('takes only a fit that answers the run\'s question: of its horizon, and that learnt nothing after the as-of time', async () => {
    const { store, catalog } = await lake();
    // Learnt until day 30 + cut-off: at day 31.5 the fits of days 0 (the earlier version's record) and 1 fit, not the one of day 2.
    const at = (day: number) => ({ asOf: day * DAY, horizonDays: 30 });
    expect(await resolveScorerId(catalog, 'baseline:repeat', at(31.5))).toMatchObject({ id: `baseline:repeat@${OLDER}`, via: 'latest' });
    expect(await resolveScorerId(catalog, 'baseline:repeat', at(30.5))).toEqual({ id: 'baseline:repeat', via: 'legacy' });
    // The champion's fit, passed over when it learnt past the as-of time.
    await catalog.champion.publishFallback(pointer(`baseline:repeat@${NEWER}`, 2 * DAY));
    expect(await resolveScorerId(catalog, 'baseline:repeat', at(31.5))).toEqual({
      id: `baseline:repeat@${OLDER}`,
      via: 'latest',
      trainingEnded: 'unreadable',
      passedOver: `the fit the champion pointer names, baseline:repeat@${NEWER}, learnt purchases up to 1970-02-02T00:00:00.000Z, after the as-of time 1970-02-01T12:00:00.000Z`,
    });
    // The latest validation cut-off wins over the latest training, and the newest training breaks ties.
    const [LATE, TIE] = ['20111020T000000000Z-3fa2c004', '20111021T000000000Z-3fa2c005'];
    await store.put(catalog.models.key(LATE, 'manifest.json'), '{}');
    await catalog.fallbacks.save(LATE, record('repeat', DAY / 2));
    expect(await resolveScorerId(catalog, 'baseline:repeat', at(31.5))).toMatchObject({ id: `baseline:repeat@${OLDER}` });
    await store.put(catalog.models.key(TIE, 'manifest.json'), '{}');
    await catalog.fallbacks.save(TIE, record('repeat', DAY));
    expect(await resolveScorerId(catalog, 'baseline:repeat', at(31.5))).toMatchObject({ id: `baseline:repeat@${TIE}` });
    // Of another horizon, none fits; nor at an as-of time before every fit's labels end.
    await expect(resolveScorerId(catalog, 'baseline:repeat', { asOf: 100 * DAY, horizonDays: 7 })).rejects.toThrow(
      '--model baseline:repeat: no fit of baseline repeat in the lake (memory://test/models/online-retail/*/fallback.json) for the as-of time 1970-04-11T00:00:00.000Z and the 7-day horizon, '
        + 'and the record of an earlier version (memory://test/models/online-retail/baseline-repeat/fallback.json; validation cut-off 1970-01-01T00:00:00.000Z, 30-day horizon) gives the probability of a purchase within 30 days, not within the run\'s 7; '
        + `the fits found, newest training first: baseline:repeat@${TIE} (validation cut-off 1970-01-02T00:00:00.000Z, 30-day horizon), baseline:repeat@${LATE} (validation cut-off 1970-01-01T12:00:00.000Z, 30-day horizon), `
        + `baseline:repeat@${NEWER} (validation cut-off 1970-01-03T00:00:00.000Z, 30-day horizon), baseline:repeat@${OLDER} (validation cut-off 1970-01-02T00:00:00.000Z, 30-day horizon); `
        + 'a fit scores runs of its horizon at as-of times at or after its validation cut-off plus the horizon: pass one by its full id, --model baseline:repeat@<model-id>, with such an --as-of and --horizon, '
        + 'or train at this as-of time first (berserkr train --as-of 1970-04-11T00:00:00.000Z --horizon 7)',
    );
    await expect(resolveScorerId(catalog, 'baseline:repeat', at(29))).rejects.toBeInstanceOf(ModelMismatchError);
    // A lake without any: no fit, and no record of an earlier version.
    await expect(resolveScorerId(new Catalog(new MemoryStore(), 'online-retail'), 'baseline:repeat', q)).rejects.toThrow(
      '--model baseline:repeat: no fit of baseline repeat in the lake (memory://test/models/online-retail/*/fallback.json) for the as-of time 1970-04-11T00:00:00.000Z and the 30-day horizon, '
        + 'and no record of an earlier version (memory://test/models/online-retail/baseline-repeat/fallback.json); a training that falls back to the baseline fits one (berserkr train --as-of 1970-04-11T00:00:00.000Z --horizon 30)',
    );
  });

  it('takes the champion pointer of an earlier version as it names the record, warning when that record was rewritten since', async () => {
    const { catalog } = await lake();
    await catalog.champion.publishFallback(pointer('baseline:repeat', 0));
    expect(await resolveScorerId(catalog, 'baseline:repeat', q)).toEqual({ id: 'baseline:repeat', via: 'champion' });
    await catalog.champion.publishFallback(pointer('baseline:repeat'));
    expect(await resolveScorerId(catalog, 'baseline:repeat', q)).toEqual({ id: 'baseline:repeat', via: 'champion' });
    // Chosen with a fit at day 5; a later training of that version rewrote the record with its own, at day 0.
    await catalog.champion.publishFallback(pointer('baseline:repeat', 5 * DAY));
    const resolved = await resolveScorerId(catalog, 'baseline:repeat', q);
    expect(resolved).toMatchObject({ id: 'baseline:repeat', via: 'champion' });
    expect(resolved.warning).toBe(
      'the champion pointer memory://test/models/online-retail/champion.json names baseline:repeat, fitted at 1970-01-06T00:00:00.000Z when it was chosen, '
        + 'and its record memory://test/models/online-retail/baseline-repeat/fallback.json holds a fit at 1970-01-01T00:00:00.000Z: an earlier version rewrote it at a later training; '
        + 'scoring uses the record as it is, and the next training that falls back fits a fallback of its own id',
    );
  });
});
