/**
 * Training of the purchase-likelihood network under a budget, on several
 * labelled monthly cut-offs, with a later validation cut-off held out in time.
 *
 * Two phases, each a fixed number of passes, each pass a fresh draw of customer
 * groups (`budget.ts`) trained with the grouped loss (`loss.ts`) at a cosine
 * learning-rate schedule, on every core (`data-parallel.ts`) or on one replica
 * on this thread (`trainer.ts`):
 * 1. on the training cut-offs; its scores on the validation cut-off are held
 *    out in time, for calibration, model selection and promotion;
 * 2. the refit: the same network, its embedding tables grown to the ids first
 *    seen in the validation cut-off (`growVocabulary`), goes on training on the
 *    training cut-offs plus the validation cut-off, the month most like the
 *    horizon scored, and is returned.
 * Vocabulary and preprocessing come from the training cut-offs only. A fraction
 * `oovRate` of training ids is replaced by the OOV index so the OOV embedding
 * rows learn the behaviour of an unseen customer or item.
 *
 * Several members (`members`), each with its own seed, draws and initial
 * weights, go through both phases independently, at once on the threads
 * available, and are merged into one network that averages their logits
 * (`ensemble.ts`).
 */
import type * as tf from '@tensorflow/tfjs';
import { labelledCandidatesOf } from '../features/labelled-candidates';
import type { FeatureSet, LabelledCandidates } from '../features/types';
import { availableCpus } from '../lib/cpus';
import { selectBackend, type BackendName } from './backend';
import { checkBudget, drawRows, epochBuffers, epochGroups, groupPool, heldRow, planEpoch, type EpochSample, type GroupPool, type HeldRows, type TrainingBudget } from './budget';
import { DataParallelTrainer } from './data-parallel';
import { memberSeed, mergeMembers, mergeScores } from './ensemble';
import { checkFeatureNames, TrainingInputError } from './errors';
import { coefficientBuffers, stepCoefficients, type StepCoefficients } from './loss';
import { logLoss } from '../ranking/metrics';
import { buildModel, DEFAULT_MODEL_SPEC, growVocabulary, type ModelSpec } from './model';
import { predictRaw, type Vocabulary } from './predict';
import { fitPreprocessing, groupSample, type Preprocessing } from './preprocess';
import { flatWeights, setFlatWeights } from './replica';
import { Prng } from '../lib/prng';
import { candidateNdcgAtK } from './selection';
import { InProcessTrainer, type Trainer } from './trainer';

/** Default budget; `docs/training-budget.md` has the measurements behind it. */
export const DEFAULT_BUDGET: TrainingBudget = { groupsPerEpoch: 12_288, groupRows: 64, negativeGroupShare: 0.33, groupsPerStep: 32 };

/** About the most training rows the preprocessing statistics read (`groupSample`): all of the bundled data's 3.2 M, a systematic sample of the customers of more. */
export const PREPROCESSING_ROWS = 4_000_000;

/** Default passes of the first phase and of the refit. */
export const DEFAULT_EPOCHS = 3;
export const DEFAULT_REFIT_EPOCHS = 2;

/** Default members of the ensemble. */
export const DEFAULT_MEMBERS = 2;

/** Steps whose rows are drawn at a time: an epoch's rows are drawn and trained a run of steps at a time, so a member holds this many steps' rows, not an epoch's. */
export const STEPS_PER_DRAW = 32;

/** Options of {@link trainModel}; every field has a default. */
export interface TrainOptions {
  /** Seed of sampling, OOV replacement and initialisers (member 0's; the others' derive from it, `memberSeed`); default 42. */
  seed?: number;
  /** Networks trained independently and merged into one that averages their logits; default {@link DEFAULT_MEMBERS}. */
  members?: number;
  /** Groups per epoch, rows per group, share of groups without a positive, groups per step; default {@link DEFAULT_BUDGET}. */
  budget?: Partial<TrainingBudget>;
  /** Passes of the first phase; default {@link DEFAULT_EPOCHS}. */
  epochs?: number;
  /** Go on training on the training and validation cut-offs (the refit, returned); default true. */
  refit?: boolean;
  /** Passes of the refit; default {@link DEFAULT_REFIT_EPOCHS}. */
  refitEpochs?: number;
  /** Peak Adam learning rate of each phase, decayed along a cosine to a tenth of it (Loshchilov & Hutter, ICLR 2017); default 0.01. */
  learningRate?: number;
  /** Weight of the softmax term of the loss; default 0.3. */
  lambda?: number;
  /** Fraction of training ids (customer and item, independently) replaced by the OOV index; default 0.02. */
  oovRate?: number;
  /**
   * Threads the gradient steps run on; default every CPU this process may use
   * (`availableCpus`). Up to `members` members train at once, each on its own
   * worker thread, or on several (data-parallel) when threads outnumber
   * members; one thread trains the members one after the other on this
   * thread. The native `tensorflow` backend always runs on this thread: its
   * kernels use every core already, and it loads once per process.
   */
  threads?: number;
  /** Most validation customers scored for model selection and calibration (a fixed sample above it); default 5,000. */
  validationCustomers?: number;
  /** About the most training rows the preprocessing statistics read (`groupSample`); default {@link PREPROCESSING_ROWS}. */
  preprocessingRows?: number;
  /** Network sizes; see {@link DEFAULT_MODEL_SPEC}. */
  model?: Partial<Pick<ModelSpec, 'hidden' | 'itemEmbedding' | 'customerEmbedding' | 'l2'>>;
  /** Called after each epoch of either phase, e.g. for logging and progress. */
  onEpoch?: (record: EpochRecord) => void;
  /**
   * Where training may stop: awaited before each draw of {@link STEPS_PER_DRAW}
   * steps of every member (about a second of steps on one thread) and once
   * after the last, with where it is (`in member 1's train epoch 2 of 3`). A
   * hook that throws stops training: the error propagates (once the other lanes
   * reach their own next check) and nothing of it is kept. The runner passes one
   * that turns the event loop and throws when the run is asked to stop
   * (`checkStop` of lib/interrupt.ts), so that a SIGTERM is acted on between
   * draws, also when the steps run on this thread.
   */
  stopCheck?: (where: string) => Promise<void> | void;
}

/** One epoch of either phase of one member. */
export interface EpochRecord {
  /** 0-based member of the ensemble. */
  member: number;
  phase: 'train' | 'refit';
  /** 1-based within its phase. */
  epoch: number;
  /** Epochs of the phase. */
  epochs: number;
  /** Mean loss of the epoch's steps, without the L2 penalties. */
  trainLoss: number;
  /** Groups and rows drawn for the epoch. */
  groups: number;
  rows: number;
  /** Training rows per second of the epoch's steps (wall time, all threads). */
  rowsPerSecond: number;
}

/** Result of {@link trainModel}. */
export interface TrainResult {
  /** The merged network of every member (`ensemble.ts`). */
  model: tf.LayersModel;
  spec: ModelSpec;
  /** Members merged into `model`. */
  members: number;
  preprocessing: Preprocessing;
  vocab: Vocabulary;
  featureNames: string[];
  backend: BackendName;
  /** Threads the steps ran on. */
  threads: number;
  /** Every member's epochs, in the order they ended. */
  history: EpochRecord[];
  /** Whether the returned network is the refit on training + validation. */
  refitted: boolean;
  /** Wall time of training every member (draws, steps, validation scoring), in seconds. */
  fitSeconds: number;
  /** Training rows of every member's epochs per second of `fitSeconds`. */
  trainRowsPerSecond: number;
  /** The validation rows scored (all, or those of a sample of customers; see `validationCustomers`). */
  validation: FeatureSet;
  /** Raw (uncalibrated) scores of the first phase's networks, merged, on every row of `validation`: held out in time. */
  validationScores: Float32Array;
  /** Candidate NDCG@10 of `validationScores`. */
  validationNdcg10: number;
  /** Log loss of `validationScores` against the labels. */
  validationLogLoss: number;
}

/**
 * A labelled cut-off to train on: all its candidates' groups and labels, and
 * the features of the rows built, all of them or those the training reads
 * (`draw-plan.ts`'s `rowsToBuild`).
 */
export interface TrainingCutoff extends HeldRows {
  candidates: LabelledCandidates;
}

/**
 * `x` as a {@link TrainingCutoff}: a feature set holds all its rows.
 * @throws TrainingInputError for a feature set without labels, or a cut-off whose features are of another cut-off or another number of rows.
 */
function asCutoff(x: FeatureSet | TrainingCutoff, what: string): TrainingCutoff {
  if ('candidates' in x) {
    const { candidates: c, features: f, rows } = x;
    const at = new Date(c.cutoff).toISOString();
    if (f.cutoff !== c.cutoff) throw new TrainingInputError(`${what} at cut-off ${at} has the features of cut-off ${new Date(f.cutoff).toISOString()}`);
    const want = rows?.length ?? c.n;
    if (f.n !== want) throw new TrainingInputError(`${what} at cut-off ${at} has ${f.n} rows with features for ${want} ${rows === undefined ? 'candidate rows' : 'rows built'}`);
    return x;
  }
  if (x.label === undefined) throw new TrainingInputError(`${what} at cut-off ${new Date(x.cutoff).toISOString()} has no labels`);
  return { candidates: labelledCandidatesOf(x), features: x };
}

/** The vocabulary the candidates of `sets` need: largest customer and item id + 1. */
function vocabularyOf(sets: readonly TrainingCutoff[]): Vocabulary {
  let customers = 0;
  let items = 0;
  for (const { candidates: c } of sets) {
    for (const customer of c.customers) if (customer >= customers) customers = customer + 1;
    items = Math.max(items, c.items);
  }
  return { customers, items };
}

/** Learning rates of `steps` steps: a cosine from `peak` down to `peak / 10` over the phase, offset by the steps already done. */
function cosineSchedule(peak: number, done: number, steps: number, total: number): Float32Array {
  return Float32Array.from({ length: steps }, (_, s) => peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (done + s)) / total))));
}

/**
 * At most `max` of the distinct `customers`: undefined (all) when there are
 * no more, else those whose hash falls lowest (a fixed, seed-free sample). The
 * hash is MurmurHash3's finaliser (fmix32), a bijection whose bits do not
 * follow the Fibonacci hash that splits calibration folds (`customerFold`), so
 * the sample holds both folds.
 */
export function sampledCustomers(customers: Iterable<number>, max: number): Set<number> | undefined {
  const all = new Set(customers);
  if (all.size <= max) return undefined;
  const hash = (c: number): number => {
    let h = c >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  return new Set([...all].sort((a, b) => hash(a) - hash(b)).slice(0, max));
}

/**
 * The rows of at most `max` customers of `fs`: all when it has no more, else
 * the rows of those of {@link sampledCustomers}, in order.
 * @param customers the customers to sample from (default: those of `fs`), when
 *   `fs` holds only some of a cut-off's rows.
 */
export function customerSample(fs: FeatureSet, max: number, customers: Iterable<number> = fs.customer): FeatureSet {
  const kept = sampledCustomers(customers, max);
  if (kept === undefined) return fs;
  const d = fs.names.length;
  const rows = Int32Array.from(fs.customer.keys()).filter((r) => kept.has(fs.customer[r]));
  const values = new Float32Array(rows.length * d);
  rows.forEach((r, k) => values.set(fs.values.subarray(r * d, (r + 1) * d), k * d));
  return {
    cutoff: fs.cutoff,
    n: rows.length,
    names: fs.names,
    customer: Int32Array.from(rows, (r) => fs.customer[r]),
    item: Int32Array.from(rows, (r) => fs.item[r]),
    values,
    ...(fs.label && { label: Uint8Array.from(rows, (r) => fs.label![r]) }),
  };
}

/**
 * The groups of the validation customers the first phase scores, as positions
 * in `c.customers`, ascending: those of {@link sampledCustomers}, or all.
 */
export function scoredValidationGroups(c: Pick<LabelledCandidates, 'customers'>, max: number): number[] {
  const kept = sampledCustomers(c.customers, max);
  const groups: number[] = [];
  c.customers.forEach((customer, k) => {
    if (kept === undefined || kept.has(customer)) groups.push(k);
  });
  return groups;
}

/**
 * The validation rows the first phase scores: {@link customerSample} over all
 * the cut-off's candidate customers.
 * @throws TrainingInputError when a row of theirs has no features built.
 */
function heldValidation(v: TrainingCutoff, max: number): FeatureSet {
  const { candidates: c, features } = v;
  const held = customerSample(features, max, c.customers);
  const want = scoredValidationGroups(c, max).reduce((n, k) => n + c.offsets[k + 1] - c.offsets[k], 0);
  if (held.n !== want) throw new TrainingInputError(`the validation cut-off's sampled customers have ${want} candidate rows, ${held.n} with features built`);
  return held;
}

/**
 * A trainer on `threads` threads of `backend`: this thread for the native
 * backend, or for one thread when `onThisThread`; else worker threads.
 */
async function openTrainer(backend: BackendName, threads: number, onThisThread: boolean): Promise<Trainer> {
  return backend === 'tensorflow' || (threads === 1 && onThisThread) ? new InProcessTrainer() : DataParallelTrainer.open(threads, backend);
}

/** One member's networks after both phases. */
interface Member {
  model: tf.LayersModel;
  spec: ModelSpec;
  vocab: Vocabulary;
  /** The first phase's raw scores on the held-out validation rows. */
  validationScores: Float32Array;
}

/**
 * The options of a training that shape its network, every default filled in
 * (`threads`, `seed` and the hooks aside: the seed is the run's, and the threads
 * change float summation order only): two trainings with equal procedures train
 * the same network up to that order for the same seed and data.
 * @example trainingProcedure({ epochs: 3 }) equals trainingProcedure({}).
 */
export function trainingProcedure(options: Omit<TrainOptions, 'seed' | 'threads' | 'onEpoch' | 'stopCheck'>) {
  const refit = options.refit !== false;
  return {
    members: options.members ?? DEFAULT_MEMBERS,
    budget: { ...DEFAULT_BUDGET, ...options.budget },
    epochs: options.epochs ?? DEFAULT_EPOCHS,
    refit,
    // Passes of a refit that does not run are no part of the procedure.
    refitEpochs: refit ? (options.refitEpochs ?? DEFAULT_REFIT_EPOCHS) : 0,
    learningRate: options.learningRate ?? 0.01,
    lambda: options.lambda ?? 0.3,
    oovRate: options.oovRate ?? 0.02,
    validationCustomers: options.validationCustomers ?? 5_000,
    preprocessingRows: options.preprocessingRows ?? PREPROCESSING_ROWS,
    model: {
      hidden: [...(options.model?.hidden ?? DEFAULT_MODEL_SPEC.hidden)],
      itemEmbedding: options.model?.itemEmbedding ?? DEFAULT_MODEL_SPEC.itemEmbedding,
      customerEmbedding: options.model?.customerEmbedding ?? DEFAULT_MODEL_SPEC.customerEmbedding,
      l2: options.model?.l2 ?? DEFAULT_MODEL_SPEC.l2,
    },
  };
}

/**
 * Trains the network.
 * @param trainSets labelled training cut-offs (same feature names; labels
 *   required): feature sets, or candidates with the features of the rows
 *   `rowsToBuild` names (`draw-plan.ts`) for the same options; both train the same network.
 * @param validationSet a labelled cut-off after them whose horizon ends before the as-of time, likewise.
 * @returns the model (the members' refits merged, unless `refit: false`) and everything scoring needs.
 * @throws TrainingInputError when a set lacks labels, the training rows have no
 *   positive, an option is out of range, or a row it reads has no features built;
 *   FeatureMismatchError when names differ; TrainWorkerError when a training thread fails.
 */
export async function trainModel(trainSets: readonly (FeatureSet | TrainingCutoff)[], validationSet: FeatureSet | TrainingCutoff, options: TrainOptions = {}): Promise<TrainResult> {
  const seed = options.seed ?? 42;
  const procedure = trainingProcedure(options);
  const { members, budget, epochs, learningRate, lambda, oovRate, validationCustomers, preprocessingRows } = procedure;
  const refitEpochs = options.refitEpochs ?? DEFAULT_REFIT_EPOCHS;
  const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
  if (
    !positiveInt(members) || !positiveInt(epochs) || !positiveInt(refitEpochs) || !(learningRate > 0) || !(lambda >= 0) || !(oovRate >= 0 && oovRate < 1)
    || !positiveInt(validationCustomers) || !positiveInt(preprocessingRows)
  ) {
    throw new TrainingInputError(
      `trainModel options out of range: members ${members}, epochs ${epochs}, refitEpochs ${refitEpochs} (positive integers), learningRate ${learningRate} (> 0), lambda ${lambda} (>= 0), oovRate ${oovRate} (in [0, 1)), validationCustomers ${validationCustomers} and preprocessingRows ${preprocessingRows} (positive integers)`,
    );
  }
  checkBudget(budget);
  const validation = asCutoff(validationSet, 'validation feature set');
  const train = trainSets.map((x) => asCutoff(x, 'feature set'));
  const backend = await selectBackend();
  const threads = backend === 'tensorflow' ? 1 : (options.threads ?? availableCpus());
  if (!positiveInt(threads)) throw new TrainingInputError(`threads must be a positive integer, found ${threads}`);

  const sample = groupSample(train.map((c) => c.candidates), preprocessingRows);
  const preprocessing = fitPreprocessing(
    train.map((c) => c.features),
    { rows: sample.map((rows, s) => (train[s].rows === undefined ? rows : rows.map((r) => heldRow(train[s], r)))) },
  );
  const featureNames = preprocessing.transforms.map((t) => t.name);
  checkFeatureNames(featureNames, validation.features.names, `validation feature set at cut-off ${new Date(validation.candidates.cutoff).toISOString()}`);
  const history: EpochRecord[] = [];
  let fitRows = 0;
  // Both phases' pools, shared read-only by every member; each lane draws a run of steps' rows at a time into its own buffers.
  const pools = { train: groupPool(train.map((c) => c.candidates)), refit: options.refit === false ? undefined : groupPool([...train, validation].map((c) => c.candidates)) };
  const groupsOf = (pool: GroupPool): number => epochGroups(pool, budget).withPositive + epochGroups(pool, budget).withoutPositive;
  const drawGroups = STEPS_PER_DRAW * budget.groupsPerStep;
  const held = heldValidation(validation, validationCustomers);
  const vocab = vocabularyOf(train);
  const sets = [...train, validation];
  const grownVocab = vocabularyOf(sets);
  // Members at once: one per lane; a lane's threads train its member's steps.
  const lanes = backend === 'tensorflow' ? 1 : Math.min(members, threads);
  const laneThreads = Math.max(1, Math.floor(threads / lanes));

  /** Member `m` on `trainer`: both phases from its own seed, with its own draws into `buffers`. */
  const trainMember = async (m: number, trainer: Trainer, buffers: { sample: EpochSample; coef: StepCoefficients }): Promise<Member> => {
    const rng = new Prng(memberSeed(seed, m));
    /** One phase: `passes` epochs on `pool` from the weights of `model`; leaves the result in `model`. */
    const phase = async (name: EpochRecord['phase'], model: tf.LayersModel, spec: ModelSpec, v: Vocabulary, pool: GroupPool, passes: number): Promise<void> => {
      const features = sets.slice(0, pool.sets.length);
      await trainer.start({ spec, weights: flatWeights(model) });
      const stepsPerEpoch = Math.ceil(groupsOf(pool) / budget.groupsPerStep);
      let done = 0;
      for (let epoch = 1; epoch <= passes; epoch++) {
        const plan = planEpoch(pool, budget, rng);
        const groups = plan.groups.length;
        const lr = cosineSchedule(learningRate, done, stepsPerEpoch, stepsPerEpoch * passes);
        let steps = 0;
        let rows = 0;
        let loss = 0;
        let seconds = 0;
        for (let j0 = 0; j0 < groups; j0 += drawGroups) {
          await options.stopCheck?.(`in member ${m + 1}'s ${name} epoch ${epoch} of ${passes}`);
          const sample = drawRows(pool, features, plan, j0, Math.min(groups, j0 + drawGroups), preprocessing, v, budget, oovRate, rng, buffers.sample);
          const coef = stepCoefficients(sample, budget.groupsPerStep, lambda, buffers.coef);
          const n = coef.stepStart.length - 1;
          const t0 = performance.now();
          loss += (await trainer.steps(sample, coef, lr.subarray(steps, steps + n))) * n;
          seconds += (performance.now() - t0) / 1000;
          steps += n;
          rows += sample.rows;
        }
        done += steps;
        fitRows += rows;
        const record: EpochRecord = { member: m, phase: name, epoch, epochs: passes, trainLoss: loss / steps, groups, rows, rowsPerSecond: rows / seconds };
        history.push(record);
        options.onEpoch?.(record);
      }
      setFlatWeights(model, await trainer.weights());
    };
    const spec: ModelSpec = { ...DEFAULT_MODEL_SPEC, ...procedure.model, features: featureNames.length, ...vocab, seed: memberSeed(seed, m) };
    const model = buildModel(spec);
    /** The network in hand, disposed when the member stops (a failed step, or `stopCheck`). */
    let current = model;
    try {
      await phase('train', model, spec, vocab, pools.train, epochs);
      // On this thread: a forward pool would start one more backend beside the training threads' (≈ 100 MB).
      const validationScores = predictRaw(model, preprocessing, vocab, held);
      if (options.refit === false) return { model, spec, vocab, validationScores };
      const grownSpec: ModelSpec = { ...spec, ...grownVocab };
      const grown = growVocabulary(model, grownSpec);
      model.dispose();
      current = grown;
      await phase('refit', grown, grownSpec, grownVocab, pools.refit!, refitEpochs);
      return { model: grown, spec: grownSpec, vocab: grownVocab, validationScores };
    } catch (error) {
      current.dispose();
      throw error;
    }
  };

  const trained: Member[] = [];
  const t0 = performance.now();
  let next = 0;
  /** Trains members, one after the other, until none is left. */
  const lane = async (): Promise<void> => {
    const trainer = await openTrainer(backend, laneThreads, lanes === 1);
    try {
      const shared = trainer.threads > 1 || lanes > 1;
      const buffers = { sample: epochBuffers(drawGroups, drawGroups * budget.groupRows, featureNames.length, shared), coef: coefficientBuffers(drawGroups * budget.groupRows, STEPS_PER_DRAW, shared) };
      for (let m = next++; m < members; m = next++) trained[m] = await trainMember(m, trainer, buffers);
    } finally {
      await trainer.close();
    }
  };
  const failed = (await Promise.allSettled(Array.from({ length: lanes }, lane))).find((r) => r.status === 'rejected');
  try {
    if (failed !== undefined) throw failed.reason;
    await options.stopCheck?.('after its last draw');
  } catch (error) {
    for (const member of trained) member?.model.dispose();
    throw error;
  }
  const fitSeconds = (performance.now() - t0) / 1000;
  const { model, spec } = mergeMembers(trained);
  for (const member of trained) if (member.model !== model) member.model.dispose();
  const validationScores = mergeScores(trained.map((t) => t.validationScores));
  return {
    model,
    spec,
    members,
    vocab: trained[0].vocab,
    preprocessing,
    featureNames,
    backend,
    threads: lanes * laneThreads,
    history,
    refitted: options.refit !== false,
    fitSeconds,
    trainRowsPerSecond: fitRows / fitSeconds,
    validation: held,
    validationScores,
    validationNdcg10: candidateNdcgAtK(held, validationScores, 10),
    validationLogLoss: logLoss(validationScores, held.label!),
  };
}
