/**
 * The model registry's objects of one data set: `models/<data set>/<model-id>/` holds `model.json` (TF.js
 * layers topology and weights manifest, the format of `tf.io` file handlers),
 * `weights.bin` (the weights in manifest order), `model-card.json` and
 * `model-card.md` (the model card, `model-card.ts`) and `manifest.json`
 * (preprocessing, calibration, feature names, vocabulary sizes, architecture,
 * metrics, history, sizes and ETags of the artefacts); written after the manifest
 * when scoring falls back, `blend.json` (`blends.ts`) or `fallback.json`, the fit of a
 * baseline by the model's training (`fallbacks.ts`).
 *
 * Publication: artefacts and card first, `manifest.json` last; a model without a
 * manifest does not exist. Models are never overwritten, only removed whole by
 * `berserkr gc` when nothing uses them (`training/leftovers.ts`). The catalog deals in
 * bytes and JSON; turning them into a TF.js model is `training/registry.ts`'s.
 */
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { DatasetExistsError, DatasetFormatError, DatasetNotFoundError } from './errors';
import { decodeJson, JsonObject, type JsonSpec } from './json';
import { type ModelCard, ModelCardSchema } from './model-card';
import { RUN_ID_PATTERN } from './run-id';
import { objectUri } from './uri';

/** `<UTC time as YYYYMMDDTHHmmssSSSZ>-<8 lower-case hex>`, the ids `newModelId` of `training/registry.ts` makes. */
export const MODEL_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/**
 * The model ids ({@link MODEL_ID_PATTERN}) that `text` names anywhere, in order of appearance, repeats included.
 * @example modelIdsIn('{"modelId":"blend:20111109T000000000Z-3fa2c01b"}') // ['20111109T000000000Z-3fa2c01b']
 */
export function modelIdsIn(text: string): string[] {
  return text.match(/\d{8}T\d{9}Z-[0-9a-f]{8}/g) ?? [];
}

/** The artefacts beside the manifest. */
export type ModelArtefact = 'model.json' | 'weights.bin';

/** The logit offsets before and after the map (`training/calibration.ts`); absent in models saved before them. */
const shifts = { refitShift: z.number().finite().optional(), priorShift: z.number().finite().optional() };

/** A probability calibration as stored with a model or a baseline fallback. */
export const CalibrationSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('platt'), a: z.number(), b: z.number(), ...shifts }),
  z.object({ method: z.literal('isotonic'), x: z.array(z.number()), y: z.array(z.number()), ...shifts }),
  z.object({ method: z.literal('identity'), ...shifts }),
]);

/**
 * The customer level of a fallback's calibration (`training/customer-level.ts`):
 * the coefficients of σ(a·logit(p₀) + Σ b_j·x_j + c), one b_j per covariate of
 * that fallback (`covariates`: 1 for the blend, 2 for the baseline fallback), or
 * why the map alone is used.
 */
export function customerLevelSchema(covariates: number) {
  return z.discriminatedUnion('method', [
    z.object({ method: z.literal('logistic'), a: z.number().finite().positive(), b: z.array(z.number().finite()).length(covariates), c: z.number().finite() }),
    z.object({ method: z.literal('none'), reason: z.string() }),
  ]);
}

const positive = z.number().int().positive();

/** Schema of `manifest.json` (format version 1). */
export const ModelManifestSchema = z.object({
  formatVersion: z.literal(1),
  modelId: z.string(),
  /** ISO 8601 UTC time of publication. */
  createdAt: z.string(),
  /** TF.js backend the model was trained on. */
  backend: z.string(),
  /** The configuration hash of the data set's configuration it was trained on (`configHash` of lib/config.ts); models saved before it held a hash of the training settings. */
  configHash: z.string(),
  featureNames: z.array(z.string()),
  vocab: z.object({ customers: positive, items: positive }),
  spec: z.object({
    features: positive,
    customers: positive,
    items: positive,
    hidden: z.array(positive),
    itemEmbedding: z.number().int().nonnegative(),
    customerEmbedding: z.number().int().nonnegative(),
    l2: z.number().nonnegative(),
    seed: z.number().int(),
  }),
  preprocessing: z.object({
    version: z.literal(1),
    transforms: z.array(z.object({ name: z.string(), log: z.boolean(), mean: z.number(), scale: z.number().positive() })),
  }),
  calibration: CalibrationSchema,
  /** Validation metrics, e.g. `{ "ndcg@10": 0.41, logLoss: 0.05, ece: 0.004 }`. */
  metrics: z.record(z.number()),
  /** The training's epochs; a model saved before the budgeted trainer has no `phase`, `epochs`, `groups`, `rows` and keeps its own fields. */
  history: z.array(
    z
      .object({
        phase: z.enum(['train', 'refit']).optional(),
        epoch: z.number(),
        epochs: z.number().optional(),
        trainLoss: z.number(),
        groups: z.number().optional(),
        rows: z.number().optional(),
        rowsPerSecond: z.number(),
      })
      .passthrough(),
  ),
  /** The run that trained and saved it (`runs/<data set>/<run-id>.json`); absent in models saved before manifests named it. */
  runId: z.string().regex(RUN_ID_PATTERN).optional(),
  /** `weights.bin` and `model.json` as written, then `model-card.json` and `model-card.md` when the model has a card: key, size in bytes, ETag. */
  artefacts: z.array(z.object({ key: z.string(), size: z.number().int().nonnegative(), etag: z.string() })),
});

/** One epoch of a model's training as its manifest records it (see the schema; other fields of older models are kept as written). */
export interface ModelHistoryRecord {
  phase?: 'train' | 'refit';
  /** 1-based within its phase. */
  epoch: number;
  epochs?: number;
  trainLoss: number;
  groups?: number;
  rows?: number;
  rowsPerSecond: number;
}

/** `manifest.json` of a published model. */
export type ModelManifest = Omit<z.infer<typeof ModelManifestSchema>, 'history'> & { history: ModelHistoryRecord[] };

/**
 * What `model.json` must hold to be loaded: a topology and a weights manifest
 * whose paths name objects beside it (other fields of the TF.js format pass through).
 */
export const ModelJsonSchema = z
  .object({
    modelTopology: z.record(z.unknown()),
    weightsManifest: z.array(
      z.object({ paths: z.array(z.string()), weights: z.array(z.object({ name: z.string(), shape: z.array(z.number()), dtype: z.string() }).passthrough()) }).passthrough(),
    ),
  })
  .passthrough();

/** `model.json` as validated by {@link ModelJsonSchema}. */
export type ModelJson = z.infer<typeof ModelJsonSchema>;

const MANIFEST: JsonSpec<ModelManifest> = { what: 'model manifest', schema: ModelManifestSchema, indent: 2, newline: false };
const CARD: JsonSpec<ModelCard> = { what: 'model card', schema: ModelCardSchema, indent: 2, newline: true };

/** The models of one data set of the lake. */
export class Models {
  /** Folder of the data set's models, champion and fallbacks: `models/<data set>/`. */
  readonly root: string;

  /**
   * @param store the lake
   * @param dataset the data set's name, e.g. `online-retail`.
   */
  constructor(
    readonly store: ObjectStore,
    dataset: string,
  ) {
    this.root = `models/${dataset}/`;
  }

  /**
   * Folder of model `modelId`.
   * @example models.prefix('20111109T000000000Z-3fa2c01b') // 'models/online-retail/20111109T000000000Z-3fa2c01b/'
   */
  prefix(modelId: string): string {
    return `${this.root}${modelId}/`;
  }

  /** Key of `file` (an artefact, `manifest.json`, or a path a weights manifest names) of model `modelId`. */
  key(modelId: string, file: string): string {
    return this.prefix(modelId) + file;
  }

  private manifest(modelId: string): JsonObject<ModelManifest> {
    return new JsonObject(this.store, this.key(modelId, 'manifest.json'), MANIFEST);
  }

  /** `<lake uri>/models/<data set>/<model-id>/manifest.json`: the object that makes the model exist. */
  manifestUri(modelId: string): string {
    return this.manifest(modelId).uri;
  }

  /** Whether model `modelId` is published (its manifest exists). */
  async exists(modelId: string): Promise<boolean> {
    return (await this.store.head(this.manifest(modelId).key)) !== undefined;
  }

  /**
   * Checks that model `modelId` is published.
   * @throws DatasetNotFoundError `model "<id>" not found: <manifest uri> does not exist`.
   */
  async assertExists(modelId: string): Promise<void> {
    if (!(await this.exists(modelId))) throw new DatasetNotFoundError(`model ${JSON.stringify(modelId)}`, this.manifestUri(modelId));
  }

  /**
   * Checks that no model `modelId` is published, before writing one.
   * @throws DatasetExistsError naming the manifest: models are never overwritten.
   */
  async assertNew(modelId: string): Promise<void> {
    if (await this.exists(modelId)) throw new DatasetExistsError(`model ${JSON.stringify(modelId)}`, this.manifestUri(modelId), 'models are never overwritten');
  }

  /** Writes one artefact of an unpublished model (one atomic put). */
  putArtefact(modelId: string, artefact: ModelArtefact, body: Uint8Array | string, contentType: string): Promise<ObjectInfo> {
    return this.store.put(this.key(modelId, artefact), body, contentType);
  }

  /**
   * The bytes of `path` (a path the weights manifest names) of model `modelId`.
   * @throws ObjectNotFoundError when missing.
   */
  getWeights(modelId: string, path: string): Promise<Uint8Array> {
    return this.store.get(this.key(modelId, path));
  }

  /**
   * The validated `model.json` of model `modelId`.
   * @throws ObjectNotFoundError when missing; DatasetFormatError as `decodeJson`.
   */
  async loadModelJson(modelId: string): Promise<ModelJson> {
    const key = this.key(modelId, 'model.json');
    return decodeJson(await this.store.get(key), objectUri(this.store, key), { what: 'model topology', schema: ModelJsonSchema });
  }

  private card(modelId: string): JsonObject<ModelCard> {
    return new JsonObject(this.store, this.key(modelId, 'model-card.json'), CARD);
  }

  /**
   * Writes the card of an unpublished model: `model-card.json` (validated) and
   * its text `model-card.md` (one atomic put each), before the manifest.
   * @returns both objects as written, JSON first.
   * @throws ZodError when `card` breaks {@link ModelCardSchema}; store errors unchanged.
   */
  async putCard(card: ModelCard, markdown: string): Promise<[ObjectInfo, ObjectInfo]> {
    const json = await this.card(card.modelId).save(ModelCardSchema.parse(card));
    const md = await this.store.put(this.key(card.modelId, 'model-card.md'), markdown, 'text/markdown; charset=utf-8');
    return [json, md];
  }

  /**
   * The card of model `modelId`, or `undefined` when it has none (models
   * published before cards existed, and baselines).
   * @throws DatasetFormatError when the card does not validate.
   */
  loadCard(modelId: string): Promise<ModelCard | undefined> {
    return this.card(modelId).loadIfExists();
  }

  /** Publishes a model by writing its manifest, last (one atomic put). */
  publishManifest(manifest: ModelManifest): Promise<ObjectInfo> {
    return this.manifest(manifest.modelId).save(manifest);
  }

  /**
   * Every object in a model's folder under `models/<data set>/` (its fallback's record too), by model id
   * ({@link MODEL_ID_PATTERN}: the `baseline-<name>/` folders of earlier versions and the objects beside
   * the folders, such as the champion pointer, are left out), each in key order. Keys, sizes and times only (`etags: false`): a folder store reads no file.
   */
  async byModel(): Promise<Map<string, ObjectInfo[]>> {
    const byModel = new Map<string, ObjectInfo[]>();
    for (const object of await this.store.list(this.root, { etags: false })) {
      const modelId = object.key.slice(this.root.length).split('/')[0];
      if (object.key.length <= this.root.length + modelId.length || !MODEL_ID_PATTERN.test(modelId)) continue;
      const objects = byModel.get(modelId);
      if (objects === undefined) byModel.set(modelId, [object]);
      else objects.push(object);
    }
    return byModel;
  }

  /** Whether model `modelId` is published: `objects` (its folder's, from {@link byModel}) hold its manifest. */
  isPublished(modelId: string, objects: readonly ObjectInfo[]): boolean {
    const manifest = this.manifest(modelId).key;
    return objects.some((o) => o.key === manifest);
  }

  /**
   * The manifest of model `modelId` as stored, or `undefined` when it has none (one GET; its
   * artefacts are not checked, as {@link loadManifest} does).
   * @throws DatasetFormatError when it does not validate.
   */
  readManifest(modelId: string): Promise<ModelManifest | undefined> {
    return this.manifest(modelId).loadIfExists();
  }

  /** Deletes one object of a model's folder; a missing one is no error. */
  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }

  /**
   * The manifest of a published model, after checking each artefact it records
   * is present with the size recorded: one listing of the model's keys and sizes
   * (a folder store reads no file for it), a HEAD only for an artefact outside its folder.
   * @throws DatasetNotFoundError when the model has no manifest; DatasetFormatError
   *   when the manifest does not validate or an artefact's size differs from it.
   */
  async loadManifest(modelId: string): Promise<ModelManifest> {
    const object = this.manifest(modelId);
    const manifest = await object.loadIfExists();
    if (manifest === undefined) throw new DatasetNotFoundError(`model ${JSON.stringify(modelId)}`, object.uri);
    const prefix = this.prefix(modelId);
    const listed = new Map((await this.store.list(prefix, { etags: false })).map((o) => [o.key, o]));
    for (const a of manifest.artefacts) {
      const info = a.key.startsWith(prefix) ? listed.get(a.key) : await this.store.head(a.key);
      if (info === undefined || info.size !== a.size) {
        throw new DatasetFormatError('model artefact', objectUri(this.store, a.key), `expected ${a.size} bytes as recorded in ${object.uri}, found ${info?.size ?? 'no object'}`);
      }
    }
    return manifest;
  }
}
