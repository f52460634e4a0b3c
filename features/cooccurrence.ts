/**
 * Item-to-item co-occurrence over baskets before the cut-off, normalised by
 * cosine similarity (item-based collaborative filtering: Sarwar et al.,
 * "Item-based collaborative filtering recommendation algorithms", WWW 2001;
 * Linden, Smith & York, "Amazon.com recommendations: item-to-item
 * collaborative filtering", IEEE Internet Computing 2003).
 */
import { EventIndex, pastEnd } from './event-index';
import { topByScore } from './top-k';

/** Top neighbours per known item, CSR: item i's are `items[offsets[i] .. offsets[i+1])`, best first. */
export interface ItemNeighbours {
  offsets: Int32Array;
  items: Int32Array;
  /** Cosine similarity c_ij / √(n_i · n_j) in (0, 1]. */
  score: Float32Array;
}

/**
 * For every item known at t, its `topL` most similar items: c_ij = baskets
 * (orders) before t holding both i and j, n_i = baskets before t holding i,
 * similarity = c_ij / √(n_i · n_j); ties by dense id. Only events before t
 * count, also inside an order that straddles t.
 * Cost O(Σ over baskets of |basket|²) time, O(items · topL) memory.
 * @param index the event index.
 * @param e events before t (`eventsBefore`).
 * @param knownItemCount items known at t (`knownItems`).
 * @param topL neighbours kept per item (default 50).
 */
export function itemNeighbours(index: EventIndex, e: number, knownItemCount: number, topL = 50): ItemNeighbours {
  const { item, order } = index.events;
  const baskets = new Float64Array(knownItemCount);
  const orderMark = new Int32Array(index.nOrders).fill(-1);
  for (let i = 0; i < knownItemCount; i++) {
    const end = pastEnd(index.byItem, i, e);
    for (let p = index.byItem.offsets[i]; p < end; p++) {
      const o = order[index.byItem.events[p]];
      if (orderMark[o] !== i) {
        orderMark[o] = i;
        baskets[i]++;
      }
    }
  }
  orderMark.fill(-1);
  const together = new Float64Array(knownItemCount);
  const pairMark = new Int32Array(knownItemCount).fill(-1);
  const offsets = new Int32Array(knownItemCount + 1);
  const items: number[] = [];
  const scores: number[] = [];
  let visit = 0;
  for (let i = 0; i < knownItemCount; i++) {
    const touched: number[] = [];
    const end = pastEnd(index.byItem, i, e);
    for (let p = index.byItem.offsets[i]; p < end; p++) {
      const o = order[index.byItem.events[p]];
      if (orderMark[o] === i) continue;
      orderMark[o] = i;
      visit++;
      const oEnd = pastEnd(index.byOrder, o, e);
      for (let q = index.byOrder.offsets[o]; q < oEnd; q++) {
        const j = item[index.byOrder.events[q]];
        if (j === i || pairMark[j] === visit) continue;
        pairMark[j] = visit;
        if (together[j] === 0) touched.push(j);
        together[j]++;
      }
    }
    for (const j of touched) together[j] /= Math.sqrt(baskets[i] * baskets[j]);
    for (const j of topByScore(touched, together, topL)) {
      items.push(j);
      scores.push(together[j]);
    }
    for (const j of touched) together[j] = 0;
    offsets[i + 1] = items.length;
  }
  return { offsets, items: Int32Array.from(items), score: Float32Array.from(scores) };
}
