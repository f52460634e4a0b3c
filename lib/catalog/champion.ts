/**
 * `models/<data set>/champion.json`: what scoring uses by default: the data set's promoted
 * model, or, while no model was ever promoted, the fallback the last training chose
 * (`baseline:<name>@<model-id>` or `blend:<model-id>`, whose records are kept in that model's folder;
 * `baseline:<name>` in lakes of earlier versions, whose record is `baseline-<name>/fallback.json`).
 */
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { JsonObject } from './json';
import type { Models } from './models';

/** Schema of `models/<data set>/champion.json`. */
export const ChampionSchema = z.object({
  /** A model id, or a fallback's id (`baseline:<name>@<model-id>`, `blend:<model-id>`; `baseline:<name>` of earlier versions). */
  modelId: z.string(),
  /** ISO 8601 UTC time of promotion (of the fallback's choice). */
  promotedAt: z.string(),
  /**
   * ISO 8601 UTC time of the latest training that challenged this champion and kept
   * it (`kept-champion`); absent when none has since its promotion. The age that
   * `berserkr schedule --max-model-age` retrains at runs from the later of the two.
   */
  challengedAt: z.string().optional(),
  /** The validation metrics that justified promotion. */
  validation: z.record(z.number()),
});

export type Champion = z.infer<typeof ChampionSchema>;

/** The champion pointer of one data set. */
export class ChampionPointer {
  private readonly object: JsonObject<Champion>;

  /**
   * @param store the lake
   * @param models the data set's models, which a champion must be one of and beside which the pointer is kept.
   */
  constructor(
    store: ObjectStore,
    private readonly models: Models,
  ) {
    this.object = new JsonObject(store, `${models.root}champion.json`, {
      what: 'champion pointer',
      schema: ChampionSchema,
      indent: 2,
      newline: false,
      hint: 'restore it from a backup, or delete it and train again (berserkr run or berserkr train writes a new one; berserkr schedule retrains and rewrites it by itself)',
    });
  }

  /** `models/<data set>/champion.json`. */
  get key(): string {
    return this.object.key;
  }

  /** `<lake uri>/models/<data set>/champion.json`. */
  get uri(): string {
    return this.object.uri;
  }

  /**
   * The current champion, or `undefined` when none was promoted.
   * @throws DatasetFormatError when the pointer does not validate (`invalid champion pointer <uri>: <what is wrong>; <what to do>`).
   */
  load(): Promise<Champion | undefined> {
    return this.object.loadIfExists();
  }

  /**
   * Promotes a published model (one atomic put).
   * @throws DatasetNotFoundError when `champion.modelId` has no manifest.
   */
  async publish(champion: Champion): Promise<ObjectInfo> {
    await this.models.assertExists(champion.modelId);
    return this.object.save(champion);
  }

  /**
   * Makes a fallback what scoring uses by default, while no model is champion (one
   * atomic put). The caller saved the fallback's record first.
   * @param champion `modelId` the fallback's id (`baseline:<name>@<model-id>`, `blend:<model-id>`).
   */
  publishFallback(champion: Champion): Promise<ObjectInfo> {
    return this.object.save(champion);
  }
}
