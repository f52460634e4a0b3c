/**
 * The bounded selection heap behind every top-K of the platform: a binary
 * min-heap of int32 ids under the caller's order, holding the best `capacity`
 * ids offered with the worst of them on top. Offering n ids costs
 * O(n log capacity) time and O(capacity) memory, no full sort.
 */
export class BoundedHeap {
  /** The held ids in heap order; valid in `[0, size)`. */
  private readonly ids: Int32Array;
  /** Number of ids held. */
  size = 0;

  /**
   * @param capacity most ids held (≥ 0).
   * @param worse true when id `a` ranks below id `b`; must be a strict order for the result to be unique.
   * @throws RangeError when capacity is negative or not an integer.
   */
  constructor(
    readonly capacity: number,
    private readonly worse: (a: number, b: number) => boolean,
  ) {
    this.ids = new Int32Array(capacity);
  }

  /** Forgets every held id (capacity and order are kept). */
  clear(): void {
    this.size = 0;
  }

  /** Keeps `id` when fewer than `capacity` are held or it ranks above the worst held one (which it then replaces). */
  offer(id: number): void {
    const { ids, worse } = this;
    if (this.size < this.capacity) {
      let i = this.size++;
      ids[i] = id;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(ids[i], ids[p])) break;
        const t = ids[i];
        ids[i] = ids[p];
        ids[p] = t;
        i = p;
      }
    } else if (this.size > 0 && worse(ids[0], id)) {
      ids[0] = id;
      this.siftDown();
    }
  }

  /** Removes and returns the worst held id; popping every id gives them worst first. Undefined behaviour when empty. */
  popWorst(): number {
    const top = this.ids[0];
    this.ids[0] = this.ids[--this.size];
    this.siftDown();
    return top;
  }

  private siftDown(): void {
    const { ids, worse, size } = this;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const c = l + 1 < size && worse(ids[l + 1], ids[l]) ? l + 1 : l;
      if (!worse(ids[c], ids[i])) return;
      const t = ids[i];
      ids[i] = ids[c];
      ids[c] = t;
      i = c;
    }
  }
}
