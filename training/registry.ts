/**
 * Model registry in the lake: `models/<model-id>/` holds `model.json` (TF.js
 * layers topology + weights manifest, the format of `tf.io` file handlers),
 * `weights.bin` (little-endian float32/int32 weights in manifest order) and
 * `manifest.json` (preprocessing, calibration, feature names, vocabulary sizes,
 * architecture, metrics, history, sizes and ETags of the artefacts).
 *
 * Publication: artefacts first, `manifest.json` last; a model without a manifest
 * does not exist. Models are never overwritten: ids are `<UTC timestamp>-<short
 * hash of config + seed>` and saving onto an id whose manifest exists fails.
 * `models/champion.json` names the promoted model. All I/O goes through the
 * `ObjectStore` passed in.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LAKE } from '../lib/schema';
import type { ObjectStore } from '../lib/store/store';
import type { Calibration } from './calibration';
import type { ModelSpec } from './model';
import type { Vocabulary } from './predict';
import type { Preprocessing } from './preprocess';
import type { EpochRecord } from './train';
import { BASELINE_ID_PREFIX, type BaselineFallback, type BaselineName } from './fallback';

/** Base class of registry errors; `key` names the object concerned. */
export class RegistryError extends Error {
  constructor(message: string, readonly key: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** No published model (no manifest) under the id. */
export class ModelNotFoundError extends RegistryError {
  constructor(modelId: string, key: string) {
    super(`model ${JSON.stringify(modelId)} not found: ${key} does not exist`, key);
    this.name = 'ModelNotFoundError';
  }
}

/** A model with this id is already published; models are never overwritten. */
export class ModelExistsError extends RegistryError {
  constructor(modelId: string, key: string) {
    super(`model ${JSON.stringify(modelId)} already exists (${key}); models are never overwritten`, key);
    this.name = 'ModelExistsError';
  }
}

/** A stored registry object is not what this version reads (bad JSON, schema, size). */
export class RegistryFormatError extends RegistryError {
  constructor(message: string, key: string) {
    super(message, key);
    this.name = 'RegistryFormatError';
  }
}

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const MANIFEST_JSON = 'manifest.json';

const artefactSchema = z.object({ key: z.string(), size: z.number().int().nonnegative(), etag: z.string() });
const transformSchema = z.object({ name: z.string(), log: z.boolean(), mean: z.number(), scale: z.number().positive() });
const calibrationSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('platt'), a: z.number(), b: z.number() }),
  z.object({ method: z.literal('isotonic'), x: z.array(z.number()), y: z.array(z.number()) }),
  z.object({ method: z.literal('identity') }),
]);
const manifestSchema = z.object({
  formatVersion: z.literal(1),
  modelId: z.string(),
  createdAt: z.string(),
  backend: z.string(),
  configHash: z.string(),
  featureNames: z.array(z.string()),
  vocab: z.object({ customers: z.number().int().positive(), items: z.number().int().positive() }),
  spec: z.object({
    features: z.number().int().positive(),
    customers: z.number().int().positive(),
    items: z.number().int().positive(),
    hidden: z.array(z.number().int().positive()),
    itemEmbedding: z.number().int().nonnegative(),
    customerEmbedding: z.number().int().nonnegative(),
    l2: z.number().nonnegative(),
    seed: z.number().int(),
  }),
  preprocessing: z.object({ version: z.literal(1), transforms: z.array(transformSchema) }),
  calibration: calibrationSchema,
  metrics: z.record(z.number()),
  // Epoch records of the budgeted trainer; a model saved before it has no `phase` and keeps its own fields.
  history: z.array(z.object({ epoch: z.number(), trainLoss: z.number(), rowsPerSecond: z.number() }).passthrough()),
  artefacts: z.array(artefactSchema),
});

/** `manifest.json` of a published model. */
export interface ModelManifest {
  formatVersion: 1;
  modelId: string;
  /** ISO 8601 UTC time of publication. */
  createdAt: string;
  /** TF.js backend the model was trained on. */
  backend: string;
  /** SHA-256 (hex) of the canonical JSON of the training configuration and seed. */
  configHash: string;
  featureNames: string[];
  vocab: Vocabulary;
  spec: ModelSpec;
  preprocessing: Preprocessing;
  calibration: Calibration;
  /** Validation metrics, e.g. `{ ndcg10: 0.41, logLoss: 0.05, ece: 0.004 }`. */
  metrics: Record<string, number>;
  /** The training's epochs ({@link EpochRecord}; older models' records hold other fields beside these). */
  history: (Pick<EpochRecord, 'epoch' | 'trainLoss' | 'rowsPerSecond'> & Partial<EpochRecord>)[];
  /** `model.json` and `weights.bin` as written: key, size in bytes, ETag. */
  artefacts: { key: string; size: number; etag: string }[];
}

/** What {@link saveModel} needs besides the store. */
export type ModelToSave = Omit<ModelManifest, 'formatVersion' | 'createdAt' | 'artefacts'> & { model: tf.LayersModel };

/** A loaded model and everything scoring needs. */
export interface LoadedModel {
  model: tf.LayersModel;
  preprocessing: Preprocessing;
  calibration: Calibration;
  vocab: Vocabulary;
  manifest: ModelManifest;
}

/** `models/champion.json`: the model scoring uses by default. */
export interface Champion {
  modelId: string;
  /** ISO 8601 UTC time of promotion. */
  promotedAt: string;
  /** The validation metrics that justified promotion. */
  validation: Record<string, number>;
}

/** JSON with object keys sorted recursively, so equal values hash equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 (hex) of the canonical JSON of `{ config, seed }`. */
export function configHash(config: unknown, seed: number): string {
  return createHash('sha256').update(canonicalJson({ config, seed })).digest('hex');
}

/**
 * A new model id: `<UTC time as YYYYMMDDTHHmmssSSSZ>-<first 8 hex of configHash>`,
 * e.g. `20111109T000000000Z-3fa2c01b`; sorts by creation time.
 */
export function newModelId(config: unknown, seed: number, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${configHash(config, seed).slice(0, 8)}`;
}

const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function parseJson(bytes: Uint8Array, key: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new RegistryFormatError(`${key}: not valid JSON (${(err as Error).message})`, key);
  }
}

/**
 * A `tf.io.IOHandler` that saves and loads `model.json` + `weights.bin` under
 * `prefix` of `store`. Saving records what it wrote in `written`.
 */
export function storeIOHandler(store: ObjectStore, prefix: string, written: ModelManifest['artefacts'] = []): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new RegistryFormatError('only layers models with a JSON topology can be saved', prefix + MODEL_JSON);
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      const w = await store.put(prefix + WEIGHTS_BIN, weights, 'application/octet-stream');
      const m = await store.put(prefix + MODEL_JSON, JSON.stringify(modelJson), 'application/json');
      written.push({ key: w.key, size: w.size, etag: w.etag }, { key: m.key, size: m.size, etag: m.etag });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const key = prefix + MODEL_JSON;
      const json = parseJson(await store.get(key), key) as tf.io.ModelJSON;
      if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
        throw new RegistryFormatError(`${key}: expected modelTopology and weightsManifest`, key);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const parts = await Promise.all(manifest.flatMap((g) => g.paths).map(async (p) => toArrayBuffer(await store.get(prefix + p))));
        return [specs, tf.io.CompositeArrayBuffer.join(parts)];
      });
    },
  };
}

/**
 * Publishes a model under `LAKE.model(modelId)`: `weights.bin`, `model.json`, then
 * `manifest.json` last.
 * @returns the manifest as written.
 * @throws ModelExistsError when the id already has a manifest.
 */
export async function saveModel(store: ObjectStore, toSave: ModelToSave, now: Date = new Date()): Promise<ModelManifest> {
  const prefix = LAKE.model(toSave.modelId);
  if ((await store.head(prefix + MANIFEST_JSON)) !== undefined) throw new ModelExistsError(toSave.modelId, prefix + MANIFEST_JSON);
  const artefacts: ModelManifest['artefacts'] = [];
  await toSave.model.save(storeIOHandler(store, prefix, artefacts));
  const { model: _model, ...rest } = toSave;
  const manifest: ModelManifest = { formatVersion: 1, ...rest, createdAt: now.toISOString(), artefacts };
  await store.put(prefix + MANIFEST_JSON, JSON.stringify(manifest, null, 2), 'application/json');
  return manifest;
}

/**
 * Loads a published model with its preprocessing, calibration and vocabulary.
 * @throws ModelNotFoundError when there is no manifest; RegistryFormatError when the
 *   manifest does not validate or an artefact's size differs from the manifest.
 */
export async function loadModel(store: ObjectStore, modelId: string): Promise<LoadedModel> {
  const prefix = LAKE.model(modelId);
  const key = prefix + MANIFEST_JSON;
  if ((await store.head(key)) === undefined) throw new ModelNotFoundError(modelId, key);
  const parsed = manifestSchema.safeParse(parseJson(await store.get(key), key));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegistryFormatError(`${key}: ${issue.path.join('.')}: ${issue.message}`, key);
  }
  const manifest: ModelManifest = parsed.data;
  for (const a of manifest.artefacts) {
    const info = await store.head(a.key);
    if (info === undefined || info.size !== a.size) {
      throw new RegistryFormatError(`${a.key}: expected ${a.size} bytes as recorded in ${key}, found ${info?.size ?? 'no object'}`, a.key);
    }
  }
  const model = await tf.loadLayersModel(storeIOHandler(store, prefix));
  return { model, preprocessing: manifest.preprocessing, calibration: manifest.calibration, vocab: manifest.vocab, manifest };
}

const championSchema = z.object({ modelId: z.string(), promotedAt: z.string(), validation: z.record(z.number()) });

/**
 * The current champion, or `undefined` when none was promoted.
 * @throws RegistryFormatError when `models/champion.json` does not validate.
 */
export async function readChampion(store: ObjectStore): Promise<Champion | undefined> {
  if ((await store.head(LAKE.champion)) === undefined) return undefined;
  const parsed = championSchema.safeParse(parseJson(await store.get(LAKE.champion), LAKE.champion));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegistryFormatError(`${LAKE.champion}: ${issue.path.join('.')}: ${issue.message}`, LAKE.champion);
  }
  return parsed.data;
}

/**
 * Promotes a published model (one atomic put of `models/champion.json`).
 * @throws ModelNotFoundError when `champion.modelId` has no manifest.
 */
export async function writeChampion(store: ObjectStore, champion: Champion): Promise<void> {
  const key = LAKE.model(champion.modelId) + MANIFEST_JSON;
  if ((await store.head(key)) === undefined) throw new ModelNotFoundError(champion.modelId, key);
  await store.put(LAKE.champion, JSON.stringify(champion, null, 2), 'application/json');
}

/** Key of a baseline fallback record: `models/baseline-<name>/fallback.json`. */
export const fallbackKey = (baseline: string): string => LAKE.model(`baseline-${baseline}`) + 'fallback.json';

const fallbackSchema = z.object({
  baseline: z.enum(['popularity', 'repeat']),
  calibration: calibrationSchema,
  validationCutoff: z.number(),
  k: z.number().int().positive(),
  reason: z.string(),
});

/**
 * Records the calibrated baseline scoring falls back to (one atomic put; a later
 * fallback of the same baseline replaces it, as its calibration is refitted).
 * @returns the key and ETag written.
 */
export async function writeBaselineFallback(store: ObjectStore, fallback: BaselineFallback): Promise<{ key: string; etag: string }> {
  const key = fallbackKey(fallback.baseline);
  const info = await store.put(key, JSON.stringify(fallback, null, 2), 'application/json');
  return { key, etag: info.etag };
}

/**
 * The fallback record of `baseline`.
 * @throws ModelNotFoundError when none was written; RegistryFormatError when it does not validate.
 */
export async function readBaselineFallback(store: ObjectStore, baseline: BaselineName): Promise<BaselineFallback> {
  const key = fallbackKey(baseline);
  if ((await store.head(key)) === undefined) throw new ModelNotFoundError(`${BASELINE_ID_PREFIX}${baseline}`, key);
  const parsed = fallbackSchema.safeParse(parseJson(await store.get(key), key));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RegistryFormatError(`${key}: ${issue.path.join('.')}: ${issue.message}`, key);
  }
  return parsed.data;
}
