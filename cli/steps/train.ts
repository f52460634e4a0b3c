/**
 * Training step: monthly training cut-offs before the as-of time, a validation
 * cut-off whose horizon ends at the as-of time, the TF.js model, its calibration,
 * the model registry and the champion/challenger rule. Nothing at or after the
 * as-of time reaches features, vocabularies, normalisation, model selection or
 * calibration: the last label window used is [T − H, T).
 */
import { buildFeatureSet } from '../../features/build';
import { EventIndex } from '../../features/event-index';
import { FeatureSet } from '../../features/types';
import { DAY_MS } from '../../lib/schema';
import { topKPerCustomer, itemOrder } from '../../scoring/topk';
import { scoreFeatureSet } from '../../scoring/score';
import { applyCalibration, fitCalibration } from '../../training/calibration';
import { loadModel, newModelId, readChampion, saveModel, writeChampion } from '../../training/registry';
import { trainModel, TrainOptions } from '../../training/train';
import { CommandContext } from '../context';
import { evaluateAt, formatMetricsTable, SystemMetrics } from './evaluate';

export interface TrainStepOptions {
  asOf: number;
  horizonDays: number;
  /** Number of training cut-offs before the validation cut-off. */
  trainCutoffs: number;
  k: number;
  seed: number;
  train?: Omit<TrainOptions, 'seed' | 'onEpoch'>;
}

/** The CLI flags of a training (`train` and `run`). */
export interface TrainFlags {
  topK: number;
  horizon: number;
  trainCutoffs: number;
  maxEpochs: number;
  seed: number;
}

/** Training step options from the CLI flags at as-of time `asOf`. */
export function trainStepOptions(flags: TrainFlags, asOf: number): TrainStepOptions {
  return { asOf, horizonDays: flags.horizon, trainCutoffs: flags.trainCutoffs, k: flags.topK, seed: flags.seed, train: { maxEpochs: flags.maxEpochs } };
}

/** Cut-offs of one training: validation = T − H, training = validation − i·H for i = 1 … n. */
export function trainingSchedule(asOf: number, horizonDays: number, n: number): { validation: number; train: number[] } {
  const h = horizonDays * DAY_MS;
  const validation = asOf - h;
  return { validation, train: Array.from({ length: n }, (_, i) => validation - (n - i) * h) };
}

export interface TrainStepResult {
  modelId: string;
  promoted: boolean;
  /** Why the challenger was or was not promoted. */
  decision: string;
  /** The model scoring should use now: the champion after the decision. */
  championId: string;
  validation: SystemMetrics[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Validation metrics of a model on the validation cut-off, beside the baselines. */
function validate(index: EventIndex, fs: FeatureSet, probability: Float32Array, raw: Float32Array, o: TrainStepOptions, name: string): SystemMetrics[] {
  const lists = topKPerCustomer(fs.customer, fs.item, probability, o.k, { score: raw, tieKey: itemOrder(index.events.itemIds) });
  return evaluateAt(index, fs.cutoff, o.horizonDays, o.k, { name, lists, scored: { customer: fs.customer, item: fs.item, probability } });
}

/**
 * Trains a challenger at `asOf`, saves it, and promotes it when on the validation
 * cut-off its NDCG@K beats the best baseline's and the current champion's.
 */
export async function trainStep(ctx: CommandContext, index: EventIndex, o: TrainStepOptions): Promise<TrainStepResult> {
  const log = ctx.log.child({ stage: 'training' });
  const schedule = trainingSchedule(o.asOf, o.horizonDays, o.trainCutoffs);
  const build = (t: number): FeatureSet => buildFeatureSet(index, t, { withLabels: true, horizonDays: o.horizonDays });
  const { train, validation } = await ctx.run.step('features.training', () => {
    const bar = ctx.progress.bar('features', schedule.train.length + 1, 'cut-offs');
    const sets = [...schedule.train, schedule.validation].map((t) => {
      const fs = build(t);
      bar.increment();
      log.info({ cutoff: iso(t), rows: fs.n, positives: fs.label!.reduce((s, y) => s + y, 0) }, `features at cut-off ${iso(t)}: ${fs.n} candidate pairs`);
      return fs;
    });
    bar.stop();
    return { train: sets.slice(0, -1), validation: sets[sets.length - 1] };
  });
  ctx.run.count('training.rows', train.reduce((s, fs) => s + fs.n, 0));
  ctx.run.count('validation.rows', validation.n);

  const bar = ctx.progress.bar('train', o.train?.maxEpochs ?? 12, 'epochs');
  const result = await ctx.run.step('train', () =>
    trainModel(train, validation, {
      ...o.train,
      seed: o.seed,
      onEpoch: (e) => {
        bar.increment();
        log.info({ ...e }, `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, validation NDCG@10 ${e.validationNdcg10.toFixed(4)}`);
      },
    }),
  );
  bar.stop();
  ctx.run.setBackend(result.backend);
  ctx.run.metric('train.rows_per_second', result.trainRowsPerSecond);

  const { calibration, heldOutLogLoss } = fitCalibration(result.validationScores, validation.label!, validation.customer);
  const probability = applyCalibration(calibration, result.validationScores);
  const metrics = validate(index, validation, probability, result.validationScores, o, 'challenger');
  const [challenger, ...baselines] = metrics;
  log.info(`validation at ${iso(validation.cutoff)} (calibration: ${calibration.method}):\n${formatMetricsTable(metrics)}`);

  const modelId = newModelId({ asOf: o.asOf, horizonDays: o.horizonDays, cutoffs: o.trainCutoffs, train: o.train ?? {} }, o.seed);
  const manifest = await ctx.run.step('save model', () =>
    saveModel(ctx.lake, {
      modelId,
      backend: result.backend,
      configHash: modelId.slice(-8),
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
        validationCutoff: validation.cutoff,
      },
      history: result.history,
      model: result.model,
    }),
  );
  for (const a of manifest.artefacts) ctx.run.output(ctx.lake.uri, a.key, a.etag);

  const best = baselines.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const champion = await readChampion(ctx.lake);
  let championNdcg = -Infinity;
  if (champion !== undefined) {
    const loaded = await loadModel(ctx.lake, champion.modelId);
    const raw = new Float32Array(validation.n);
    const probability = scoreFeatureSet(loaded, validation, { raw });
    championNdcg = validate(index, validation, probability, raw, o, 'champion')[0].ndcg;
  }
  const beatsBaseline = challenger.ndcg > best.ndcg;
  const beatsChampion = challenger.ndcg > championNdcg;
  const promoted = beatsBaseline && beatsChampion;
  const f = (x: number): string => x.toFixed(4);
  const decision = promoted
    ? `promoted: validation NDCG@${o.k} ${f(challenger.ndcg)} > best baseline ${best.system} ${f(best.ndcg)}` +
      (champion ? ` and champion ${champion.modelId} ${f(championNdcg)}` : ' (no champion yet)')
    : `kept champion: challenger NDCG@${o.k} ${f(challenger.ndcg)} ` +
      (!beatsBaseline ? `does not beat baseline ${best.system} ${f(best.ndcg)}` : `does not beat champion ${champion?.modelId} ${f(championNdcg)}`);
  if (promoted) await writeChampion(ctx.lake, { modelId, promotedAt: new Date().toISOString(), validation: manifest.metrics });
  log.info({ modelId, promoted }, decision);
  ctx.run.metric(`validation.challenger.ndcg@${o.k}`, challenger.ndcg);
  ctx.run.metric(`validation.best_baseline.ndcg@${o.k}`, best.ndcg);
  const championId = promoted ? modelId : champion?.modelId;
  if (championId === undefined) {
    throw new Error(`${decision}; no champion exists, so there is no model to score with`);
  }
  return { modelId, promoted, decision, championId, validation: metrics };
}
