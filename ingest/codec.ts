/**
 * Block codecs of the lzop container, behind one interface and a registry keyed
 * by lzop method id (the Arrow JS `compression/registry.ts` pattern). The
 * registry is built at the edge (see `lzo1x.ts`) and passed in, so the
 * container reader never knows which implementation decodes a block.
 */

/** A block decompressor. */
export interface BlockCodec {
  /** Implementation name for messages, e.g. `lzo1x`. */
  readonly name: string;
  /**
   * Decompresses one block.
   * @param src the compressed block (exactly `src_len` bytes; not modified).
   * @param dstLen the decompressed size the container announces.
   * @returns exactly `dstLen` bytes, every one of them decoded from `src`.
   * @throws Error when the compressed stream is invalid or does not decode to
   *   exactly `dstLen` bytes (many lzop files carry no checksums, so the codec is
   *   the only check of the compressed data).
   */
  decompress(src: Uint8Array, dstLen: number): Uint8Array;
}

/** lzop method ids (lzop 1.04 `src/conf.h`): all three are decoded by the LZO1X decoder. */
export const LZOP_METHOD = {
  /** `M_LZO1X_1`: `lzop -1 … -6`. */
  lzo1x1: 1,
  /** `M_LZO1X_1_15`: `lzop -1` with a 15-bit dictionary (older lzop). */
  lzo1x1_15: 2,
  /** `M_LZO1X_999`: `lzop -7 … -9`. */
  lzo1x999: 3,
} as const;

/** Block codecs by lzop method id. */
export class CodecRegistry {
  private readonly codecs = new Map<number, BlockCodec>();

  /**
   * Registers `codec` for each lzop method id in `methods`, replacing an earlier one.
   * @returns this registry, for chaining.
   */
  register(methods: readonly number[], codec: BlockCodec): this {
    for (const m of methods) this.codecs.set(m, codec);
    return this;
  }

  /** The codec of lzop method `method`, or `undefined` when none is registered. */
  get(method: number): BlockCodec | undefined {
    return this.codecs.get(method);
  }

  /** Registered method ids, ascending (for error messages). */
  methods(): number[] {
    return [...this.codecs.keys()].sort((a, b) => a - b);
  }
}
