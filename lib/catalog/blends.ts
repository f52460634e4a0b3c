/**
 * Blend records, `models/<data set>/<model-id>/blend.json`: how scoring blends a
 * registered model's order with a baseline's when the model did not beat the
 * baseline significantly, no champion exists and the blend was the better on
 * validation (`training/blend.ts`). Written after the model is published; the
 * champion id `blend:<model-id>` names it.
 */
import { z } from 'zod';
import type { ObjectStore } from '../store/store';
import { DatasetNotFoundError } from './errors';
import { JsonObject, type JsonSpec } from './json';
import { CalibrationSchema, customerLevelSchema, type Models } from './models';

/** Schema of a blend record. */
export const BlendSchema = z.object({
  /** The registered model whose order is blended. */
  modelId: z.string(),
  baseline: z.enum(['popularity', 'repeat']),
  /** Weight on the model in the reciprocal-rank fusion, in (0, 1]. */
  weight: z.number().gt(0).lte(1),
  /** Map of the blend score to a probability. */
  calibration: CalibrationSchema,
  /** The customer level after the map, on [ln E_u]; absent in records written before it (the map alone). */
  customerLevel: customerLevelSchema(1).optional(),
  /** Cut-off (ms UTC) the weight and calibration were fitted on. */
  validationCutoff: z.number(),
  /** Length K of the baseline's lists. */
  k: z.number().int().positive(),
  /** Why scoring uses the blend (the promotion decision). */
  reason: z.string(),
});

export type BlendRecord = z.infer<typeof BlendSchema>;

const SPEC: JsonSpec<BlendRecord> = { what: 'blend', schema: BlendSchema, indent: 2, newline: false };

/** The blend records of one data set, one per model at most. */
export class Blends {
  /**
   * @param store the lake
   * @param models the data set's models, in whose folders the records are kept.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly models: Models,
  ) {}

  /**
   * Key of the blend of model `modelId`.
   * @example blends.key('20111109T000000000Z-3fa2c01b') // 'models/online-retail/20111109T000000000Z-3fa2c01b/blend.json'
   */
  key(modelId: string): string {
    return this.models.key(modelId, 'blend.json');
  }

  /**
   * Writes the blend of `blend.modelId` (one atomic put).
   * @returns the key and ETag written.
   * @throws DatasetNotFoundError when the model is not published.
   */
  async save(blend: BlendRecord): Promise<{ key: string; etag: string }> {
    await this.models.assertExists(blend.modelId);
    const info = await new JsonObject(this.store, this.key(blend.modelId), SPEC).save(blend);
    return { key: info.key, etag: info.etag };
  }

  /**
   * The blend of model `modelId`.
   * @throws DatasetNotFoundError when none was written; DatasetFormatError when it does not validate.
   */
  async load(modelId: string): Promise<BlendRecord> {
    const object = new JsonObject(this.store, this.key(modelId), SPEC);
    const record = await object.loadIfExists();
    if (record === undefined) throw new DatasetNotFoundError(`blend of model ${JSON.stringify(modelId)}`, object.uri);
    return record;
  }
}
