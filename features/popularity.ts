/**
 * Item popularity over a time window: the signal of the "most popular items"
 * baseline of `protocol.md` and of popularity candidates.
 */
import { eventsBefore, EventIndex } from './event-index';

/**
 * Purchase events (lines) per item in [from, to) ms UTC. Counting events,
 * not distinct orders or buyers, is what reproduces the protocol's reference
 * popularity baseline (Recall@10 0.058, NDCG@10 0.143 at 2011-11-09).
 * @param index the event index.
 * @param from window start, inclusive, ms UTC.
 * @param to window end, exclusive, ms UTC.
 * @returns Float64Array over all dense items.
 */
export function itemEventCounts(index: EventIndex, from: number, to: number): Float64Array {
  const counts = new Float64Array(index.nItems);
  const hi = eventsBefore(index, to);
  for (let i = eventsBefore(index, from); i < hi; i++) counts[index.events.item[i]]++;
  return counts;
}

/**
 * Items with a positive score, best first: score descending, ties by external
 * item id in string order (so a ranking never depends on dense-id assignment).
 * @param score per dense item.
 * @param itemIds external item ids (`PurchaseEvents.itemIds`).
 * @param limit keep at most this many (default all).
 * @returns dense item ids, length ≤ limit.
 */
export function rankItems(score: Float64Array, itemIds: readonly string[], limit = score.length): Int32Array {
  const items: number[] = [];
  for (let i = 0; i < score.length; i++) if (score[i] > 0) items.push(i);
  items.sort((a, b) => score[b] - score[a] || (itemIds[a] < itemIds[b] ? -1 : itemIds[a] > itemIds[b] ? 1 : 0));
  return Int32Array.from(items.slice(0, limit));
}
