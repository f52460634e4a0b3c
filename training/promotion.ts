/** The champion/challenger rule on the validation cut-off's NDCG@K. */
import type { SystemMetrics } from '../evaluation/evaluate';

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
