/**
 * Partial selection of the k best ids by score with a bounded binary min-heap:
 * O(n log k) instead of sorting all n.
 */

/** True when id a ranks below id b: lower score, or equal score and larger id. */
function worse(score: ArrayLike<number>, a: number, b: number): boolean {
  return score[a] < score[b] || (score[a] === score[b] && a > b);
}

function siftDown(heap: Int32Array, size: number, score: ArrayLike<number>, from: number): void {
  let i = from;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && worse(score, heap[l], heap[m])) m = l;
    if (r < size && worse(score, heap[r], heap[m])) m = r;
    if (m === i) return;
    const t = heap[i];
    heap[i] = heap[m];
    heap[m] = t;
    i = m;
  }
}

/**
 * The k best of `ids` by `score[id]`, best first: score descending, ties by id ascending.
 * @param ids candidate ids (distinct), e.g. dense item ids.
 * @param score score per id, indexed by id.
 * @param k how many to keep (≥ 0).
 * @returns min(k, ids.length) ids.
 */
export function topByScore(ids: ArrayLike<number>, score: ArrayLike<number>, k: number): Int32Array {
  const cap = Math.min(k, ids.length);
  const heap = new Int32Array(cap);
  let size = 0;
  for (let p = 0; p < ids.length; p++) {
    const id = ids[p];
    if (size < cap) {
      heap[size++] = id;
      if (size === cap) for (let i = (cap >> 1) - 1; i >= 0; i--) siftDown(heap, cap, score, i);
    } else if (cap > 0 && worse(score, heap[0], id)) {
      heap[0] = id;
      siftDown(heap, cap, score, 0);
    }
  }
  return heap.sort((a, b) => score[b] - score[a] || a - b);
}
