/**
 * The training runner: a challenger trained before the as-of time
 * (`challenger.ts`), saved to the model registry, and promoted to champion by
 * the champion/challenger rule (`promotion.ts`); without a champion and a
 * winning challenger, the best baseline calibrated on the validation cut-off
 * (`fallback.ts`).
 */
import type { SystemMetrics } from '../evaluation/evaluate';
import type { EventIndex } from '../features/event-index';
import { DAY_MS } from '../lib/schema';
import type { StageContext } from '../lib/stage-context';
import { applyCalibration } from './calibration';
import { trainChallenger, validationMetrics } from './challenger';
import { BASELINE_ID_PREFIX, type BaselineFallback, type BaselineName, fitBaselineFallback } from './fallback';
import type { TrainStepOptions } from './options';
import { predictRaw } from './predict';
import { promotionDecision } from './promotion';
import { configHash } from '../lib/config';
import { loadModel, newModelId, saveModel } from './registry';

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
 * Trains a challenger at `asOf`, saves it, and promotes it when on the validation
 * cut-off its NDCG@K beats the best baseline's and the current champion's. When
 * it is not promoted and no champion exists, scoring falls back to the best
 * baseline, calibrated on the validation cut-off (`training/fallback.ts`): the
 * result's `championId` is then `baseline:<name>` and its `fallback` says how.
 */
export async function trainStep(ctx: StageContext, index: EventIndex, o: TrainStepOptions): Promise<TrainStepResult> {
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
      configHash: configHash(ctx.config),
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
      const raw = predictRaw(loaded.model, loaded.preprocessing, loaded.vocab, validationSet);
      const probability = applyCalibration(loaded.calibration, raw);
      championNdcg = validationMetrics(index, validationSet, probability, raw, o, 'champion')[0].ndcg;
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
