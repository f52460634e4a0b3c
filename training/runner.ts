/**
 * The training runner: a challenger trained before the as-of time
 * (`challenger.ts`), judged by the champion/challenger rule (`promotion.ts`: a
 * lead over the best baseline and the champion significant over customers),
 * saved to the model registry with its model card (`model-card.ts`) and
 * promoted when it wins. Without a champion and a winning challenger, scoring
 * uses the better on validation of the best baseline calibrated on the
 * validation cut-off (`fallback.ts`) and the blend of the model with that
 * baseline (`blend.ts`).
 */
import type { SystemMetrics } from '../evaluation/evaluate';
import type { EventIndex } from '../features/event-index';
import { candidateRecallBySource } from '../features/source-recall';
import type { FeatureSet } from '../features/types';
import { configHash } from '../lib/config';
import { type BacktestRecord, type Champion, type ModelCard } from '../lib/catalog';
import type { Logger } from '../lib/log';
import type { StageContext } from '../lib/stage-context';
import { type Blend, BLEND_ID_PREFIX, type BlendFit, fitBlend, formatWeight, parseBlendId } from './blend';
import type { CustomerLevel } from './customer-level';
import { applyCalibration } from './calibration';
import { type Challenger, trainChallenger, validationMetrics } from './challenger';
import { loadChampionPointer, modelScoreability } from './champion-check';
import { type BaselineFallback, type BaselineName, fallbackFitId, fitBaselineFallback, parseBaselineId } from './fallback';
import { buildModelCard, type CardRole } from './model-card';
import { procedureSettings, type TrainSettings, type TrainStepOptions } from './options';
import { predictRaw } from './predict';
import { compare, type Comparison, formatComparison, labelsLearntUntil, modelLearntUntil, promotionDecision } from './promotion';
import { newModelId, saveModel } from './registry';

/** What the decision did: promoted the challenger, kept the champion, or fell back to a baseline or a blend. */
export type PromotionOutcome = ModelCard['promotion']['outcome'];

export interface TrainStepResult {
  modelId: string;
  promoted: boolean;
  outcome: PromotionOutcome;
  /** Why the challenger was or was not promoted, and what scoring uses then, with the figures. */
  decision: string;
  /** What scoring should use now: the champion after the decision, `baseline:<name>@<model-id>` (see `fallback`) or `blend:<model-id>` (see `blend`). */
  championId: string;
  validation: SystemMetrics[];
  /** Set when `championId` is `baseline:<name>@<model-id>`: the calibrated baseline scoring must use. */
  fallback?: BaselineFallback;
  /** Set when `championId` is `blend:<model-id>`: the blend scoring must use. */
  blend?: Blend;
  /** The challenger's model card, as saved with it. */
  card: ModelCard;
  /**
   * The champion pointer the decision writes ({@link publishPointer}); undefined when it
   * stays as it is (the champion was trained at a later as-of time).
   */
  pointer?: PointerUpdate;
}

/**
 * What a training's decision writes to `models/<data set>/champion.json`: the
 * challenger promoted, the champion stamped as challenged (it stood the
 * challenge), or a fallback that scores while no model is champion. The time of
 * promotion or challenge is that of the write.
 */
export type PointerUpdate =
  | { kind: 'promoted'; modelId: string; validation: Record<string, number> }
  | { kind: 'challenged'; champion: Champion }
  | { kind: 'fallback'; modelId: string; validation: Record<string, number> };

/** Options of {@link trainStep}. */
export interface TrainStepWrites {
  /**
   * Write the champion pointer at the end of the step [true]. `run` and `schedule`
   * write it once the export is committed (`pipeline/runner.ts`), so that a run that
   * fails while scoring leaves the pointer as it was, and the next tick retrains.
   */
  publishPointer?: boolean;
  /**
   * A damaged champion pointer (not JSON, or breaking its schema) is no champion: warned,
   * and replaced by this training's decision [false: the step fails at its start, naming
   * the file and the remedy]. `schedule` sets it, so that a scheduler recovers by itself.
   */
  replaceDamagedPointer?: boolean;
}

/**
 * Writes the champion pointer a training decided, and records it among the run's outputs,
 * once the context's fence (`StageContext.fence`) found the pipeline lock still the run's.
 * @throws LockLostError when the run lost the lock (the pointer is left as it was);
 *   DatasetNotFoundError when a promoted or challenged model has no manifest.
 */
export async function publishPointer(ctx: StageContext, update: PointerUpdate): Promise<void> {
  const { champion } = ctx.catalog;
  await ctx.fence(champion.uri);
  const now = new Date().toISOString();
  const written =
    update.kind === 'promoted'
      ? await champion.publish({ modelId: update.modelId, promotedAt: now, validation: update.validation })
      : update.kind === 'challenged'
        ? // The champion stood a challenge: its age for `schedule --max-model-age` runs from now.
          await champion.publish({ ...update.champion, challengedAt: now })
        : await champion.publishFallback({ modelId: update.modelId, promotedAt: now, validation: update.validation });
  ctx.run.output(ctx.catalog.store.uri, written.key, written.etag);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The data set's latest backtest when it ran the procedure that trains this
 * model (the same configuration hash and training settings but the seed), with
 * its rows at as-of times up to `o.asOf`; undefined otherwise. The recorded
 * settings are read through `procedureSettings` too, so that a record written
 * before it filled in the defaults (the options as given) still compares.
 */
async function procedureBacktest(ctx: StageContext, o: TrainStepOptions): Promise<BacktestRecord | undefined> {
  const record = await ctx.catalog.backtests.load();
  if (record === undefined || record.configHash !== configHash(ctx.config)) return undefined;
  const recorded = procedureSettings({ ...(record.settings as unknown as TrainSettings), seed: o.seed });
  if (JSON.stringify(recorded) !== JSON.stringify(procedureSettings(o))) return undefined;
  const rows = record.rows.filter((r) => Date.parse(r.asOf) <= o.asOf);
  return rows.length === 0 ? undefined : { ...record, rows };
}

/** The champion on the validation cut-off, as the promotion rule compares it: re-scored, or by its recorded lead. */
type ChampionFigure = { modelId: string; ndcg: Float64Array; metrics: SystemMetrics } | { modelId: string; lead: number; metrics?: undefined };

/**
 * A model's NDCG@K on its own validation cut-off minus its best baseline's there,
 * from its card's validation rows; undefined when the card has no baseline row.
 */
function recordedLead(card: ModelCard): number | undefined {
  const systems = card.validation.systems;
  const own = systems.find((s) => s.role === 'challenger');
  const baselines = systems.filter((s) => s.role === 'baseline').map((s) => s.ndcg);
  return own === undefined || baselines.length === 0 ? undefined : own.ndcg - Math.max(...baselines);
}

/** Why the champion is not compared with the challenger. */
interface NotComparable {
  notComparable: string;
  /**
   * False when it cannot be loaded, its features differ from today's feature set, it
   * was trained for another horizon, or at a later as-of time: this run cannot score
   * with it either.
   */
  scoreable: boolean;
  /** It was trained at a later as-of time than this training: it stays the champion of the later time. */
  trainedLater?: boolean;
}

/**
 * The champion's NDCG@K on this validation cut-off: re-scored on `held`, or its
 * recorded lead over its best baseline when the labels it learnt (up to its
 * validation cut-off, plus H when refitted) reach into this validation window; or,
 * when it is not comparable, why (its model is gone from the lake or its files are damaged, it
 * was trained at a later as-of time than this training or for another horizon,
 * per its card, or its features differ from today's, so that this run cannot score
 * with it either; or its labels reach in and its card records no lead), logged as
 * a warning.
 */
async function championOnValidation(ctx: StageContext, log: Logger, index: EventIndex, modelId: string, held: FeatureSet, o: TrainStepOptions): Promise<ChampionFigure | NotComparable> {
  const notComparable = (why: string, scoreable: boolean, trainedLater?: boolean): NotComparable => {
    log.warn({ champion: modelId }, `champion ${modelId} ${why}: it is not comparable and does not block promotion`);
    return { notComparable: why, scoreable, ...(trainedLater ? { trainedLater } : {}) };
  };
  // The check the schedule's retraining rule shares (training/champion-check.ts): gone, damaged, of other features or
  // another horizon, or trained later (by its card first: a champion of a later time stays one even when this version cannot load it).
  const check = await modelScoreability(ctx.catalog, modelId, { horizonDays: o.horizonDays, featureNames: held.names, asOf: o.asOf });
  if (!check.scoreable) return notComparable(check.why, false, check.trainedLater);
  const { loaded, card } = check;
  try {
    const m = loaded.manifest.metrics;
    const labelsEnd = labelsLearntUntil({ validationCutoff: m.validationCutoff, refit: m.refit }, o.horizonDays);
    if (labelsEnd > held.cutoff) {
      // Its labels reach into this validation window: re-scored here it would be judged on what it learnt.
      const lead = card === undefined || card.k !== o.k ? undefined : recordedLead(card);
      if (lead !== undefined) return { modelId, lead };
      const why = card === undefined ? 'has no model card' : card.k !== o.k ? `its model card is of NDCG@${card.k}` : 'its model card records no baseline';
      return notComparable(`learnt labels up to ${new Date(labelsEnd).toISOString()}, inside this validation window, and ${why} to compare its lead with the challenger's NDCG@${o.k} lead`, true);
    }
    const raw = predictRaw(loaded.model, loaded.preprocessing, loaded.vocab, held);
    const metrics = validationMetrics(index, held, applyCalibration(loaded.calibration, raw), raw, o, modelId)[0];
    return { modelId, ndcg: metrics.byCustomer!.ndcg, metrics };
  } finally {
    loaded.model.dispose();
  }
}

/** Whether `id` names a fallback (`baseline:<name>@<model-id>`, `baseline:<name>` of an earlier version, `blend:<model-id>`), not a model. */
const isFallbackId = (id: string): boolean => parseBaselineId(id) !== undefined || parseBlendId(id) !== undefined;

/**
 * Trains a challenger at `asOf`, decides by the promotion rule, saves it with
 * its model card and promotes it when it beats the best baseline and the current
 * champion by a margin significant over the validation customers. When it is not
 * promoted and no model is champion, scoring (this run's, and later ones: the champion
 * pointer names it) uses whichever is better on the
 * validation cut-off of the best baseline (calibrated there,
 * `training/fallback.ts`; `championId` `baseline:<name>@<model-id>`, `fallback` set) and
 * the blend of the challenger with that baseline (`training/blend.ts`, judged
 * out of fold; `championId` `blend:<model-id>`, `blend` set). The decision text
 * says which and why; it is logged and kept in the run record (`promotion`) and the card.
 * The champion pointer is written last, unless `writes.publishPointer` is false
 * (the result's `pointer` is then for the caller to write).
 */
export async function trainStep(ctx: StageContext, index: EventIndex, o: TrainStepOptions, writes: TrainStepWrites = {}): Promise<TrainStepResult> {
  // Read first: a damaged pointer fails the step before the features are built and the challenger trained (the lock keeps it as read).
  const pointer = await loadChampionPointer(ctx.catalog, ctx.log.child({ stage: 'training' }), writes.replaceDamagedPointer);
  const challenged = await trainChallenger(ctx, index, o);
  try {
    const result = await decideAndSave(ctx, index, o, challenged, pointer);
    if (writes.publishPointer !== false && result.pointer !== undefined) await publishPointer(ctx, result.pointer);
    return result;
  } finally {
    // Saved by then, or not to be: its tensors would otherwise outlive the step (a schedule trains in one process tick after tick).
    challenged.result.model.dispose();
  }
}

/** The rest of {@link trainStep} once the challenger is trained: promotion, fallback, card and save. */
async function decideAndSave(ctx: StageContext, index: EventIndex, o: TrainStepOptions, challenged: Challenger, pointer: Champion | undefined): Promise<TrainStepResult> {
  const log = ctx.log.child({ stage: 'training' });
  const { result, calibration, heldOutLogLoss, validationSet: held, validation: metrics } = challenged;
  const validationCutoff = held.cutoff;
  const [challenger, ...baselines] = metrics;
  const best = baselines.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const bestName = best.system as BaselineName;
  const bootstrap = { seed: o.seed };

  const trainingConfig = { asOf: o.asOf, horizonDays: o.horizonDays, cutoffs: o.trainCutoffs, cutoffStepDays: o.cutoffStepDays ?? o.horizonDays, train: o.train ?? {} };
  const modelId = newModelId(trainingConfig, o.seed);
  // A fallback the pointer names is no model to beat: the challenger is judged as without a champion, and a fallback fitted anew.
  const named = pointer !== undefined && isFallbackId(pointer.modelId) ? undefined : pointer;
  const compared = named === undefined ? undefined : await championOnValidation(ctx, log, index, named.modelId, held, o);
  // Nor is a champion of other features than today's or of another horizon: kept, it would fail or mislabel every scoring run.
  const unscoreable = compared !== undefined && 'notComparable' in compared && !compared.scoreable ? `champion ${named!.modelId} ${compared.notComparable}` : undefined;
  const champion = unscoreable === undefined ? named : undefined;
  // A champion, or a fallback, of a later as-of time stays what scores by default: this training at an earlier one
  // (a rerun of a past month) scores at its own as-of time with what it decides, and leaves the champion pointer as it is.
  const trainedLater = compared !== undefined && 'notComparable' in compared && compared.trainedLater === true;
  const pointerKept = trainedLater || (pointer !== undefined && named === undefined && modelLearntUntil(undefined, pointer.validation.validationCutoff, o.horizonDays) > o.asOf) ? pointer!.modelId : undefined;
  const championFigure = compared === undefined || 'notComparable' in compared ? undefined : compared;
  const rule = promotionDecision({
    k: o.k,
    challenger: challenger.byCustomer!.ndcg,
    baseline: { name: bestName, ndcg: best.byCustomer!.ndcg },
    champion: championFigure,
    bootstrap,
    noChampion: pointerKept === undefined ? undefined : `${named === undefined ? 'fallback' : 'champion'} ${pointerKept} is of a later as-of time and not compared`,
  });

  let outcome: PromotionOutcome;
  let championId: string;
  let decision = rule.decision;
  let blend: { fit: BlendFit; comparison: Comparison } | undefined;
  let baselineFit: BaselineFallback | undefined;
  if (rule.promoted) {
    outcome = 'promoted';
    championId = modelId;
  } else if (champion !== undefined) {
    outcome = 'kept-champion';
    championId = champion.modelId;
    if (compared !== undefined && 'notComparable' in compared) decision += `; kept champion ${champion.modelId}, which ${compared.notComparable}`;
  } else {
    const fit = fitBlend(index, held, { probability: challenged.validationProbability, raw: result.validationScores }, bestName, o);
    const comparison = compare('baseline', bestName, fit.outOfFold, fit.baselineNdcg, bootstrap);
    blend = { fit, comparison };
    const figures = `out-of-fold NDCG@${o.k} ${fit.outOfFoldNdcg.toFixed(4)} against ${formatComparison(comparison)}`;
    const none = unscoreable ?? 'no champion exists';
    if (comparison.bootstrap.meanDifference > 0) {
      outcome = 'blend';
      championId = `${BLEND_ID_PREFIX}${modelId}`;
      decision += `; ${none}, so scoring uses the blend of ${modelId} with baseline ${bestName} (weight ${formatWeight(fit.weight)} on the model), better on validation: ${figures}`;
    } else {
      outcome = 'baseline';
      // The fit's own id: written once beside the challenger and never rewritten, so that what names it keeps its calibration.
      championId = fallbackFitId(bestName, modelId);
      // Fitted here, so that the decision says what its probabilities are; the record takes the whole decision when saved.
      baselineFit = fitBaselineFallback(index, bestName, validationCutoff, o.horizonDays, o.k, '');
      const map = baselineFit.customerLevel?.method === 'logistic' ? "Platt on rank with a level from the customer's recency and frequency" : 'Platt on rank';
      decision += `; ${none}, so scoring uses baseline ${bestName} (${map}, fitted at ${iso(validationCutoff)}): the blend of the model with it (weight ${formatWeight(fit.weight)} on the model) is not better on validation, ${figures}`;
    }
  }

  if (pointerKept !== undefined) decision += `; the champion pointer stays on ${pointerKept}, ${named === undefined ? 'chosen' : 'trained'} at a later as-of time`;

  const roles: { metrics: SystemMetrics; role: CardRole }[] = [
    { metrics: challenger, role: 'challenger' },
    ...baselines.map((m) => ({ metrics: m, role: 'baseline' as const })),
    ...(championFigure?.metrics === undefined ? [] : [{ metrics: championFigure.metrics, role: 'champion' as const }]),
    ...(blend === undefined ? [] : [{ metrics: blend.fit.metrics, role: 'blend' as const }]),
  ];
  const now = new Date();
  const card = buildModelCard({
    modelId,
    dataset: ctx.config.name,
    createdAt: now.toISOString(),
    configHash: configHash(ctx.config),
    backend: result.backend,
    features: result.featureNames,
    asOf: o.asOf,
    horizonDays: o.horizonDays,
    k: o.k,
    firstEvent: index.events.time[0],
    trainCutoffs: challenged.trainCutoffs,
    validationCutoff,
    cutoffStepDays: trainingConfig.cutoffStepDays,
    rows: { training: challenged.trainingRows, validation: held.n },
    members: result.members,
    refit: result.refitted,
    seed: o.seed,
    candidates: candidateRecallBySource(held, index, o.horizonDays),
    validation: roles,
    calibration: { method: calibration.method, heldOutLogLoss, refitShift: calibration.refitShift ?? 0, prior: challenged.prior },
    promotion: { outcome, scoringWith: championId, decision, comparisons: [rule.baseline, ...(rule.champion === undefined ? [] : [rule.champion])], blend },
    backtest: await procedureBacktest(ctx, o),
  });
  const manifest = await ctx.run.step('save model', () =>
    saveModel(
      ctx.catalog,
      {
        modelId,
        runId: ctx.run.runId,
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
      },
      now,
      card,
    ),
  );
  for (const a of manifest.artefacts) ctx.run.output(ctx.catalog.store.uri, a.key, a.etag);

  ctx.run.metric(`validation.challenger.ndcg@${o.k}`, challenger.ndcg);
  ctx.run.metric(`validation.best_baseline.ndcg@${o.k}`, best.ndcg);
  for (const c of [rule.baseline, ...(rule.champion === undefined ? [] : [rule.champion])]) {
    const name = c.role === 'baseline' ? 'vs_best_baseline' : 'vs_champion';
    ctx.run.metric(`validation.${name}.difference`, c.bootstrap.meanDifference);
    ctx.run.metric(`validation.${name}.lower_bound`, c.bootstrap.lower);
    ctx.run.metric(`validation.${name}.p_value`, c.bootstrap.pValue);
  }
  ctx.run.metric('training.promoted', rule.promoted ? 1 : 0);
  ctx.run.setPromotion({ challengerId: modelId, outcome, championId, decision });

  // A champion or fallback of a later as-of time keeps the pointer as it is.
  const fallbackPointer = (validation: Record<string, number>): PointerUpdate | undefined => (pointerKept === undefined ? { kind: 'fallback', modelId: championId, validation } : undefined);
  if (outcome === 'promoted') {
    log.info({ modelId, promoted: true, outcome }, decision);
    const update: PointerUpdate | undefined = pointerKept === undefined ? { kind: 'promoted', modelId, validation: manifest.metrics } : undefined;
    return { modelId, promoted: true, outcome, decision, championId, validation: metrics, card, pointer: update };
  }
  if (outcome === 'kept-champion') {
    log.info({ modelId, promoted: false, outcome }, decision);
    return { modelId, promoted: false, outcome, decision, championId, validation: metrics, card, pointer: { kind: 'challenged', champion: champion! } };
  }
  const fit = blend!.fit;
  ctx.run.metric(`validation.blend.ndcg@${o.k}`, fit.outOfFoldNdcg);
  ctx.run.metric('validation.blend.weight', fit.weight);
  log.warn({ modelId, promoted: false, outcome, championId }, decision);
  /** Says when a fallback's probabilities are of the rank alone: its customer level could not be fitted. */
  const warnLevel = (level: CustomerLevel | undefined): void => {
    if (level?.method === 'none') log.warn({ modelId, outcome }, `the ${outcome}'s probabilities have no customer level, only the rank's map: ${level.reason}`);
  };
  if (outcome === 'blend') {
    warnLevel(fit.customerLevel);
    // The blend ranks the model's candidates, whose base rate the model's prior shift forecasts for the horizon.
    const calibration = { ...fit.calibration, priorShift: challenged.prior.shift };
    const record: Blend = { modelId, baseline: bestName, weight: fit.weight, calibration, customerLevel: fit.customerLevel, validationCutoff, k: o.k, reason: decision };
    const written = await ctx.catalog.blends.save(record);
    ctx.run.output(ctx.catalog.store.uri, written.key, written.etag);
    ctx.run.metric('training.blend_fallback', 1);
    const update = fallbackPointer({ [`ndcg@${o.k}`]: fit.outOfFoldNdcg, weight: fit.weight, validationCutoff });
    return { modelId, promoted: false, outcome, decision, championId, validation: metrics, blend: record, card, pointer: update };
  }
  const fallback: BaselineFallback = { ...baselineFit!, reason: decision };
  warnLevel(fallback.customerLevel);
  // In the challenger's folder, once: a training that fails or is killed after this leaves what any pointer names as it was.
  const written = await ctx.catalog.fallbacks.save(modelId, fallback);
  ctx.run.output(ctx.catalog.store.uri, written.key, written.etag);
  ctx.run.metric('training.baseline_fallback', 1);
  return { modelId, promoted: false, outcome, decision, championId, validation: metrics, fallback, card, pointer: fallbackPointer({ [`ndcg@${o.k}`]: best.ndcg, validationCutoff }) };
}
