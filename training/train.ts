/**
 * Training of the purchase-likelihood network on several labelled monthly cut-offs,
 * with early stopping on a later validation cut-off.
 *
 * Steps: vocabulary and preprocessing from the training cut-offs only; per cut-off
 * one group of candidates per customer for the listwise loss (`listwise.ts`; or,
 * pointwise, every positive plus `negativesPerPositive` sampled negatives per
 * positive); each epoch a fresh seeded shuffle of whole groups, fed to
 * `model.fit` in chunks of `chunkRows` rows (`shuffle: false`, so the run is
 * reproducible and host memory stays bounded); after each epoch the validation
 * cut-off is scored with the running weight average (or the current weights) and
 * the best epoch's weights (by candidate NDCG@10, or validation log loss) are
 * kept. By default that network then goes on training on the training cut-offs
 * plus the validation cut-off for a few epochs (the refit) and is returned, with
 * cross-fitted validation scores for its calibration. A fraction `oovRate` of
 * training ids is replaced by the OOV index so the OOV embedding rows learn the
 * behaviour of an unseen customer or item.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { selectBackend, type BackendName } from './backend';
import { checkFeatureNames, TrainingInputError } from './errors';
import { logLoss } from './metrics';
import { foldRows, unseenAsOov } from './cross-fit';
import { buildModel, DEFAULT_MODEL_SPEC, growVocabulary, toVocabIndex, type ModelSpec } from './model';
import { predictRaw, type Vocabulary } from './predict';
import { applyPreprocessing, fitPreprocessing, type Preprocessing } from './preprocess';
import { groupedRankingLoss, sampleGroups } from './listwise';
import { Prng, sampleRows, shuffleInPlace } from './sampling';
import { candidateNdcgAtK } from './selection';

/** Options of {@link trainModel}; every field has a default. */
export interface TrainOptions {
  /** Seed of sampling, shuffling, OOV replacement and initialisers; default 42. */
  seed?: number;
  /** Pointwise training only (`listwise: false`): sampled negatives per positive and cut-off; default 20 (`Infinity` keeps all). */
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
   * After early stopping, go on training the kept network on the training
   * cut-offs plus the validation cut-off for `refitEpochs` epochs and return it
   * (a warm refit): the validation cut-off is the most recent labelled month, the
   * one most like the scoring horizon. The preprocessing stays the one fitted on
   * the training cut-offs; the embedding tables grow to the ids first seen in the
   * validation cut-off (`growVocabulary`); Adam starts afresh at `learningRate`;
   * with `averageWeights` the weights are averaged over the refit's epochs.
   * The refit has learnt the validation labels, so its calibration needs other
   * held-out scores: two more warm refits, each on the training cut-offs plus one
   * half of the validation customers (`customerFold`), score the other half; those
   * cross-fitted scores are `calibrationScores`. `validationScores` stay the
   * early-stopped network's, held out in time, for model selection and promotion.
   * Default true. See {@link DEFAULT_REFIT_EPOCHS} for the measurements.
   */
  refit?: boolean;
  /** Epochs of each warm refit (`refit`); default {@link DEFAULT_REFIT_EPOCHS}. */
  refitEpochs?: number;
  /**
   * Listwise training (`listwise.ts`): rows in groups of `groupSize` candidates of
   * one customer and cut-off, loss = weighted binary cross-entropy + `lambda` ×
   * per-group softmax cross-entropy; the batch size is rounded down to whole
   * groups. `false`: pointwise binary cross-entropy on negative-sampled rows
   * (`negativesPerPositive`). Default {@link DEFAULT_LISTWISE}.
   */
  listwise?: { groupSize: number; lambda: number } | false;
  /**
   * Stochastic weight averaging (Izmailov et al., "Averaging Weights Leads to
   * Wider Optima and Better Generalization", UAI 2018): from epoch 2 on, the
   * network evaluated (and kept) after each epoch is the running mean of the
   * weights at the end of epochs 2 … e, while training continues from the
   * current weights. Default true.
   */
  averageWeights?: boolean;
  /** Network sizes; see {@link DEFAULT_MODEL_SPEC}. */
  model?: Partial<Pick<ModelSpec, 'hidden' | 'itemEmbedding' | 'customerEmbedding' | 'l2'>>;
  /** Called after each epoch, e.g. for logging. */
  onEpoch?: (record: EpochRecord) => void;
  /** Called as the refit starts (epoch 0) and after each epoch of its three warm refits (1-based), with their epoch count. */
  onRefitEpoch?: (epoch: number, epochs: number) => void;
}

/**
 * Default listwise setting. Measured with `bench/model.ts`'s set-up on
 * `online-retail-30d` (as-of 2011-11-09, six monthly cut-offs, seed 42;
 * validation candidate NDCG@10 / protocol NDCG@10 at the as-of time).
 * With the 47 features before the customer-KNN score: pointwise, 20 negatives
 * per positive: 0.351 / 0.376, validation log loss 0.099–0.107 from epoch to
 * epoch; groups of 32 at λ = 1: 0.313 / 0.331 (too few negatives per customer);
 * groups of 64 at λ = 0.3 with weight averaging: 0.350 / 0.372; groups of 128
 * at λ = 0.3: 0.361 / 0.380, log loss 0.095; the same with weight averaging:
 * 0.359 / 0.381, on a validation curve that rises smoothly instead of swinging
 * ±0.01 between epochs, so early stopping is stable.
 * With the customer-KNN score, weight averaging on: groups of 128: 0.361 /
 * 0.387; at λ = 1: 0.353 / 0.375; resampling the groups every epoch: – / 0.385;
 * groups of 256: 0.366 / 0.394; of 384: 0.367 / 0.391. Nearly every customer
 * has more than 128 candidates and 9% more than 256 (holding 45% of the
 * validation positives), so 256 gives most customers their whole list; the
 * rows per epoch, padding included, and the training time double against 128.
 */
export const DEFAULT_LISTWISE = { groupSize: 256, lambda: 0.3 } as const;

/**
 * Default epochs of each warm refit (`TrainOptions.refit`). Measured with
 * `bench/model.ts`'s set-up on `online-retail-30d` (as-of 2011-11-09, six
 * monthly cut-offs, seed 42, early stopping kept epoch 8 of 11); per refit
 * length, cross-fitted validation candidate NDCG@10, then protocol NDCG@10 /
 * Recall@10 / ECE at the as-of time: 1 epoch 0.3716, 0.4006 / 0.2002 / 0.0121;
 * 2 epochs 0.3722, 0.4013 / 0.2006 / 0.0095; 3 epochs 0.3755, 0.4007 / 0.2007 /
 * 0.0091. The cross-fitted figure rises with every epoch because each half's
 * refit also learns which items sold in the validation month, so it cannot pick
 * the length; two epochs rank as well as three for two thirds of the cost.
 * The fresh refit this replaced (a new network trained for the early-stopping
 * epoch count, 8 here, calibrated on the early-stopped network's scores) gave
 * 0.4014 / 0.1985 / 0.0078 for 8 refit epochs against 3 × 2 here. Calibrating
 * the two-epoch warm refit on the early-stopped network's scores instead of the
 * cross-fitted ones gave ECE 0.0105: the refit's scores no longer match them.
 */
export const DEFAULT_REFIT_EPOCHS = 2;

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
  /** Rows per epoch of the returned network's training (after sampling; the full refit's when `refitted`). */
  trainRows: number;
  /** Whether the returned network is the refit on training + validation (`TrainOptions.refit`). */
  refitted: boolean;
  /** Wall time of all `model.fit` calls, early-stopped training and refits, in seconds. */
  fitSeconds: number;
  /** Training rows per second over all `model.fit` calls. */
  trainRowsPerSecond: number;
  /** Raw (uncalibrated) scores of the early-stopped network on every validation row: held out in time, for model selection and promotion. */
  validationScores: Float32Array;
  /**
   * Raw held-out scores on every validation row for calibrating the returned
   * network: `validationScores` when not refitted, else the refit's cross-fitted
   * scores (`TrainOptions.refit`).
   */
  calibrationScores: Float32Array;
}

/** Sampled, preprocessed training rows in one contiguous block, shuffled in units of `unit` rows. */
interface TrainingRows {
  m: number;
  unit: number;
  x: Float32Array;
  item: Int32Array;
  customer: Int32Array;
  /** Label (pointwise) or signed weight (listwise, 0 for padding). */
  y: Float32Array;
}

/** Per cut-off: row indices (−1 = padding) and their targets. */
function pickRows(fs: FeatureSet, options: TrainOptions, rng: Prng): { rows: Int32Array; target: Float32Array } {
  const lw = listwiseOf(options);
  if (lw !== false) return sampleGroups(fs, lw.groupSize, rng);
  const rows = sampleRows(fs, options.negativesPerPositive ?? 20, rng);
  return { rows, target: Float32Array.from(rows, (r) => fs.label![r]) };
}

function gatherTrainingRows(train: readonly FeatureSet[], pre: Preprocessing, vocab: Vocabulary, options: TrainOptions, rng: Prng): TrainingRows {
  const d = pre.transforms.length;
  const picks = train.map((fs) => pickRows(fs, options, rng));
  const m = picks.reduce((s, p) => s + p.rows.length, 0);
  const lw = listwiseOf(options);
  const unit = lw === false ? 1 : lw.groupSize;
  const rows: TrainingRows = { m, unit, x: new Float32Array(m * d), item: new Int32Array(m), customer: new Int32Array(m), y: new Float32Array(m) };
  let o = 0;
  train.forEach((fs, s) => {
    const { rows: picked, target } = picks[s];
    for (let k = 0; k < picked.length; k++, o++) {
      const r = picked[k];
      rows.y[o] = target[k];
      if (r < 0) {
        rows.item[o] = -1; // padding (target 0, masked out of the loss): OOV ids
        rows.customer[o] = -1;
        continue;
      }
      rows.x.set(fs.values.subarray(r * d, (r + 1) * d), o * d);
      rows.item[o] = fs.item[r];
      rows.customer[o] = fs.customer[r];
    }
  });
  applyPreprocessing(pre, rows.x);
  toVocabIndex(rows.item, vocab.items, rows.item);
  toVocabIndex(rows.customer, vocab.customers, rows.customer);
  return rows;
}

/** Batch size rounded down to whole shuffle units (at least one unit). */
function unitBatch(batchSize: number, unit: number): number {
  return Math.max(unit, Math.floor(batchSize / unit) * unit);
}

/** The listwise setting of `options`, defaults filled in. */
function listwiseOf(options: TrainOptions): { groupSize: number; lambda: number } | false {
  return options.listwise ?? DEFAULT_LISTWISE;
}

/** Compiles `model` with Adam and the loss of `options` (pointwise or listwise). */
function compile(model: tf.LayersModel, options: TrainOptions): void {
  const lw = listwiseOf(options);
  model.compile({
    optimizer: tf.train.adam(options.learningRate ?? 2e-3),
    loss: lw === false ? 'binaryCrossentropy' : groupedRankingLoss(lw.groupSize, lw.lambda),
  });
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
  const u = rows.unit;
  const cRows = buf.y.length;
  let lossSum = 0;
  let seconds = 0;
  for (let start = 0; start < rows.m; start += cRows) {
    const b = Math.min(cRows, rows.m - start);
    for (let i = 0; i < b; i++) {
      const r = perm[(start + i - ((start + i) % u)) / u] * u + ((start + i) % u);
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
  const refitEpochs = options.refitEpochs ?? DEFAULT_REFIT_EPOCHS;
  if (!(maxEpochs >= 1) || !(patience >= 0) || !(batchSize >= 1) || !(chunkRows >= batchSize) || !(oovRate >= 0 && oovRate < 1) || !Number.isInteger(refitEpochs) || refitEpochs < 1) {
    throw new TrainingInputError(
      `trainModel options out of range: maxEpochs ${maxEpochs}, patience ${patience}, batchSize ${batchSize}, chunkRows ${chunkRows} (>= batchSize), oovRate ${oovRate} (in [0, 1)), refitEpochs ${refitEpochs} (a positive integer)`,
    );
  }
  if (validation.label === undefined) throw new TrainingInputError(`validation feature set at cut-off ${new Date(validation.cutoff).toISOString()} has no labels`);
  const backend = await selectBackend();
  const rng = new Prng(seed);
  const resolved: ResolvedOptions = { seed, maxEpochs, patience, batchSize, chunkRows, oovRate, metric, averageWeights: options.averageWeights ?? true, refitEpochs };
  const early = await trainEarlyStopped(train, validation, options, rng, resolved);
  const { history, best } = early;
  const refitted = options.refit ?? true;
  const final = refitted ? await refit(early, train, validation, options, rng, resolved) : { ...early, fitRows: 0, fitSeconds: 0, calibrationScores: best.scores };
  if (final.model !== early.model) early.model.dispose();
  return {
    model: final.model,
    spec: final.spec,
    preprocessing: final.preprocessing,
    vocab: final.vocab,
    trainRows: final.trainRows,
    featureNames: early.featureNames,
    backend,
    history,
    bestEpoch: best.epoch,
    refitted,
    fitSeconds: early.fitSeconds + final.fitSeconds,
    trainRowsPerSecond: (early.trainRows * history.length + final.fitRows) / (early.fitSeconds + final.fitSeconds),
    validationScores: best.scores,
    calibrationScores: final.calibrationScores,
  };
}

/** The options of {@link trainModel} that both training phases read, defaults filled in and checked. */
interface ResolvedOptions {
  seed: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  chunkRows: number;
  oovRate: number;
  metric: 'ndcg@10' | 'logloss';
  averageWeights: boolean;
  refitEpochs: number;
}

/** The early-stopped network and its training record. */
interface EarlyStopped {
  model: tf.LayersModel;
  spec: ModelSpec;
  preprocessing: Preprocessing;
  vocab: Vocabulary;
  featureNames: string[];
  history: EpochRecord[];
  /** The kept epoch and the raw validation scores of its weights. */
  best: { epoch: number; scores: Float32Array };
  /** Training rows per epoch. */
  trainRows: number;
  fitSeconds: number;
}

/**
 * Trains on `train` epoch by epoch, scoring `validation` after each, until
 * `patience` epochs pass without improvement; returns the network with the best
 * epoch's weights. Its training rows are unreachable once it returns, so a refit
 * never holds two copies of them.
 */
async function trainEarlyStopped(
  train: readonly FeatureSet[],
  validation: FeatureSet,
  options: TrainOptions,
  rng: Prng,
  o: ResolvedOptions,
): Promise<EarlyStopped> {
  const preprocessing = fitPreprocessing(train);
  const featureNames = preprocessing.transforms.map((t) => t.name);
  checkFeatureNames(featureNames, validation.names, `validation feature set at cut-off ${new Date(validation.cutoff).toISOString()}`);
  const vocab: Vocabulary = { customers: maxPlusOne(train, 'customer'), items: maxPlusOne(train, 'item') };
  const rows = gatherTrainingRows(train, preprocessing, vocab, options, rng);
  if (!rows.y.some((v) => v > 0)) throw new TrainingInputError(`the ${train.length} training cut-offs have no positive label`);

  const d = featureNames.length;
  const spec: ModelSpec = { ...DEFAULT_MODEL_SPEC, ...options.model, hidden: [...(options.model?.hidden ?? DEFAULT_MODEL_SPEC.hidden)], features: d, ...vocab, seed: o.seed };
  const model = buildModel(spec);
  compile(model, options);

  const perm = Int32Array.from({ length: rows.m / rows.unit }, (_, i) => i);
  const batch = unitBatch(o.batchSize, rows.unit);
  const buf = chunkBuffers(Math.min(Math.floor(o.chunkRows / batch) * batch, rows.m), d);
  const epochOptions = { oovRate: o.oovRate, batchSize: batch };
  const history: EpochRecord[] = [];
  let best: { epoch: number; value: number; weights: tf.Tensor[]; scores: Float32Array } | undefined;
  let fitSeconds = 0;
  const average = o.averageWeights ? new WeightAverage() : undefined;
  for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
    const { loss, seconds } = await runEpoch(model, rows, d, vocab, buf, perm, rng, epochOptions);
    fitSeconds += seconds;
    if (epoch >= 2) average?.add(model.getWeights());
    const scores = average === undefined || epoch < 2 ? predictRaw(model, preprocessing, vocab, validation) : average.with(model, () => predictRaw(model, preprocessing, vocab, validation));
    const record: EpochRecord = {
      epoch,
      trainLoss: loss,
      validationLogLoss: logLoss(scores, validation.label!),
      validationNdcg10: candidateNdcgAtK(validation, scores, 10),
      rowsPerSecond: rows.m / seconds,
    };
    history.push(record);
    options.onEpoch?.(record);
    const value = o.metric === 'ndcg@10' ? record.validationNdcg10 : -record.validationLogLoss;
    if (best === undefined || value > best.value + 1e-5) {
      if (best !== undefined) tf.dispose(best.weights);
      best = { epoch, value, weights: (average !== undefined && epoch >= 2 ? average.mean : model.getWeights()).map((w) => w.clone()), scores };
    } else if (epoch - best.epoch > o.patience) {
      break;
    }
  }
  model.setWeights(best!.weights);
  tf.dispose(best!.weights);
  average?.dispose();
  return { model, spec, preprocessing, vocab, featureNames, history, best: { epoch: best!.epoch, scores: best!.scores }, trainRows: rows.m, fitSeconds };
}

/** Running mean of a network's weights over the epochs added so far. */
class WeightAverage {
  mean: tf.Tensor[] = [];
  private count = 0;

  /** Adds one set of weights (not retained: the mean is updated in place of the old one). */
  add(weights: readonly tf.Tensor[]): void {
    this.count++;
    const n = this.count;
    const next = n === 1 ? weights.map((w) => w.clone()) : this.mean.map((m, i) => tf.tidy(() => m.add(weights[i].sub(m).div(n))));
    tf.dispose(this.mean);
    this.mean = next;
  }

  /** Runs `fn` with the mean loaded into `model`, then restores the model's own weights. */
  with<T>(model: tf.LayersModel, fn: () => T): T {
    const own = model.getWeights().map((w) => w.clone());
    model.setWeights(this.mean);
    try {
      return fn();
    } finally {
      model.setWeights(own);
      tf.dispose(own);
    }
  }

  dispose(): void {
    tf.dispose(this.mean);
    this.mean = [];
  }
}

/** A network trained on, its training record and, for the refit, held-out scores to calibrate it. */
interface Refitted {
  model: tf.LayersModel;
  spec: ModelSpec;
  preprocessing: Preprocessing;
  vocab: Vocabulary;
  /** Training rows per epoch of the returned network. */
  trainRows: number;
  /** Rows fed to `model.fit` and the seconds it took (in `refit`'s result, summed over its three refits). */
  fitRows: number;
  fitSeconds: number;
  calibrationScores: Float32Array;
}

/**
 * The warm refit (`TrainOptions.refit`): the early-stopped network trained on
 * for `refitEpochs` epochs on `train` plus `validation`, and cross-fitted
 * validation scores from two more warm refits on `train` plus one half of the
 * validation customers each. The full refit runs first, so its result does not
 * depend on the cross-fit.
 */
async function refit(early: EarlyStopped, train: readonly FeatureSet[], validation: FeatureSet, options: TrainOptions, rng: Prng, o: ResolvedOptions): Promise<Refitted> {
  const epochs = 3 * o.refitEpochs;
  let done = 0;
  const tick = (): void => options.onRefitEpoch?.(++done, epochs);
  options.onRefitEpoch?.(0, epochs);
  const full = await trainOn(early, [...train, validation], options, rng, o, tick);
  const calibrationScores = new Float32Array(validation.n);
  let { fitRows, fitSeconds } = full;
  const halves = [foldRows(validation, 0), foldRows(validation, 1)];
  for (const fold of [0, 1]) {
    const held = halves[fold];
    const sets = [...train, halves[1 - fold].fs];
    const half = await trainOn(early, sets, options, rng, o, tick);
    const scores = predictRaw(half.model, early.preprocessing, half.vocab, unseenAsOov(held.fs, sets, half.vocab));
    held.rows.forEach((r, k) => (calibrationScores[r] = scores[k]));
    fitRows += half.fitRows;
    fitSeconds += half.fitSeconds;
    half.model.dispose();
  }
  return { ...full, fitRows, fitSeconds, calibrationScores };
}

/**
 * One warm refit: a copy of the early-stopped network, its embedding tables grown
 * to the ids of `sets`, trained for `refitEpochs` epochs on `sets` with a fresh
 * Adam, the early-stopped preprocessing and, with `averageWeights`, the mean of
 * the weights at the end of every epoch.
 */
async function trainOn(
  early: EarlyStopped,
  sets: readonly FeatureSet[],
  options: TrainOptions,
  rng: Prng,
  o: ResolvedOptions,
  onEpoch: () => void,
): Promise<Omit<Refitted, 'calibrationScores'>> {
  const vocab: Vocabulary = { customers: maxPlusOne(sets, 'customer'), items: maxPlusOne(sets, 'item') };
  const rows = gatherTrainingRows(sets, early.preprocessing, vocab, options, rng);
  const spec: ModelSpec = { ...early.spec, ...vocab };
  const model = growVocabulary(early.model, spec);
  compile(model, options);
  const perm = Int32Array.from({ length: rows.m / rows.unit }, (_, i) => i);
  const batch = unitBatch(o.batchSize, rows.unit);
  const buf = chunkBuffers(Math.min(Math.floor(o.chunkRows / batch) * batch, rows.m), spec.features);
  const average = o.averageWeights ? new WeightAverage() : undefined;
  let fitSeconds = 0;
  for (let epoch = 1; epoch <= o.refitEpochs; epoch++) {
    fitSeconds += (await runEpoch(model, rows, spec.features, vocab, buf, perm, rng, { oovRate: o.oovRate, batchSize: batch })).seconds;
    average?.add(model.getWeights());
    onEpoch();
  }
  if (average !== undefined) model.setWeights(average.mean);
  average?.dispose();
  return { model, spec, preprocessing: early.preprocessing, vocab, trainRows: rows.m, fitRows: rows.m * o.refitEpochs, fitSeconds };
}
