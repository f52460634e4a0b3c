/**
 * Training of the purchase-likelihood network on several labelled monthly cut-offs,
 * with early stopping on a later validation cut-off.
 *
 * Steps: vocabulary and preprocessing from the training cut-offs only; per cut-off
 * every positive plus `negativesPerPositive` sampled negatives per positive; each
 * epoch a fresh seeded shuffle, fed to `model.fit` in chunks of `chunkRows` rows
 * (`shuffle: false`, so the run is reproducible and host memory stays bounded);
 * after each epoch the validation cut-off is scored and the best epoch's weights
 * (by candidate NDCG@10, or validation log loss) are kept. A fraction `oovRate`
 * of training ids is replaced by the OOV index so the OOV embedding rows learn the
 * behaviour of an unseen customer or item.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { selectBackend, type BackendName } from './backend';
import { checkFeatureNames, TrainingInputError } from './errors';
import { logLoss } from './metrics';
import { buildModel, DEFAULT_MODEL_SPEC, toVocabIndex, type ModelSpec } from './model';
import { predictRaw, type Vocabulary } from './predict';
import { applyPreprocessing, fitPreprocessing, type Preprocessing } from './preprocess';
import { Prng, sampleRows, shuffleInPlace } from './sampling';
import { candidateNdcgAtK } from './selection';

/** Options of {@link trainModel}; every field has a default. */
export interface TrainOptions {
  /** Seed of sampling, shuffling, OOV replacement and initialisers; default 42. */
  seed?: number;
  /** Sampled negatives per positive and cut-off; default 20 (`Infinity` keeps all). */
  negativesPerPositive?: number;
  /** Maximum epochs; default 12. */
  maxEpochs?: number;
  /** Epochs without improvement before stopping; default 2. */
  patience?: number;
  /** Mini-batch size; default 4096 (larger batches amortise the dense Adam update of the embedding tables). */
  batchSize?: number;
  /** Adam learning rate; default 2e-3. */
  learningRate?: number;
  /** Fraction of training ids (customer and item, independently) replaced by the OOV index; default 0.02. */
  oovRate?: number;
  /** Rows per `model.fit` call (bounds the tensors built at once); default 262144. */
  chunkRows?: number;
  /** Early-stopping metric; default `ndcg@10`. */
  earlyStopping?: 'ndcg@10' | 'logloss';
  /**
   * After early stopping, train a fresh network on the training cut-offs plus the
   * validation cut-off for the best epoch count (preprocessing and vocabulary
   * refitted on them) and return it; `validationScores` stay those of the
   * early-stopped network, the held-out scores calibration needs. Default false.
   */
  refit?: boolean;
  /** Network sizes; see {@link DEFAULT_MODEL_SPEC}. */
  model?: Partial<Pick<ModelSpec, 'hidden' | 'itemEmbedding' | 'customerEmbedding' | 'l2'>>;
  /** Called after each epoch, e.g. for logging. */
  onEpoch?: (record: EpochRecord) => void;
}

/** One epoch of the training history. */
export interface EpochRecord {
  epoch: number;
  /** Mean binary cross-entropy on the (negative-sampled) training rows. */
  trainLoss: number;
  /** Log loss of the raw scores on all validation candidates. */
  validationLogLoss: number;
  /** Candidate NDCG@10 on the validation cut-off (`selection.ts`). */
  validationNdcg10: number;
  /** Training rows per second of wall time in this epoch's fit calls. */
  rowsPerSecond: number;
}

/** Result of {@link trainModel}; the model holds the best epoch's weights. */
export interface TrainResult {
  model: tf.LayersModel;
  spec: ModelSpec;
  preprocessing: Preprocessing;
  vocab: Vocabulary;
  featureNames: string[];
  backend: BackendName;
  history: EpochRecord[];
  /** 1-based epoch whose weights were kept. */
  bestEpoch: number;
  /** Rows per epoch after negative sampling. */
  trainRows: number;
  /** Training rows per second over all epochs' fit calls. */
  trainRowsPerSecond: number;
  /** Raw (uncalibrated) scores of the kept model on every validation row, for calibration. */
  validationScores: Float32Array;
}

/** Sampled, preprocessed training rows in one contiguous block. */
interface TrainingRows {
  m: number;
  x: Float32Array;
  item: Int32Array;
  customer: Int32Array;
  y: Float32Array;
}

function gatherTrainingRows(train: readonly FeatureSet[], pre: Preprocessing, vocab: Vocabulary, k: number, rng: Prng): TrainingRows {
  const d = pre.transforms.length;
  const picks = train.map((fs) => sampleRows(fs, k, rng));
  const m = picks.reduce((s, p) => s + p.length, 0);
  const rows: TrainingRows = { m, x: new Float32Array(m * d), item: new Int32Array(m), customer: new Int32Array(m), y: new Float32Array(m) };
  let o = 0;
  train.forEach((fs, s) => {
    for (const r of picks[s]) {
      rows.x.set(fs.values.subarray(r * d, (r + 1) * d), o * d);
      rows.item[o] = fs.item[r];
      rows.customer[o] = fs.customer[r];
      rows.y[o] = fs.label![r];
      o++;
    }
  });
  applyPreprocessing(pre, rows.x);
  toVocabIndex(rows.item, vocab.items, rows.item);
  toVocabIndex(rows.customer, vocab.customers, rows.customer);
  return rows;
}

/** Reusable chunk buffers of one epoch loop. */
interface ChunkBuffers {
  x: Float32Array;
  item: Int32Array;
  customer: Int32Array;
  y: Float32Array;
}

function chunkBuffers(rows: number, d: number): ChunkBuffers {
  return { x: new Float32Array(rows * d), item: new Int32Array(rows), customer: new Int32Array(rows), y: new Float32Array(rows) };
}

/**
 * One epoch over `rows` in a fresh seeded order, fed to `model.fit` chunk by chunk.
 * @returns the mean training loss and the seconds spent in `fit`.
 */
async function runEpoch(
  model: tf.LayersModel,
  rows: TrainingRows,
  d: number,
  vocab: Vocabulary,
  buf: ChunkBuffers,
  perm: Int32Array,
  rng: Prng,
  o: { oovRate: number; batchSize: number },
): Promise<{ loss: number; seconds: number }> {
  shuffleInPlace(perm, rng);
  const cRows = buf.y.length;
  let lossSum = 0;
  let seconds = 0;
  for (let start = 0; start < rows.m; start += cRows) {
    const b = Math.min(cRows, rows.m - start);
    for (let i = 0; i < b; i++) {
      const r = perm[start + i];
      buf.x.set(rows.x.subarray(r * d, (r + 1) * d), i * d);
      buf.item[i] = o.oovRate > 0 && rng.next() < o.oovRate ? vocab.items : rows.item[r];
      buf.customer[i] = o.oovRate > 0 && rng.next() < o.oovRate ? vocab.customers : rows.customer[r];
      buf.y[i] = rows.y[r];
    }
    const inputs = [
      tf.tensor2d(buf.x.subarray(0, b * d), [b, d]),
      tf.tensor2d(buf.item.subarray(0, b), [b, 1], 'int32'),
      tf.tensor2d(buf.customer.subarray(0, b), [b, 1], 'int32'),
    ];
    const target = tf.tensor2d(buf.y.subarray(0, b), [b, 1]);
    const t0 = performance.now();
    const h = await model.fit(inputs, target, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0 });
    seconds += (performance.now() - t0) / 1000;
    lossSum += (h.history.loss[0] as number) * b;
    tf.dispose([...inputs, target]);
  }
  return { loss: lossSum / rows.m, seconds };
}

function maxPlusOne(sets: readonly FeatureSet[], col: 'customer' | 'item'): number {
  let max = -1;
  for (const fs of sets) for (const v of fs[col]) if (v > max) max = v;
  return max + 1;
}

/**
 * Trains the network.
 * @param train labelled training cut-offs (same feature names; labels required).
 * @param validation a labelled cut-off after them whose horizon ends before the as-of time.
 * @returns the model with the best epoch's weights and everything scoring needs.
 * @throws TrainingInputError when a set lacks labels, the training rows have no
 *   positive, or an option is out of range; FeatureMismatchError when names differ.
 */
export async function trainModel(train: readonly FeatureSet[], validation: FeatureSet, options: TrainOptions = {}): Promise<TrainResult> {
  const seed = options.seed ?? 42;
  const maxEpochs = options.maxEpochs ?? 12;
  const patience = options.patience ?? 2;
  const batchSize = options.batchSize ?? 4096;
  const chunkRows = options.chunkRows ?? 262_144;
  const oovRate = options.oovRate ?? 0.02;
  const metric = options.earlyStopping ?? 'ndcg@10';
  if (!(maxEpochs >= 1) || !(patience >= 0) || !(batchSize >= 1) || !(chunkRows >= batchSize) || !(oovRate >= 0 && oovRate < 1)) {
    throw new TrainingInputError(
      `trainModel options out of range: maxEpochs ${maxEpochs}, patience ${patience}, batchSize ${batchSize}, chunkRows ${chunkRows} (>= batchSize), oovRate ${oovRate} (in [0, 1))`,
    );
  }
  if (validation.label === undefined) throw new TrainingInputError(`validation feature set at cut-off ${new Date(validation.cutoff).toISOString()} has no labels`);
  const backend = await selectBackend();
  const rng = new Prng(seed);
  const preprocessing = fitPreprocessing(train);
  const featureNames = preprocessing.transforms.map((t) => t.name);
  checkFeatureNames(featureNames, validation.names, `validation feature set at cut-off ${new Date(validation.cutoff).toISOString()}`);
  const vocab: Vocabulary = { customers: maxPlusOne(train, 'customer'), items: maxPlusOne(train, 'item') };
  const rows = gatherTrainingRows(train, preprocessing, vocab, options.negativesPerPositive ?? 20, rng);
  if (!rows.y.some((v) => v === 1)) throw new TrainingInputError(`the ${train.length} training cut-offs have no positive label`);

  const d = featureNames.length;
  const spec: ModelSpec = { ...DEFAULT_MODEL_SPEC, ...options.model, hidden: [...(options.model?.hidden ?? DEFAULT_MODEL_SPEC.hidden)], features: d, ...vocab, seed };
  const model = buildModel(spec);
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 2e-3), loss: 'binaryCrossentropy' });

  const perm = Int32Array.from({ length: rows.m }, (_, i) => i);
  const buf = chunkBuffers(Math.min(chunkRows, rows.m), d);
  const epochOptions = { oovRate, batchSize };
  const history: EpochRecord[] = [];
  let best: { epoch: number; value: number; weights: tf.Tensor[]; scores: Float32Array } | undefined;
  let fitSeconds = 0;
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const { loss, seconds } = await runEpoch(model, rows, d, vocab, buf, perm, rng, epochOptions);
    fitSeconds += seconds;
    const scores = predictRaw(model, preprocessing, vocab, validation);
    const record: EpochRecord = {
      epoch,
      trainLoss: loss,
      validationLogLoss: logLoss(scores, validation.label),
      validationNdcg10: candidateNdcgAtK(validation, scores, 10),
      rowsPerSecond: rows.m / seconds,
    };
    history.push(record);
    options.onEpoch?.(record);
    const value = metric === 'ndcg@10' ? record.validationNdcg10 : -record.validationLogLoss;
    if (best === undefined || value > best.value + 1e-5) {
      if (best !== undefined) tf.dispose(best.weights);
      best = { epoch, value, weights: model.getWeights().map((w) => w.clone()), scores };
    } else if (epoch - best.epoch > patience) {
      break;
    }
  }
  model.setWeights(best!.weights);
  tf.dispose(best!.weights);
  const kept = { model, spec, preprocessing, vocab, featureNames, trainRows: rows.m };
  const final = options.refit ? await refit([...train, validation], best!.epoch, spec, options, rng) : kept;
  if (final !== kept) model.dispose();
  return {
    ...final,
    featureNames,
    backend,
    history,
    bestEpoch: best!.epoch,
    trainRowsPerSecond: (rows.m * history.length) / fitSeconds,
    validationScores: best!.scores,
  };
}

/** A fresh network trained for `epochs` epochs on `sets`, with preprocessing and vocabulary refitted on them. */
async function refit(
  sets: readonly FeatureSet[],
  epochs: number,
  base: ModelSpec,
  options: TrainOptions,
  rng: Prng,
): Promise<{ model: tf.LayersModel; spec: ModelSpec; preprocessing: Preprocessing; vocab: Vocabulary; trainRows: number }> {
  const preprocessing = fitPreprocessing(sets);
  const vocab: Vocabulary = { customers: maxPlusOne(sets, 'customer'), items: maxPlusOne(sets, 'item') };
  const rows = gatherTrainingRows(sets, preprocessing, vocab, options.negativesPerPositive ?? 20, rng);
  const spec: ModelSpec = { ...base, ...vocab };
  const model = buildModel(spec);
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 2e-3), loss: 'binaryCrossentropy' });
  const perm = Int32Array.from({ length: rows.m }, (_, i) => i);
  const buf = chunkBuffers(Math.min(options.chunkRows ?? 262_144, rows.m), base.features);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await runEpoch(model, rows, base.features, vocab, buf, perm, rng, { oovRate: options.oovRate ?? 0.02, batchSize: options.batchSize ?? 4096 });
  }
  return { model, spec, preprocessing, vocab, trainRows: rows.m };
}
