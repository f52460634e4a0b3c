/**
 * Baseline fallback records, `models/<data set>/baseline-<name>/fallback.json`: the
 * calibrated baseline scoring uses when no trained model beat it and no
 * champion exists (`training/fallback.ts`).
 */
import { z } from 'zod';
import type { ObjectStore } from '../store/store';
import { DatasetNotFoundError } from './errors';
import { JsonObject, type JsonSpec } from './json';
import { CalibrationSchema, customerLevelSchema, type Models } from './models';

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

const SPEC: JsonSpec<BaselineFallbackRecord> = { what: 'baseline fallback', schema: BaselineFallbackSchema, indent: 2, newline: false };

/** The fallback records of one data set, one per baseline. */
export class BaselineFallbacks {
  /**
   * @param store the lake
   * @param models the data set's models, beside which the records are kept.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly models: Models,
  ) {}

  private object(baseline: string): JsonObject<BaselineFallbackRecord> {
    return new JsonObject(this.store, this.key(baseline), SPEC);
  }

  /**
   * Key of the record of `baseline`.
   * @example fallbacks.key('repeat') // 'models/online-retail/baseline-repeat/fallback.json'
   */
  key(baseline: string): string {
    return this.models.key(`baseline-${baseline}`, 'fallback.json');
  }

  /**
   * Writes the record of `fallback.baseline` (one atomic put; a later fallback
   * of the same baseline replaces it, as its calibration is refitted).
   * @returns the key and ETag written.
   */
  async save(fallback: BaselineFallbackRecord): Promise<{ key: string; etag: string }> {
    const info = await this.object(fallback.baseline).save(fallback);
    return { key: info.key, etag: info.etag };
  }

  /**
   * The record of `baseline`.
   * @throws DatasetNotFoundError when none was written; DatasetFormatError when it does not validate.
   */
  async load(baseline: BaselineFallbackRecord['baseline']): Promise<BaselineFallbackRecord> {
    const object = this.object(baseline);
    const record = await object.loadIfExists();
    if (record === undefined) throw new DatasetNotFoundError(`baseline fallback ${JSON.stringify(baseline)}`, object.uri);
    return record;
  }
}
