/**
 * The model registry over the catalog's models (`lib/catalog/models.ts`, which
 * holds the layout, the manifest schema and the publication order): a TF.js
 * layers model and everything scoring needs saved together and loaded back.
 * Models are never overwritten: ids are `<UTC timestamp>-<short hash of config
 * + seed>` and saving onto an id that is published fails.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { Catalog, ModelCard, ModelManifest, Models } from '../lib/catalog';
import { canonicalJson } from '../lib/config';
import type { Calibration } from './calibration';
import { TrainingInputError } from './errors';
import { modelCardMarkdown } from './model-card-markdown';
import type { Vocabulary } from './predict';
import type { Preprocessing } from './preprocess';

/** What {@link saveModel} needs besides the catalog. */
export type ModelToSave = Omit<ModelManifest, 'formatVersion' | 'createdAt' | 'artefacts'> & { model: tf.LayersModel };

/** A loaded model and everything scoring needs. */
export interface LoadedModel {
  model: tf.LayersModel;
  preprocessing: Preprocessing;
  calibration: Calibration;
  vocab: Vocabulary;
  manifest: ModelManifest;
}

/** SHA-256 (hex) of the canonical JSON of a training's settings and seed, `{ config, seed }`: what a model id is suffixed with. */
export function trainingHash(config: unknown, seed: number): string {
  return createHash('sha256').update(canonicalJson({ config, seed })).digest('hex');
}

/**
 * A new model id: `<UTC time as YYYYMMDDTHHmmssSSSZ>-<first 8 hex of trainingHash>`,
 * e.g. `20111109T000000000Z-3fa2c01b`; sorts by creation time.
 */
export function newModelId(config: unknown, seed: number, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${trainingHash(config, seed).slice(0, 8)}`;
}

const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/**
 * A `tf.io.IOHandler` that saves and loads `model.json` + `weights.bin` of
 * model `modelId` through `models`. Saving records what it wrote in `written`.
 */
function modelIOHandler(models: Models, modelId: string, written: ModelManifest['artefacts'] = []): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new TrainingInputError(`model ${JSON.stringify(modelId)}: only layers models with a JSON topology can be saved`);
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      const w = await models.putArtefact(modelId, 'weights.bin', weights, 'application/octet-stream');
      const m = await models.putArtefact(modelId, 'model.json', JSON.stringify(modelJson), 'application/json');
      written.push({ key: w.key, size: w.size, etag: w.etag }, { key: m.key, size: m.size, etag: m.etag });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      // Validated for what loading reads; the rest of the TF.js format passes through as stored.
      const json = (await models.loadModelJson(modelId)) as unknown as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const parts = await Promise.all(manifest.flatMap((g) => g.paths).map(async (p) => toArrayBuffer(await models.getWeights(modelId, p))));
        return [specs, tf.io.CompositeArrayBuffer.join(parts)];
      });
    },
  };
}

/**
 * Publishes a model in the catalog: `weights.bin`, `model.json`, its card when
 * given (`model-card.json` and its text `model-card.md`, listed among the
 * artefacts), then `manifest.json` last.
 * @param now the publication time, the manifest's `createdAt` (the card's should be the same).
 * @param card the model's card (`training/model-card.ts`); its `modelId` must be `toSave.modelId`.
 * @returns the manifest as written.
 * @throws DatasetExistsError when the id is already published; TrainingInputError
 *   when the card is of another model; ZodError when the card breaks its schema.
 */
export async function saveModel(catalog: Catalog, toSave: ModelToSave, now: Date = new Date(), card?: ModelCard): Promise<ModelManifest> {
  const { models } = catalog;
  if (card !== undefined && card.modelId !== toSave.modelId) throw new TrainingInputError(`model card of ${JSON.stringify(card.modelId)} given to save model ${JSON.stringify(toSave.modelId)}`);
  await models.assertNew(toSave.modelId);
  const artefacts: ModelManifest['artefacts'] = [];
  await toSave.model.save(modelIOHandler(models, toSave.modelId, artefacts));
  if (card !== undefined) for (const o of await models.putCard(card, modelCardMarkdown(card))) artefacts.push({ key: o.key, size: o.size, etag: o.etag });
  const { model: _model, ...rest } = toSave;
  const manifest: ModelManifest = { formatVersion: 1, ...rest, createdAt: now.toISOString(), artefacts };
  await models.publishManifest(manifest);
  return manifest;
}

/**
 * Loads a published model with its preprocessing, calibration and vocabulary.
 * @throws DatasetNotFoundError when there is no manifest; DatasetFormatError when the
 *   manifest or `model.json` does not validate or an artefact's size differs from the manifest.
 */
export async function loadModel(catalog: Catalog, modelId: string): Promise<LoadedModel> {
  const manifest = await catalog.models.loadManifest(modelId);
  const model = await tf.loadLayersModel(modelIOHandler(catalog.models, modelId));
  return { model, preprocessing: manifest.preprocessing, calibration: manifest.calibration, vocab: manifest.vocab, manifest };
}
