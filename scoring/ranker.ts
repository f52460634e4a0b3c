/**
 * What orders a scoring run's candidates: a registered model's forward pass and
 * calibration over a pool of forward threads (`training/forward-pool.ts`); for
 * `blend:<model-id>`, that model's order blended with a baseline's
 * (`training/blend.ts`); or, for `baseline:<name>@<model-id>` (`baseline:<name>` in
 * lakes of earlier versions), the calibrated baseline the
 * champion/challenger rule fell back to. Each ranks every candidate pair of a
 * customer batch and keeps the batch's top-K lists.
 */
import type { EventIndex } from '../features/event-index';
import type { FeatureSet } from '../features/types';
import type { StageContext } from '../lib/stage-context';
import { itemOrder, orderByCustomerId, rankPerCustomer, type TopK, topKPerCustomer } from '../ranking/topk';
import { selectBackend } from '../training/backend';
import { ForwardPool } from '../training/forward-pool';
import { blendRows } from '../training/blend';
import { BASELINES, baselineScores } from '../training/fallback';
import { modelLearntUntil } from '../training/promotion';
import { loadModel } from '../training/registry';
import { fallbackMismatch, loadScorerRecord } from '../training/scorer-records';
import { customerRows } from '../ranking/ranges';
import type { ModelManifest } from '../lib/catalog';
import { ModelMismatchError } from './errors';
import { scoreFeatureSetOn } from './score';
import { defaultForwardThreads } from './settings';


/** Options of {@link openRanker}. */
export interface RankerOptions {
  /** A registered model id, `blend:<model-id>`, `baseline:<name>@<model-id>` or `baseline:<name>` (the record of an earlier version: {@link loadScorerRecord}). */
  modelId: string;
  /** The as-of time, ms since the epoch. */
  asOf: number;
  /** Horizon H in days: a baseline fallback learnt the labels of [its validation cut-off, + H). */
  horizonDays: number;
  /** Length of each customer's list. */
  k: number;
  /** Forward-pass threads, this one included [{@link defaultForwardThreads}]. */
  threads?: number;
}

/** Scored and ranked pairs of one customer batch, ordered by customer id. */
export interface RankedBatch {
  /** Every scored pair with its rank. */
  all: TopK;
  /** The top K of each customer. */
  top: TopK;
}

/** Scores and ranks customer batches. */
export interface Ranker {
  /**
   * The model's part, timed as the step `score` (forward pass and calibration);
   * returns the ordering of the batch, timed as the step `rank`.
   */
  score(fs: FeatureSet, batch: Int32Array): Promise<() => RankedBatch>;
  close(): Promise<void>;
}

/** Records the objects at `keys` of the lake, with their ETags, as inputs of the run (the lineage of the scores). */
async function recordInputs(ctx: StageContext, keys: string[]): Promise<void> {
  const infos = await Promise.all(keys.map((key) => ctx.catalog.store.head(key)));
  ctx.run.input(ctx.catalog.store.uri, infos.filter((info) => info !== undefined));
}

/**
 * Checks that what scores learnt nothing at or after the as-of time: a model or
 * fallback fitted its calibration on the labels of its validation cut-off, which
 * end at the as-of time it was trained at. Scores at an earlier as-of time would
 * carry what happened after it, and their evaluation would judge the model on
 * labels it learnt.
 * @param what what scores, e.g. `model 20111109T000000000Z-3fa2c01b`.
 * @param learntUntil end of the labels it learnt, ms UTC.
 * @param asOf the as-of time, ms UTC.
 * @throws ModelMismatchError naming both times and what to do instead.
 */
function checkLearntBefore(what: string, learntUntil: number, asOf: number): void {
  if (learntUntil > asOf) throw learntAfterAsOf(what, learntUntil, asOf);
}

/** The error of {@link checkLearntBefore}: `what` learnt purchases up to `learntUntil`, after `asOf` (ms UTC). */
function learntAfterAsOf(what: string, learntUntil: number, asOf: number): ModelMismatchError {
  const [until, at] = [new Date(learntUntil).toISOString(), new Date(asOf).toISOString()];
  return new ModelMismatchError(
    `${what} learnt purchases up to ${until}, after the as-of time ${at}: its scores at ${at} would carry what happened after it, and their evaluation would judge it on labels it learnt; `
      + `score at ${until} or later, or with a model trained at or before ${at} (berserkr train --as-of ${at}, then --model), or evaluate past as-of times with berserkr backtest`,
  );
}

/**
 * Checks that model `modelId` answers the run's question at its as-of time: it
 * gives probabilities of a purchase within the run's horizon (its card's
 * `horizonDays`), and learnt nothing at or after the as-of time
 * ({@link checkLearntBefore}: the as-of time of its training, its card's, or for
 * a model saved without a card its validation cut-off plus the horizon; a model
 * that recorded neither is not checked).
 * @throws ModelMismatchError naming what differs and what to do instead.
 */
async function checkModel(ctx: StageContext, modelId: string, manifest: ModelManifest, o: RankerOptions): Promise<void> {
  const card = await ctx.catalog.models.loadCard(modelId);
  if (card !== undefined && card.horizonDays !== o.horizonDays) {
    throw new ModelMismatchError(
      `model ${modelId} gives the probability of a purchase within ${card.horizonDays} days, and this run's horizon is ${o.horizonDays} days: `
        + `score with --horizon ${card.horizonDays}, or with a model trained with --horizon ${o.horizonDays}`,
    );
  }
  checkLearntBefore(`model ${modelId}`, modelLearntUntil(card, manifest.metrics.validationCutoff, o.horizonDays), o.asOf);
}

/**
 * The ranker of `o.modelId`: a registered model scoring the batch's candidates
 * over `o.threads` forward threads; for `blend:<model-id>`, the same with each
 * customer's order blended with the baseline's lists at the as-of time and the
 * blend's calibration; or, for `baseline:<name>@<model-id>` (the champion/challenger
 * fallback when no model beats the best baseline), that baseline's lists with
 * its calibrated probabilities.
 * Records what it reads (the fallback or blend record, the model's manifest and artefacts) as inputs of the run.
 * @throws DatasetNotFoundError when the model, blend or fallback record is not in the lake;
 *   ModelMismatchError when it learnt labels after `o.asOf` (it was trained at a later as-of time)
 *   or a model or baseline fallback was fitted for another horizon than `o.horizonDays`.
 */
export async function openRanker(ctx: StageContext, index: EventIndex, o: RankerOptions): Promise<Ranker> {
  const { customerIds, itemIds } = index.events;
  const scorer = await loadScorerRecord(ctx.catalog, o.modelId);
  if (scorer.kind === 'baseline') {
    const { baseline, fallback } = scorer;
    // A fit is named by its id, the record of an earlier version by its baseline.
    const what = `baseline fallback ${scorer.fitOf === undefined ? baseline : o.modelId}`;
    const mismatch = fallbackMismatch(fallback, o);
    if (mismatch?.reason === 'horizon') {
      throw new ModelMismatchError(
        `${what} gives the probability of a purchase within ${mismatch.horizonDays} days, and this run's horizon is ${o.horizonDays} days: `
          + `score with --horizon ${mismatch.horizonDays}, or train with --horizon ${o.horizonDays} first`,
      );
    }
    if (mismatch?.reason === 'learntLater') throw learntAfterAsOf(what, mismatch.learntUntil, mismatch.asOf);
    const lists = baselineScores(index, fallback, o.asOf, o.k);
    await recordInputs(ctx, [scorer.key]);
    ctx.log.child({ stage: 'scoring' }).warn(
      { baseline, fallback: o.modelId, validationCutoff: new Date(fallback.validationCutoff).toISOString() },
      `scoring with the ${baseline} baseline (${o.modelId}, calibrated at ${new Date(fallback.validationCutoff).toISOString()}): no trained model beat it on validation`,
    );
    // Baseline lists hold customers ascending: a batch customer's rows are one range, found by binary search.
    const rank = (batch: Int32Array): RankedBatch => {
      const ranges = Array.from(batch, (c) => customerRows(lists.customer, c));
      const rows = new Int32Array(ranges.reduce((s, [from, to]) => s + to - from, 0));
      let at = 0;
      for (const [from, to] of ranges) for (let r = from; r < to; r++) rows[at++] = r;
      const top = orderByCustomerId(
        {
          n: rows.length,
          row: rows,
          customer: Int32Array.from(rows, (r) => lists.customer[r]),
          item: Int32Array.from(rows, (r) => lists.item[r]),
          rank: Int32Array.from(rows, (r) => lists.rank[r]),
          probability: Float32Array.from(rows, (r) => lists.probability[r]),
        },
        customerIds,
      );
      return { all: top, top };
    };
    return { score: async (_fs, batch) => () => rank(batch), close: async () => undefined };
  }
  const blend = scorer.kind === 'blend' ? scorer.blend : undefined;
  const blendLists = blend === undefined ? undefined : BASELINES[blend.baseline](index, o.asOf, blend.k);
  if (blend !== undefined) ctx.log.child({ stage: 'scoring' }).warn({ model: blend.modelId, baseline: blend.baseline, weight: blend.weight }, `scoring with the blend of model ${blend.modelId} and the ${blend.baseline} baseline (weight ${blend.weight} on the model): ${blend.reason}`);
  ctx.run.setBackend(await selectBackend());
  const { modelId } = scorer;
  const model = await loadModel(ctx.catalog, modelId);
  try {
    await checkModel(ctx, modelId, model.manifest, o);
  } catch (error) {
    model.model.dispose();
    throw error;
  }
  await recordInputs(ctx, [ctx.catalog.models.key(modelId, 'manifest.json'), ...(blend === undefined ? [] : [ctx.catalog.blends.key(modelId)])]);
  ctx.run.input(ctx.catalog.store.uri, model.manifest.artefacts);
  const pool = await ForwardPool.open(model.model, model.preprocessing, model.vocab, { threads: o.threads ?? defaultForwardThreads() });
  const tieKey = itemOrder(itemIds);
  return {
    score: async (fs) => {
      const raw = new Float32Array(fs.n);
      const modelProbability = await scoreFeatureSetOn(pool, model, fs, { raw });
      // Calibration may map a range of raw scores to one probability: the raw score (or the blend's score) keeps the order.
      const { probability, score } =
        blend === undefined ? { probability: modelProbability, score: raw } : blendRows(blend, blendLists!, { customer: fs.customer, item: fs.item, probability: modelProbability, raw }, tieKey);
      const order = { score, tieKey };
      return () => ({
        all: orderByCustomerId(rankPerCustomer(fs.customer, fs.item, probability, order), customerIds),
        top: orderByCustomerId(topKPerCustomer(fs.customer, fs.item, probability, o.k, order), customerIds),
      });
    },
    close: async () => {
      await pool.close();
      model.model.dispose();
    },
  };
}
