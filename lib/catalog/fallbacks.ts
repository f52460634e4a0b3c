/**
 * Baseline fallback records: the calibrated baseline scoring uses when no trained
 * model beat it and no champion exists (`training/fallback.ts`).
 *
 * Each fit is written once and never rewritten, in the folder of the challenger the
 * training that fitted it saved: `models/<data set>/<model-id>/fallback.json`, as a
 * blend's record is (`blends.ts`). Its id, `baseline:<name>@<model-id>`, is what the
 * champion pointer, run records, shard markers and export sidecars name, so that what
 * they name cannot change under them; `berserkr gc` keeps or removes it with that
 * model's folder (`training/leftovers.ts`).
 *
 * Lakes of earlier versions hold one record per baseline,
 * `models/<data set>/baseline-<name>/fallback.json` (id `baseline:<name>`), which every
 * training that fell back to that baseline rewrote. It is read as before, and no
 * longer written.
 */
import { z } from 'zod';
import type { ObjectStore } from '../store/store';
import { DatasetExistsError, DatasetFormatError, DatasetNotFoundError } from './errors';
import { JsonObject, type JsonSpec } from './json';
import { CalibrationSchema, customerLevelSchema, MODEL_ID_PATTERN, type Models } from './models';

/** Schema of a fallback record. */
export const BaselineFallbackSchema = z.object({
  baseline: z.enum(['popularity', 'repeat']),
  /** Platt map of s = 1 / (1 + rank). */
  calibration: CalibrationSchema,
  /** The customer level after the map, on [ln(1 + days since the last purchase), ln(1 + orders)]; absent in records written before it (the map alone). */
  customerLevel: customerLevelSchema(2).optional(),
  /** Cut-off (ms UTC) the calibration was fitted on. */
  validationCutoff: z.number(),
  /** Horizon H in days of the labels it was fitted to, [validationCutoff, + H); absent in records written before it was kept. */
  horizonDays: z.number().positive().optional(),
  /** List length K the calibration was fitted with. */
  k: z.number().int().positive(),
  /** Why scoring falls back to the baseline (the promotion decision). */
  reason: z.string(),
});

export type BaselineFallbackRecord = z.infer<typeof BaselineFallbackSchema>;

/** Name of a baseline a fallback can be of. */
export type FallbackBaseline = BaselineFallbackRecord['baseline'];

const SPEC: JsonSpec<BaselineFallbackRecord> = { what: 'baseline fallback', schema: BaselineFallbackSchema, indent: 2, newline: false };

/** File name of a fit in its model's folder. */
const FIT_FILE = 'fallback.json';

/** How many fits {@link BaselineFallbacks.fits} reads at once. */
const READ_AT_ONCE = 16;

/** The fallback records of one data set: the fits, one per training that fell back at most, and the records of earlier versions. */
export class BaselineFallbacks {
  /**
   * @param store the lake
   * @param models the data set's models, in whose folders the fits are kept.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly models: Models,
  ) {}

  private object(baseline: string, modelId: string | undefined): JsonObject<BaselineFallbackRecord> {
    return new JsonObject(this.store, this.key(baseline, modelId), SPEC);
  }

  /**
   * Key of the fit of `baseline` that the training of model `modelId` wrote; without
   * `modelId`, key of the one record of `baseline` that earlier versions kept.
   * @example fallbacks.key('repeat', '20111109T000000000Z-3fa2c01b') // 'models/online-retail/20111109T000000000Z-3fa2c01b/fallback.json'
   * @example fallbacks.key('repeat') // 'models/online-retail/baseline-repeat/fallback.json'
   */
  key(baseline: string, modelId?: string): string {
    return modelId === undefined ? this.models.key(`baseline-${baseline}`, FIT_FILE) : this.models.key(modelId, FIT_FILE);
  }

  /**
   * Writes a fit in the folder of the published model `modelId`, once: a fit is never
   * rewritten, so that what names it keeps naming the same calibration (one HEAD, then
   * one atomic put; the pipeline lock keeps a second writer away, and model ids are
   * new per training).
   * @returns the key and ETag written.
   * @throws DatasetNotFoundError when the model is not published; DatasetExistsError when its folder holds a fit already.
   */
  async save(modelId: string, fallback: BaselineFallbackRecord): Promise<{ key: string; etag: string }> {
    await this.models.assertExists(modelId);
    const object = this.object(fallback.baseline, modelId);
    if ((await this.store.head(object.key)) !== undefined) throw new DatasetExistsError(`baseline fallback fitted by the training of model ${JSON.stringify(modelId)}`, object.uri, 'fallback fits are never rewritten');
    const info = await object.save(fallback);
    return { key: info.key, etag: info.etag };
  }

  /**
   * The fit of `baseline` that the training of model `modelId` wrote; without `modelId`,
   * the record of `baseline` that an earlier version wrote.
   * @throws DatasetNotFoundError when none was written; DatasetFormatError when it does not
   *   validate or is the fit of another baseline than `baseline`.
   */
  async load(baseline: FallbackBaseline, modelId?: string): Promise<BaselineFallbackRecord> {
    const object = this.object(baseline, modelId);
    const record = await object.loadIfExists();
    const what = modelId === undefined ? `baseline fallback ${JSON.stringify(baseline)}` : `baseline fallback ${JSON.stringify(baseline)} fitted by the training of model ${JSON.stringify(modelId)}`;
    if (record === undefined) throw new DatasetNotFoundError(what, object.uri);
    if (record.baseline !== baseline) throw new DatasetFormatError('baseline fallback', object.uri, `it is a fit of baseline ${JSON.stringify(record.baseline)}, not of ${JSON.stringify(baseline)}`);
    return record;
  }

  /**
   * The fits of `baseline` in the lake, each with the model id of the training that wrote it,
   * newest training first (model ids sort by the time of their training): one keys-only listing
   * of `models/<data set>/`, then every fit read, {@link READ_AT_ONCE} at a time. A fit that does
   * not validate is skipped, and so is one removed between the listing and its read.
   * @throws store errors unchanged.
   */
  async fits(baseline: FallbackBaseline): Promise<{ modelId: string; fallback: BaselineFallbackRecord }[]> {
    const ids: string[] = [];
    for (const { key } of await this.store.list(this.models.root, { etags: false })) {
      const [modelId, file, ...rest] = key.slice(this.models.root.length).split('/');
      if (file === FIT_FILE && rest.length === 0 && MODEL_ID_PATTERN.test(modelId)) ids.push(modelId);
    }
    ids.sort().reverse();
    const fits: { modelId: string; fallback: BaselineFallbackRecord }[] = [];
    for (let from = 0; from < ids.length; from += READ_AT_ONCE) {
      const batch = ids.slice(from, from + READ_AT_ONCE);
      const records = await Promise.all(
        batch.map((modelId) => this.object(baseline, modelId).loadIfExists().catch((error: unknown) => (error instanceof DatasetFormatError ? undefined : Promise.reject(error)))),
      );
      records.forEach((fallback, i) => {
        if (fallback?.baseline === baseline) fits.push({ modelId: batch[i], fallback });
      });
    }
    return fits;
  }
}
