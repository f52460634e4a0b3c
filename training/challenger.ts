/**
 * A challenger in memory: the labelled training cut-offs and the validation
 * cut-off before the as-of time, the network trained on them and its
 * calibration fitted on the validation cut-off. Nothing at or after the as-of
 * time reaches features, vocabularies, normalisation, model selection or
 * calibration: the last label window used is [T − H, T).
 */
import type { EventIndex } from '../features/event-index';
import type { FeatureSet, LabelledCandidates } from '../features/types';
import { evaluateAt, formatMetricsTable, type SystemMetrics } from '../evaluation/evaluate';
import { availableCpus } from '../lib/cpus';
import type { ProgressBar } from '../lib/progress';
import { checkStop } from '../lib/interrupt';
import type { StageContext } from '../lib/stage-context';
import { itemOrder, topKPerCustomer } from '../ranking/topk';
import { applyCalibration, type Calibration, fitCalibration } from './calibration';
import { baseRate, type PriorShift, refitLevelShift, trendPriorShift } from './prior-shift';
import type { TrainSettings, TrainStepOptions } from './options';
import { checkHistory, checkRecency, trainingSchedule } from './schedule';
import { DEFAULT_MEMBERS, trainModel, type TrainingCutoff, type TrainResult } from './train';
import { buildTrainingCutoffs } from './training-cutoffs';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Validation metrics of a model on the labelled cut-off `fs`, beside the
 * baselines, over the customers of `fs`: top-K lists ranked by `probability`
 * (ties by `raw`, the uncalibrated scores), ECE and log loss of `probability`,
 * and every row's metrics per customer (`byCustomer`, one customer order), for the promotion rule.
 * @returns rows for `name`, `popularity` and `repeat`, in that order.
 */
export function validationMetrics(index: EventIndex, fs: FeatureSet, probability: Float32Array, raw: Float32Array, o: TrainSettings, name: string): SystemMetrics[] {
  const lists = topKPerCustomer(fs.customer, fs.item, probability, o.k, { score: raw, tieKey: itemOrder(index.events.itemIds) });
  // Over the customers of `fs` only: training scores a sample of them when there are many.
  return evaluateAt(index, fs.cutoff, o.horizonDays, o.k, { name, lists, scored: { customer: fs.customer, item: fs.item, probability } }, fs.customer, { perCustomer: true });
}

/** A trained, calibrated challenger in memory with its validation metrics. */
export interface Challenger {
  result: TrainResult;
  /** Fitted on the validation cut-off, with the shifts that carry it to the horizon (`horizonShifts`). */
  calibration: Calibration;
  /** The base rates behind `calibration.priorShift`. */
  prior: PriorShift;
  heldOutLogLoss: { platt: number; isotonic: number };
  /** The labelled validation cut-off (its rows the first phase scored: all, or a sample of customers). */
  validationSet: FeatureSet;
  /** Calibrated probability per row of `validationSet` (its raw scores are `result.validationScores`). */
  validationProbability: Float32Array;
  /** The training cut-offs, oldest first, and their candidate rows (features were built for those the training read). */
  trainCutoffs: number[];
  trainingRows: number;
  /** The challenger, `popularity` and `repeat` on the validation cut-off, in that order. */
  validation: SystemMetrics[];
}

/**
 * Builds the labelled training and validation cut-offs before `o.asOf` (their
 * candidates and labels, and the features of the rows the training will read:
 * `training-cutoffs.ts`), trains
 * the network for its budget of passes (no early stopping), measures and
 * calibrates it on the validation cut-off, and refits it there when `refit` is
 * on. Writes nothing to the lake. When `ctx.signal` aborts, it stops before the
 * next feature cut-off or draw of training steps with a RunInterruptedError
 * (step `features.training` or `train`).
 */
export async function trainChallenger(ctx: StageContext, index: EventIndex, o: TrainStepOptions): Promise<Challenger> {
  const log = ctx.log.child({ stage: 'training' });
  const schedule = trainingSchedule(o.asOf, o.horizonDays, o.trainCutoffs, o.cutoffStepDays);
  checkHistory(index.events.time, schedule, o.cutoffStepDays ?? o.horizonDays);
  checkRecency(index.events.time, o.asOf);
  const trainOptions = { ...o.train, seed: o.seed };
  const { train, validation } = await ctx.run.step('features.training', async () => {
    const cutoffs = [...schedule.train, schedule.validation];
    const bar = ctx.progress.bar('features', 2 * cutoffs.length, 'cut-off passes');
    const sets = await buildTrainingCutoffs(index, cutoffs, o.horizonDays, trainOptions, availableCpus(), {
      onCandidates: (c) => {
        bar.increment();
        log.info({ cutoff: iso(c.cutoff), rows: c.n, positives: c.label.reduce((s, y) => s + y, 0) }, `candidates at cut-off ${iso(c.cutoff)}: ${c.n} candidate pairs`);
      },
      onFeatures: (fs, c) => {
        bar.increment();
        log.info({ cutoff: iso(fs.cutoff), rows: fs.n, candidates: c.n }, `features at cut-off ${iso(fs.cutoff)}: ${fs.n} of ${c.n} candidate pairs, those the training reads`);
      },
      stopCheck: (where) => checkStop(ctx.signal, 'features.training', where),
    }).finally(() => bar.stop());
    return { train: sets.slice(0, -1), validation: sets[sets.length - 1] };
  });
  const candidateRows = (sets: readonly TrainingCutoff[]): number => sets.reduce((s, c) => s + c.candidates.n, 0);
  ctx.run.count('training.rows', candidateRows(train));
  ctx.run.count('validation.rows', validation.candidates.n);
  ctx.run.count('training.feature_rows', train.reduce((s, c) => s + c.features.n, 0));
  ctx.run.count('validation.feature_rows', validation.features.n);

  let bar: ProgressBar | undefined;
  const result = await ctx.run
    .step('train', () =>
      trainModel(train, validation, {
        ...trainOptions,
        onEpoch: (e) => {
          if (e.epoch === 1 && e.member === 0) {
            bar?.stop();
            bar = ctx.progress.bar(e.phase, e.epochs * (o.train?.members ?? DEFAULT_MEMBERS), 'epochs');
          }
          bar?.increment();
          log.info({ ...e }, `member ${e.member + 1} ${e.phase} epoch ${e.epoch} of ${e.epochs}: ${e.groups} customer groups, ${e.rows} rows, loss ${e.trainLoss.toFixed(4)}, ${Math.round(e.rowsPerSecond)} rows/s`);
        },
        // Between draws of steps: a run asked to stop (SIGTERM/SIGINT, a lost lock) stops within about a second of steps.
        stopCheck: (where) => checkStop(ctx.signal, 'train', where),
      }),
    )
    .finally(() => bar?.stop());
  ctx.run.setBackend(result.backend);
  ctx.run.metric('train.rows_per_second', result.trainRowsPerSecond);
  ctx.run.metric('train.threads', result.threads);
  log.info(
    { members: result.members, threads: result.threads, fitSeconds: result.fitSeconds, validationNdcg10: result.validationNdcg10 },
    `trained ${result.members} member(s) on ${result.threads} thread(s) in ${result.fitSeconds.toFixed(1)} s; held-out validation candidate NDCG@10 ${result.validationNdcg10.toFixed(4)}` +
      (result.refitted ? `, then refitted on the ${train.length} training cut-offs and the validation cut-off` : ''),
  );

  // Ranking figures (and so promotion) and the calibration come from the network
  // of the first phase, whose validation scores are held out in time.
  const held = result.validation;
  const { calibration: fitted, heldOutLogLoss } = fitCalibration(result.validationScores, held.label!, held.customer);
  const probability = applyCalibration(fitted, result.validationScores);
  const metrics = validationMetrics(index, held, probability, result.validationScores, o, 'challenger');
  log.info(`validation at ${iso(held.cutoff)} (calibration: ${fitted.method}):\n${formatMetricsTable(metrics)}`);
  const { refitShift, prior } = horizonShifts(ctx, result, [...train, validation].map((c) => c.candidates));
  return {
    result,
    calibration: { ...fitted, refitShift, priorShift: prior.shift },
    prior,
    heldOutLogLoss,
    validationSet: held,
    validationProbability: probability,
    trainCutoffs: train.map((c) => c.candidates.cutoff),
    trainingRows: candidateRows(train),
    validation: metrics,
  };
}

/**
 * The two logit offsets that carry the validation cut-off's calibration map to
 * the network scored after the as-of time (`calibration.ts`): `refitShift`
 * brings the refitted network's scores to the level of the first phase's, on
 * which the map was fitted (the logit of their mean scores on the validation
 * rows; 0 without a refit), and `priorShift` moves the map's probabilities to the
 * base rate forecast for the horizon (`prior-shift.ts`). Both are logged and
 * recorded as run metrics.
 * @param labelled the training cut-offs and the validation cut-off, oldest first.
 */
function horizonShifts(ctx: StageContext, result: TrainResult, labelled: LabelledCandidates[]): { refitShift: number; prior: PriorShift } {
  const log = ctx.log.child({ stage: 'training' });
  const refitShift = refitLevelShift(result);
  const prior = trendPriorShift(labelled.map(baseRate));
  ctx.run.metric('calibration.refit_shift', refitShift);
  ctx.run.metric('calibration.validation_rate', prior.validationRate);
  ctx.run.metric('calibration.forecast_rate', prior.forecastRate);
  log.info(
    { refitShift, ...prior },
    `calibration carried to the horizon: refitted network's logit level ${refitShift >= 0 ? '+' : ''}${refitShift.toFixed(3)}; base rate ${prior.validationRate.toFixed(4)} at the validation cut-off, forecast ${prior.forecastRate.toFixed(4)}: logit shift ${prior.shift >= 0 ? '+' : ''}${prior.shift.toFixed(3)}`,
  );
  return { refitShift, prior };
}
