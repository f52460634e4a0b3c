/**
 * Item-to-item co-occurrence over baskets before the cut-off, normalised by
 * cosine similarity (item-based collaborative filtering: Sarwar et al.,
 * "Item-based collaborative filtering recommendation algorithms", WWW 2001;
 * Linden, Smith & York, "Amazon.com recommendations: item-to-item
 * collaborative filtering", IEEE Internet Computing 2003).
 */
import { EventIndex, pastEnd } from './event-index';
import { topByScore } from '../ranking/topk';

/** Top neighbours per known item, CSR: item i's are `items[offsets[i] .. offsets[i+1])`, best first. */
export interface ItemNeighbours {
  offsets: Int32Array;
  items: Int32Array;
  /** Cosine similarity c_ij / √(n_i · n_j) in (0, 1]. */
  score: Float32Array;
}

/** Baskets and items before the cut-off, each basket's items and each item's baskets without repeats. */
interface Incidence {
  /** Distinct items of order o: `orderItems[orderOffsets[o] .. orderOffsets[o+1])`. */
  orderOffsets: Int32Array;
  orderItems: Int32Array;
  /** Distinct orders of known item i, ascending: `itemOrders[itemOffsets[i] .. itemOffsets[i+1])`. */
  itemOffsets: Int32Array;
  itemOrders: Int32Array;
}

/**
 * The basket–item incidence of events [0, e), both ways, as contiguous CSRs
 * (the pair count then reads memory in order rather than through event ids).
 * O(e + orders + items).
 */
function incidence(index: EventIndex, e: number, knownItemCount: number): Incidence {
  const { item } = index.events;
  const orderOffsets = new Int32Array(index.nOrders + 1);
  const orderItems = new Int32Array(e);
  const lastOrder = new Int32Array(knownItemCount).fill(-1);
  const itemOffsets = new Int32Array(knownItemCount + 1);
  let n = 0;
  for (let o = 0; o < index.nOrders; o++) {
    const end = pastEnd(index.byOrder, o, e);
    for (let q = index.byOrder.offsets[o]; q < end; q++) {
      const j = item[index.byOrder.events[q]];
      if (lastOrder[j] === o) continue;
      lastOrder[j] = o;
      orderItems[n++] = j;
      itemOffsets[j + 1]++;
    }
    orderOffsets[o + 1] = n;
  }
  for (let i = 0; i < knownItemCount; i++) itemOffsets[i + 1] += itemOffsets[i];
  const fill = itemOffsets.slice(0, knownItemCount);
  const itemOrders = new Int32Array(n);
  for (let o = 0; o < index.nOrders; o++) {
    for (let q = orderOffsets[o]; q < orderOffsets[o + 1]; q++) itemOrders[fill[orderItems[q]]++] = o;
  }
  return { orderOffsets, orderItems: orderItems.subarray(0, n), itemOffsets, itemOrders };
}

/**
 * For every item known at t, its `topL` most similar items: c_ij = baskets
 * (orders) before t holding both i and j, n_i = baskets before t holding i,
 * similarity = c_ij / √(n_i · n_j); ties by dense id. Only events before t
 * count, also inside an order that straddles t.
 * Cost O(events before t + Σ over baskets of |distinct items|²) time,
 * O(events before t + items · topL) memory.
 * @param index the event index.
 * @param e events before t (`eventsBefore`).
 * @param knownItemCount items known at t (`knownItems`).
 * @param topL neighbours kept per item (default 50).
 */
export function itemNeighbours(index: EventIndex, e: number, knownItemCount: number, topL = 50): ItemNeighbours {
  const { orderOffsets, orderItems, itemOffsets, itemOrders } = incidence(index, e, knownItemCount);
  const together = new Int32Array(knownItemCount); // c_ij of the current item i
  const similarity = new Float64Array(knownItemCount);
  const touched = new Int32Array(knownItemCount);
  const offsets = new Int32Array(knownItemCount + 1);
  const items: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < knownItemCount; i++) {
    const ni = itemOffsets[i + 1] - itemOffsets[i];
    let nTouched = 0;
    for (let p = itemOffsets[i]; p < itemOffsets[i + 1]; p++) {
      const o = itemOrders[p];
      for (let q = orderOffsets[o]; q < orderOffsets[o + 1]; q++) {
        const j = orderItems[q];
        if (together[j]++ === 0) touched[nTouched++] = j;
      }
    }
    let nOthers = 0;
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      if (j !== i) {
        similarity[j] = together[j] / Math.sqrt(ni * (itemOffsets[j + 1] - itemOffsets[j]));
        touched[nOthers++] = j;
      }
      together[j] = 0;
    }
    for (const j of topByScore(touched.subarray(0, nOthers), similarity, topL)) {
      items.push(j);
      scores.push(similarity[j]);
    }
    offsets[i + 1] = items.length;
  }
  return { offsets, items: Int32Array.from(items), score: Float32Array.from(scores) };
}
