/**
 * Model-selection metrics on a labelled validation cut-off, used for early stopping.
 * They see only the validation candidates: NDCG@K here is "candidate NDCG" (the
 * ideal DCG counts the positives among the candidates, not the full truth), which
 * ranks models the same way as the protocol's NDCG@K for a fixed candidate set.
 */
import type { FeatureSet } from '../features/types';
import { topKPerCustomer } from '../ranking/topk';
import { TrainingInputError } from './errors';

/**
 * Mean NDCG@K (binary gains, discount log2(rank + 1), ideal DCG over
 * min(K, positives) positions; Järvelin & Kekäläinen, 2002) over the customers
 * with at least one positive candidate.
 * @param fs labelled feature set, rows grouped by customer.
 * @param scores one score per row of `fs`.
 * @returns NDCG@K in [0, 1]; 0 when no customer has a positive.
 * @throws TrainingInputError when `fs` has no labels or `scores.length !== fs.n`.
 */
export function candidateNdcgAtK(fs: FeatureSet, scores: Float32Array, k = 10): number {
  const label = fs.label;
  if (label === undefined) throw new TrainingInputError(`candidateNdcgAtK: feature set at cut-off ${new Date(fs.cutoff).toISOString()} has no labels`);
  if (scores.length !== fs.n) throw new TrainingInputError(`candidateNdcgAtK: ${scores.length} scores for ${fs.n} rows`);
  const top = topKPerCustomer(fs.customer, fs.item, scores, k);
  const positives = new Map<number, number>();
  for (let r = 0; r < fs.n; r++) if (label[r] === 1) positives.set(fs.customer[r], (positives.get(fs.customer[r]) ?? 0) + 1);
  const discount = Float64Array.from({ length: k }, (_, i) => 1 / Math.log2(i + 2));
  const dcg = new Map<number, number>();
  for (let i = 0; i < top.n; i++) {
    if (label[top.row[i]] === 1) dcg.set(top.customer[i], (dcg.get(top.customer[i]) ?? 0) + discount[top.rank[i] - 1]);
  }
  let total = 0;
  for (const [c, p] of positives) {
    let ideal = 0;
    for (let i = 0; i < Math.min(k, p); i++) ideal += discount[i];
    total += (dcg.get(c) ?? 0) / ideal;
  }
  return positives.size === 0 ? 0 : total / positives.size;
}
