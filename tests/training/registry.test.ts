import { selectBackend } from '../../training/backend';
import { buildModel } from '../../training/model';
import { predictRaw } from '../../training/predict';
import { fitPreprocessing } from '../../training/preprocess';
import { Catalog, DatasetExistsError, DatasetFormatError, DatasetNotFoundError, MODEL_ID_PATTERN } from '../../lib/catalog';
import { trainingHash, loadModel, newModelId, saveModel, type ModelToSave } from '../../training/registry';
import { scoreFeatureSet } from '../../scoring/score';
import { MemoryStore } from '../helpers/memory-store';
import { syntheticModelCard } from '../report/synthetic';
import { makeFeatureSet, makeWorld } from './synthetic';

describe('model registry', () => {
  const world = makeWorld(5, 50, 40);
  const fs = makeFeatureSet(world, 21, 0, 10);
  const preprocessing = fitPreprocessing([fs]);
  const vocab = { customers: 50, items: 40 };
  const spec = { features: fs.names.length, ...vocab, hidden: [8, 4], itemEmbedding: 4, customerEmbedding: 2, l2: 0, seed: 3 };
  const config = { spec, negativesPerPositive: 20 };
  const now = new Date('2011-11-09T00:00:00.000Z');
  const toSave = (): ModelToSave => ({
    modelId: newModelId(config, 3, now),
    model: buildModel(spec),
    backend: 'wasm',
    configHash: trainingHash(config, 3),
    featureNames: fs.names,
    vocab,
    spec,
    preprocessing,
    calibration: { method: 'platt', a: 0.8, b: -1, refitShift: -0.1, priorShift: 0.25 },
    metrics: { ndcg10: 0.5, logLoss: 0.2 },
    history: [{ phase: 'train', epoch: 1, epochs: 1, trainLoss: 0.3, groups: 10, rows: 640, rowsPerSecond: 1000 }],
  });

  beforeAll(async () => {
    await selectBackend();
  });

  it('names models by UTC time and a hash of config and seed', () => {
    expect(newModelId(config, 3, now)).toMatch(/^20111109T000000000Z-[0-9a-f]{8}$/);
    // The ids gc looks for among the data set's model folders (the others are left alone).
    expect(newModelId(config, 3, new Date())).toMatch(MODEL_ID_PATTERN);
    expect(newModelId({ b: 1, a: [1, 2] }, 1, now)).toBe(newModelId({ a: [1, 2], b: 1 }, 1, now));
    expect(newModelId(config, 4, now)).not.toBe(newModelId(config, 3, now));
  });

  it('round-trips a model: same predictions, manifest written last, never overwritten', async () => {
    const store = new MemoryStore();
    const catalog = new Catalog(store, 'online-retail');
    const input = toSave();
    const manifest = await saveModel(catalog, input, now);
    const prefix = `models/online-retail/${input.modelId}/`;
    expect(store.puts).toEqual([prefix + 'weights.bin', prefix + 'model.json', prefix + 'manifest.json']);
    expect(manifest.artefacts.map((a) => a.key)).toEqual([prefix + 'weights.bin', prefix + 'model.json']);

    const loaded = await loadModel(catalog, input.modelId);
    expect(loaded.manifest).toEqual(manifest);
    expect(loaded.preprocessing).toEqual(preprocessing);
    const before = predictRaw(input.model, preprocessing, vocab, fs);
    const after = predictRaw(loaded.model, loaded.preprocessing, loaded.vocab, fs);
    expect(after).toEqual(before);
    const calibrated = scoreFeatureSet(loaded, fs);
    expect(calibrated.every((p) => p >= 0 && p <= 1)).toBe(true);

    await expect(saveModel(catalog, toSave(), now)).rejects.toThrow(DatasetExistsError);
  });

  it('writes the card with the model, before the manifest, among the artefacts; a card of another model is refused', async () => {
    const store = new MemoryStore();
    const catalog = new Catalog(store, 'online-retail');
    const input = toSave();
    const card = { ...syntheticModelCard(), modelId: input.modelId };
    await expect(saveModel(catalog, input, now, { ...card, modelId: 'other' })).rejects.toThrow(`model card of "other" given to save model "${input.modelId}"`);
    expect(store.puts).toEqual([]);
    const manifest = await saveModel(catalog, input, now, card);
    const prefix = `models/online-retail/${input.modelId}/`;
    const files = ['weights.bin', 'model.json', 'model-card.json', 'model-card.md'];
    expect(store.puts).toEqual([...files, 'manifest.json'].map((f) => prefix + f));
    expect(manifest.artefacts.map((a) => a.key)).toEqual(files.map((f) => prefix + f));
    expect(await catalog.models.loadCard(input.modelId)).toEqual(card);
    expect(new TextDecoder().decode(await store.get(prefix + 'model-card.md'))).toMatch(new RegExp(`^# Model card: ${input.modelId}\n`));
    expect((await loadModel(catalog, input.modelId)).manifest).toEqual(manifest);
  });

  it('treats a model without manifest as absent and detects truncated artefacts', async () => {
    const store = new MemoryStore();
    const catalog = new Catalog(store, 'online-retail');
    const input = toSave();
    await saveModel(catalog, input, now);
    const prefix = `models/online-retail/${input.modelId}/`;
    await store.put(prefix + 'weights.bin', new Uint8Array(3));
    await expect(loadModel(catalog, input.modelId)).rejects.toThrow(DatasetFormatError);
    await expect(loadModel(catalog, input.modelId)).rejects.toThrow(/weights\.bin: expected \d+ bytes as recorded in .*manifest\.json, found 3/);
    await store.delete(prefix + 'manifest.json');
    await expect(loadModel(catalog, input.modelId)).rejects.toThrow(DatasetNotFoundError);
    await store.put(prefix + 'manifest.json', '{"formatVersion": 2}');
    await expect(loadModel(catalog, input.modelId)).rejects.toThrow(/^invalid model manifest memory:\/\/test\/models\/.*\/manifest\.json: field formatVersion: Invalid literal value/);
  });

  it('reads and writes the champion of published models only', async () => {
    const store = new MemoryStore();
    const catalog = new Catalog(store, 'online-retail');
    expect(await catalog.champion.load()).toBeUndefined();
    const input = toSave();
    const champion = { modelId: input.modelId, promotedAt: now.toISOString(), validation: { ndcg10: 0.5 } };
    await expect(catalog.champion.publish(champion)).rejects.toThrow(DatasetNotFoundError);
    await saveModel(catalog, input, now);
    await catalog.champion.publish(champion);
    expect(await catalog.champion.load()).toEqual(champion);
    await store.put('models/online-retail/champion.json', '{"modelId": 7}');
    await expect(catalog.champion.load()).rejects.toThrow(DatasetFormatError);
  });
});
