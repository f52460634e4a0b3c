/**
 * A ranking metric on a labelled validation cut-off, recorded for every pass in
 * the training history: "candidate NDCG@K", the protocol's NDCG@K
 * (`ranking/metrics.ts`; Järvelin & Kekäläinen, "Cumulated gain-based
 * evaluation of IR techniques", ACM TOIS 20(4), 2002, binary gains, discount
 * log2(rank + 1)) with the truth restricted to the positive candidates. Its
 * ideal DCG counts the positives among the candidates, not the full truth: for a
 * fixed candidate set each customer's ideal DCG does not depend on the model,
 * so per customer it orders models as the protocol's NDCG@K does, but the mean
 * over customers weighs them otherwise (by the share of their truth among the
 * candidates), and the two means can order two models differently.
 */
import type { FeatureSet } from '../features/types';
import { rankingMetrics } from '../ranking/metrics';
import { topKPerCustomer } from '../ranking/topk';
import type { Truth } from '../ranking/truth';
import { TrainingInputError } from './errors';

/** The positive candidates of `fs` as a truth: customers with at least one positive, ascending, their positive items ascending. */
function positivesAsTruth(fs: FeatureSet, label: Uint8Array): Truth {
  const rows = Int32Array.from(label.keys()).filter((r) => label[r] === 1);
  rows.sort((a, b) => fs.customer[a] - fs.customer[b] || fs.item[a] - fs.item[b]);
  const customers: number[] = [];
  const offsets: number[] = [0];
  rows.forEach((r, i) => {
    if (i > 0 && fs.customer[r] === fs.customer[rows[i - 1]]) offsets[offsets.length - 1] = i + 1;
    else {
      customers.push(fs.customer[r]);
      offsets.push(i + 1);
    }
  });
  return {
    asOf: fs.cutoff,
    horizonDays: Number.NaN,
    knownCustomers: customers.length,
    customers: Int32Array.from(customers),
    offsets: Int32Array.from(offsets),
    items: Int32Array.from(rows, (r) => fs.item[r]),
  };
}

/**
 * Mean candidate NDCG@K over the customers with at least one positive
 * candidate: per customer, Σ_{r ≤ K} hit_r / log2(r + 1) over the top K by
 * score, divided by Σ_{r ≤ min(K, positives)} 1 / log2(r + 1).
 * @param fs labelled feature set, rows grouped by customer.
 * @param scores one score per row of `fs`.
 * @returns NDCG@K in [0, 1]; 0 when no customer has a positive.
 * @throws TrainingInputError when `fs` has no labels or `scores.length !== fs.n`.
 */
export function candidateNdcgAtK(fs: FeatureSet, scores: Float32Array, k = 10): number {
  const label = fs.label;
  if (label === undefined) throw new TrainingInputError(`candidateNdcgAtK: feature set at cut-off ${new Date(fs.cutoff).toISOString()} has no labels`);
  if (scores.length !== fs.n) throw new TrainingInputError(`candidateNdcgAtK: ${scores.length} scores for ${fs.n} rows`);
  return rankingMetrics(topKPerCustomer(fs.customer, fs.item, scores, k), positivesAsTruth(fs, label), k).ndcg;
}
