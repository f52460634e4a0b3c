/**
 * Training step: monthly training cut-offs before the as-of time, a validation
 * cut-off whose horizon ends at the as-of time, the TF.js model, its calibration,
 * the model registry and the champion/challenger rule. Nothing at or after the
 * as-of time reaches features, vocabularies, normalisation, model selection or
 * calibration: the last label window used is [T − H, T).
 */
import { buildFeatureSets } from '../features/pool';
import { availableCpus } from '../lib/cpus';
import { EventIndex } from '../features/event-index';
import { FeatureSet } from '../features/types';
import { ProgressBar } from '../lib/progress';
import { DAY_MS } from '../lib/schema';
import { topKPerCustomer, itemOrder } from '../ranking/topk';
import { scoreFeatureSet } from '../scoring/score';
import { applyCalibration, Calibration, fitCalibration } from './calibration';
import { BASELINE_ID_PREFIX, BaselineFallback, BaselineName, fitBaselineFallback } from './fallback';
import { configHash, loadModel, newModelId, saveModel } from './registry';
import { trainModel, TrainOptions, TrainResult } from './train';
import { CommandContext } from '../cli/context';
import { evaluateAt, formatMetricsTable, SystemMetrics } from '../evaluation/evaluate';

export interface TrainStepOptions {
  asOf: number;
  horizonDays: number;
  /** Number of training cut-offs before the validation cut-off. */
  trainCutoffs: number;
  /** Days between training cut-offs; default the horizon. */
  cutoffStepDays?: number;
  k: number;
  seed: number;
  train?: Omit<TrainOptions, 'seed' | 'onEpoch'>;
}

/** The CLI flags of a training (`train` and `run`). */
export interface TrainFlags {
  topK: number;
  horizon: number;
  trainCutoffs: number;
  /** Days between training cut-offs (`--cutoff-step`); default the horizon. */
  cutoffStep?: number;
  /** Training passes (`--epochs`); unset, `trainModel`'s default. */
  epochs?: number;
  /** Customer groups per pass (`--train-groups`); unset, the default budget. */
  trainGroups?: number;
  /** Threads of the training steps (`--train-threads`); unset, every CPU. */
  trainThreads?: number;
  /** Refit on the training and validation cut-offs (`--no-refit` sets false); unset, `trainModel`'s default. */
  refit?: boolean;
  seed: number;
}

/** Training step options from the CLI flags at as-of time `asOf`. */
export function trainStepOptions(flags: TrainFlags, asOf: number): TrainStepOptions {
  return {
    asOf,
    horizonDays: flags.horizon,
    trainCutoffs: flags.trainCutoffs,
    cutoffStepDays: flags.cutoffStep,
    k: flags.topK,
    seed: flags.seed,
    train: {
      epochs: flags.epochs,
      refit: flags.refit,
      threads: flags.trainThreads,
      ...(flags.trainGroups !== undefined && { budget: { groupsPerEpoch: flags.trainGroups } }),
    },
  };
}

/**
 * Cut-offs of one training: validation = T − H; training cut-offs end one horizon
 * before it, so no training label window overlaps the validation one:
 * train_i = validation − H − (n − 1 − i)·step for i = 0 … n − 1 (oldest first).
 * `stepDays` defaults to H (monthly cut-offs for H = 30).
 */
export function trainingSchedule(asOf: number, horizonDays: number, n: number, stepDays = horizonDays): { validation: number; train: number[] } {
  const h = horizonDays * DAY_MS;
  const validation = asOf - h;
  return { validation, train: Array.from({ length: n }, (_, i) => validation - h - (n - 1 - i) * stepDays * DAY_MS) };
}

export interface TrainStepResult {
  modelId: string;
  promoted: boolean;
  /** Why the challenger was or was not promoted. */
  decision: string;
  /** What scoring should use now: the champion after the decision, or `baseline:<name>` (see `fallback`). */
  championId: string;
  validation: SystemMetrics[];
  /** Set when `championId` is `baseline:<name>`: the calibrated baseline scoring must use. */
  fallback?: BaselineFallback;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Validation metrics of a model on the validation cut-off, beside the baselines:
 * top-K lists ranked by `probability` (ties by `raw`), ECE and log loss of
 * `scored` (`probability` unless given).
 */
function validate(index: EventIndex, fs: FeatureSet, probability: Float32Array, raw: Float32Array, o: TrainStepOptions, name: string, scored = probability): SystemMetrics[] {
  const lists = topKPerCustomer(fs.customer, fs.item, probability, o.k, { score: raw, tieKey: itemOrder(index.events.itemIds) });
  // Over the customers of `fs` only: training scores a sample of them when there are many.
  return evaluateAt(index, fs.cutoff, o.horizonDays, o.k, { name, lists, scored: { customer: fs.customer, item: fs.item, probability: scored } }, fs.customer);
}

/** A trained, calibrated challenger in memory with its validation metrics. */
export interface Challenger {
  result: TrainResult;
  calibration: Calibration;
  heldOutLogLoss: { platt: number; isotonic: number };
  /** The labelled validation cut-off. */
  validationSet: FeatureSet;
  /** The challenger, `popularity` and `repeat` on the validation cut-off, in that order. */
  validation: SystemMetrics[];
}

/**
 * Builds the labelled training and validation cut-offs before `o.asOf`, trains
 * the network with early stopping on the validation cut-off and calibrates it
 * there. Writes nothing to the lake.
 */
export async function trainChallenger(ctx: CommandContext, index: EventIndex, o: TrainStepOptions): Promise<Challenger> {
  const log = ctx.log.child({ stage: 'training' });
  const schedule = trainingSchedule(o.asOf, o.horizonDays, o.trainCutoffs, o.cutoffStepDays);
  const { train, validation } = await ctx.run.step('features.training', async () => {
    const cutoffs = [...schedule.train, schedule.validation];
    const bar = ctx.progress.bar('features', cutoffs.length, 'cut-offs');
    const sets = await buildFeatureSets(index, cutoffs, { withLabels: true, horizonDays: o.horizonDays }, availableCpus(), (fs) => {
      bar.increment();
      log.info({ cutoff: iso(fs.cutoff), rows: fs.n, positives: fs.label!.reduce((s, y) => s + y, 0) }, `features at cut-off ${iso(fs.cutoff)}: ${fs.n} candidate pairs`);
    }).finally(() => bar.stop());
    return { train: sets.slice(0, -1), validation: sets[sets.length - 1] };
  });
  ctx.run.count('training.rows', train.reduce((s, fs) => s + fs.n, 0));
  ctx.run.count('validation.rows', validation.n);

  let bar: ProgressBar | undefined;
  const result = await ctx.run
    .step('train', () =>
      trainModel(train, validation, {
        ...o.train,
        seed: o.seed,
        onEpoch: (e) => {
          if (e.epoch === 1) {
            bar?.stop();
            bar = ctx.progress.bar(e.phase, e.epochs, 'epochs');
          }
          bar?.increment();
          log.info({ ...e }, `${e.phase} epoch ${e.epoch} of ${e.epochs}: ${e.groups} customer groups, ${e.rows} rows, loss ${e.trainLoss.toFixed(4)}, ${Math.round(e.rowsPerSecond)} rows/s`);
        },
      }),
    )
    .finally(() => bar?.stop());
  ctx.run.setBackend(result.backend);
  ctx.run.metric('train.rows_per_second', result.trainRowsPerSecond);
  ctx.run.metric('train.threads', result.threads);
  log.info(
    { threads: result.threads, fitSeconds: result.fitSeconds, validationNdcg10: result.validationNdcg10 },
    `trained on ${result.threads} thread(s) in ${result.fitSeconds.toFixed(1)} s; held-out validation candidate NDCG@10 ${result.validationNdcg10.toFixed(4)}` +
      (result.refitted ? `, then refitted on the ${train.length} training cut-offs and the validation cut-off` : ''),
  );

  // Ranking figures (and so promotion) and the calibration come from the network
  // of the first phase, whose validation scores are held out in time.
  const held = result.validation;
  const { calibration, heldOutLogLoss } = fitCalibration(result.validationScores, held.label!, held.customer);
  const probability = applyCalibration(calibration, result.validationScores);
  const metrics = validate(index, held, probability, result.validationScores, o, 'challenger');
  log.info(`validation at ${iso(held.cutoff)} (calibration: ${calibration.method}):\n${formatMetricsTable(metrics)}`);
  return { result, calibration, heldOutLogLoss, validationSet: held, validation: metrics };
}

/**
 * Trains a challenger at `asOf`, saves it, and promotes it when on the validation
 * cut-off its NDCG@K beats the best baseline's and the current champion's. When
 * it is not promoted and no champion exists, scoring falls back to the best
 * baseline, calibrated on the validation cut-off (`training/fallback.ts`): the
 * result's `championId` is then `baseline:<name>` and its `fallback` says how.
 */
export async function trainStep(ctx: CommandContext, index: EventIndex, o: TrainStepOptions): Promise<TrainStepResult> {
  const log = ctx.log.child({ stage: 'training' });
  const { result, calibration, heldOutLogLoss, validationSet, validation: metrics } = await trainChallenger(ctx, index, o);
  const validationCutoff = validationSet.cutoff;
  const [challenger, ...baselines] = metrics;

  const trainingConfig = { asOf: o.asOf, horizonDays: o.horizonDays, cutoffs: o.trainCutoffs, cutoffStepDays: o.cutoffStepDays ?? o.horizonDays, train: o.train ?? {} };
  const modelId = newModelId(trainingConfig, o.seed);
  const manifest = await ctx.run.step('save model', () =>
    saveModel(ctx.catalog, {
      modelId,
      backend: result.backend,
      configHash: configHash(trainingConfig, o.seed),
      featureNames: result.featureNames,
      vocab: result.vocab,
      spec: result.spec,
      preprocessing: result.preprocessing,
      calibration,
      metrics: {
        [`ndcg@${o.k}`]: challenger.ndcg,
        [`recall@${o.k}`]: challenger.recall,
        ece: challenger.ece!,
        logLoss: challenger.logLoss!,
        plattHeldOutLogLoss: heldOutLogLoss.platt,
        isotonicHeldOutLogLoss: heldOutLogLoss.isotonic,
        validationCutoff,
        refit: result.refitted ? 1 : 0,
      },
      history: result.history,
      model: result.model,
    }),
  );
  for (const a of manifest.artefacts) ctx.run.output(ctx.catalog.store.uri, a.key, a.etag);

  const best = baselines.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const champion = await ctx.catalog.champion.load();
  let championNdcg = -Infinity;
  if (champion !== undefined) {
    const loaded = await loadModel(ctx.catalog, champion.modelId);
    const m = loaded.manifest.metrics;
    const sameFeatures = loaded.manifest.featureNames.join() === validationSet.names.join();
    if (!sameFeatures) {
      // The champion cannot score today's feature set (features were added or changed): not comparable.
      log.warn({ champion: champion.modelId }, `champion ${champion.modelId} has ${loaded.manifest.featureNames.length} features, the feature set ${validationSet.names.length}: the champion is not comparable and does not block promotion`);
    } else if (m.refit === 1 && m.validationCutoff + o.horizonDays * DAY_MS > validationCutoff && m[`ndcg@${o.k}`] !== undefined) {
      // A refitted champion learnt the labels up to its validation cut-off + H: where that
      // reaches into this validation window, its held-out figure from its own training is used.
      championNdcg = m[`ndcg@${o.k}`];
    } else {
      const raw = new Float32Array(validationSet.n);
      const probability = scoreFeatureSet(loaded, validationSet, { raw });
      championNdcg = validate(index, validationSet, probability, raw, o, 'champion')[0].ndcg;
    }
  }
  const rule = promotionDecision(challenger, best, champion === undefined ? undefined : { modelId: champion.modelId, ndcg: championNdcg });
  if (rule.promoted) await ctx.catalog.champion.publish({ modelId, promotedAt: new Date().toISOString(), validation: manifest.metrics });
  log.info({ modelId, promoted: rule.promoted }, rule.decision);
  ctx.run.metric(`validation.challenger.ndcg@${o.k}`, challenger.ndcg);
  ctx.run.metric(`validation.best_baseline.ndcg@${o.k}`, best.ndcg);
  ctx.run.metric('training.promoted', rule.promoted ? 1 : 0);
  if (rule.promoted) return { modelId, promoted: true, decision: rule.decision, championId: modelId, validation: metrics };
  if (champion !== undefined) return { modelId, promoted: false, decision: rule.decision, championId: champion.modelId, validation: metrics };

  const name = best.system as BaselineName;
  const decision = `${rule.decision}; no champion exists, so scoring uses baseline ${name} (Platt on rank, fitted at ${iso(validationCutoff)})`;
  const fallback = fitBaselineFallback(index, name, validationCutoff, o.horizonDays, o.k, decision);
  const written = await ctx.catalog.fallbacks.save(fallback);
  ctx.run.output(ctx.catalog.store.uri, written.key, written.etag);
  ctx.run.metric('training.baseline_fallback', 1);
  const championId = `${BASELINE_ID_PREFIX}${name}`;
  log.warn({ modelId, championId }, decision);
  return { modelId, promoted: false, decision, championId, validation: metrics, fallback };
}

/** Outcome of the champion/challenger rule. */
export interface PromotionDecision {
  promoted: boolean;
  /** Why, with the NDCG@K figures compared. */
  decision: string;
}

/**
 * The promotion rule: the challenger is promoted only if its validation NDCG@K
 * is strictly above the best baseline's and the champion's (when one exists).
 */
export function promotionDecision(challenger: SystemMetrics, best: SystemMetrics, champion: { modelId: string; ndcg: number } | undefined): PromotionDecision {
  const f = (x: number): string => x.toFixed(4);
  const k = challenger.k;
  const beatsBaseline = challenger.ndcg > best.ndcg;
  const beatsChampion = champion === undefined || challenger.ndcg > champion.ndcg;
  if (beatsBaseline && beatsChampion) {
    return {
      promoted: true,
      decision:
        `promoted: validation NDCG@${k} ${f(challenger.ndcg)} > best baseline ${best.system} ${f(best.ndcg)}` +
        (champion ? ` and champion ${champion.modelId} ${f(champion.ndcg)}` : ' (no champion yet)'),
    };
  }
  const why = !beatsBaseline ? `does not beat baseline ${best.system} ${f(best.ndcg)}` : `does not beat champion ${champion!.modelId} ${f(champion!.ndcg)}`;
  return { promoted: false, decision: `${champion ? 'kept champion' : 'not promoted'}: challenger NDCG@${k} ${f(challenger.ndcg)} ${why}` };
}
