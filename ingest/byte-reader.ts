/**
 * Exact-length reads over a stream of byte chunks of any size, pulling only as
 * many chunks as a read needs (bounded memory). The binary container readers
 * use it so they never see chunk boundaries.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly chunks: Uint8Array[] = [];
  /** Read position inside `chunks[0]`. */
  private head = 0;
  /** Unread bytes held in `chunks`. */
  private buffered = 0;
  private exhausted = false;
  private consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Absolute offset (bytes from the start of the stream) of the next unread byte. */
  get offset(): number {
    return this.consumed;
  }

  /** Buffers at least `n` unread bytes unless the stream ends first; returns the bytes available (≤ n when it ended). */
  private async fill(n: number): Promise<number> {
    while (this.buffered < n && !this.exhausted) {
      const next = await this.iterator.next();
      if (next.done) this.exhausted = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    return Math.min(n, this.buffered);
  }

  /**
   * Reads the next `n` bytes. The result is shorter than `n` only when the stream
   * ended first (callers report that as truncation). A read inside one chunk is a
   * zero-copy view; the caller must not keep it past the next chunk's reuse by
   * the source (sources here hand out fresh chunks).
   */
  async read(n: number): Promise<Uint8Array> {
    const available = await this.fill(n);
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= available) {
      const out = first.subarray(this.head, this.head + available);
      this.advance(available);
      return out;
    }
    const out = new Uint8Array(available);
    let filled = 0;
    while (filled < available) {
      const chunk = this.chunks[0];
      const take = Math.min(chunk.length - this.head, available - filled);
      out.set(chunk.subarray(this.head, this.head + take), filled);
      filled += take;
      this.advance(take);
    }
    return out;
  }

  /**
   * The unread bytes of the chunk at the read position, without reading them: a
   * zero-copy view (same caveat as {@link read}), empty only when the stream has
   * ended. For a consumer that takes what it can and learns only afterwards how
   * much it took; it then reads that many with {@link read}.
   */
  async peek(): Promise<Uint8Array> {
    await this.fill(1);
    return this.chunks[0]?.subarray(this.head) ?? new Uint8Array(0);
  }

  /** True when every byte of the stream has been read. */
  async atEnd(): Promise<boolean> {
    return (await this.fill(1)) === 0;
  }

  private advance(n: number): void {
    this.head += n;
    this.buffered -= n;
    this.consumed += n;
    while (this.chunks.length > 0 && this.head >= this.chunks[0].length) {
      this.head -= this.chunks[0].length;
      this.chunks.shift();
    }
  }
}

/**
 * `reader.read(n)` that must get all `n` bytes: a read that meets the end of the
 * stream first calls `fail(offset, 'truncated <what>: expected n bytes, found m before
 * the end of the object')` with the offset the read started at.
 * @param fail throws the container's error (it never returns).
 */
export function exactReads(reader: ByteReader, fail: (offset: number, problem: string) => never): (n: number, what: string) => Promise<Uint8Array> {
  return async (n, what) => {
    const at = reader.offset;
    const bytes = await reader.read(n);
    if (bytes.length < n) fail(at, `truncated ${what}: expected ${n} bytes, found ${bytes.length} before the end of the object`);
    return bytes;
  };
}
