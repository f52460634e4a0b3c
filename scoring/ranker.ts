/**
 * What orders a scoring run's candidates: a registered model's forward pass and
 * calibration over a pool of forward threads (`training/forward-pool.ts`), or,
 * for `baseline:<name>`, the calibrated baseline the champion/challenger rule
 * fell back to. Either ranks every candidate pair of a customer batch and keeps
 * the batch's top-K lists.
 */
import type { EventIndex } from '../features/event-index';
import type { FeatureSet } from '../features/types';
import type { StageContext } from '../lib/stage-context';
import { itemOrder, orderByCustomerId, rankPerCustomer, type TopK, topKPerCustomer } from '../ranking/topk';
import { selectBackend } from '../training/backend';
import { ForwardPool } from '../training/forward-pool';
import { baselineScores, parseBaselineId } from '../training/fallback';
import { loadModel } from '../training/registry';
import { customerRows } from '../ranking/ranges';
import { scoreFeatureSetOn } from './score';
import { defaultForwardThreads } from './settings';


/** Options of {@link openRanker}. */
export interface RankerOptions {
  /** A registered model id, or `baseline:<name>`. */
  modelId: string;
  /** The as-of time, ms since the epoch. */
  asOf: number;
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

/**
 * The ranker of `o.modelId`: a registered model scoring the batch's candidates
 * over `o.threads` forward threads, or, for `baseline:<name>` (the
 * champion/challenger fallback when no model beats the best baseline), that
 * baseline's lists with its calibrated probabilities.
 */
export async function openRanker(ctx: StageContext, index: EventIndex, o: RankerOptions): Promise<Ranker> {
  const { customerIds, itemIds } = index.events;
  const baseline = parseBaselineId(o.modelId);
  if (baseline !== undefined) {
    const lists = baselineScores(index, await ctx.catalog.fallbacks.load(baseline), o.asOf);
    ctx.log.child({ stage: 'scoring' }).warn({ baseline }, `scoring with the ${baseline} baseline: no trained model beat it on validation`);
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
  ctx.run.setBackend(await selectBackend());
  const model = await loadModel(ctx.catalog, o.modelId);
  const pool = await ForwardPool.open(model.model, model.preprocessing, model.vocab, { threads: o.threads ?? defaultForwardThreads() });
  const tieKey = itemOrder(itemIds);
  return {
    score: async (fs) => {
      const raw = new Float32Array(fs.n);
      const probability = await scoreFeatureSetOn(pool, model, fs, { raw });
      // Calibration may map a range of raw scores to one probability: the raw score keeps the model's order.
      const order = { score: raw, tieKey };
      return () => ({
        all: orderByCustomerId(rankPerCustomer(fs.customer, fs.item, probability, order), customerIds),
        top: orderByCustomerId(topKPerCustomer(fs.customer, fs.item, probability, o.k, order), customerIds),
      });
    },
    close: () => pool.close(),
  };
}
