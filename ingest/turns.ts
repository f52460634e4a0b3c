/**
 * Turns on the calling thread, taken one at a time in the order asked for: the
 * lanes of `ingestAll` parse one object at a time, so that one object's parsing
 * overlaps the other's encoding rather than both waiting on the encoder together.
 */
export class Turns {
  private last: Promise<void> = Promise.resolve();

  /** Waits for the turns asked for before; resolves with the function that ends this one. */
  private take(): Promise<() => void> {
    let end!: () => void;
    const mine = new Promise<void>((resolve) => (end = resolve));
    const before = this.last;
    this.last = before.then(() => mine);
    return before.then(() => end);
  }

  /**
   * `source` run in one turn: the turn is taken before its first value and ends
   * when it is done, throws or is returned early.
   */
  async *inTurn<T, R>(source: AsyncGenerator<T, R>): AsyncGenerator<T, R> {
    const end = await this.take();
    try {
      return yield* source;
    } finally {
      end();
    }
  }
}
