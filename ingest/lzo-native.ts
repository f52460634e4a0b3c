/**
 * The edge that binds the native LZO1X decoder (`lzo-decompress`, an N-API
 * wrapper around FFmpeg's `av_lzo1x_decode`) to the codec registry.
 */
import { BlockCodec, CodecRegistry, LZOP_METHOD } from './codec';

/**
 * FFmpeg `AV_LZO_INPUT_PADDING` (8): the decoder may read this far past the input
 * size it is given, and the wrapper already gives it the buffer length + 8.
 */
const INPUT_PADDING = 8;

interface LzoDecompressModule {
  decompress(input: Buffer, outLen: number): Buffer;
}

/**
 * An LZO1X block codec over `lzo-decompress`. The wrapper passes
 * `inputLength + 8` to `av_lzo1x_decode`, which may itself read 8 bytes past
 * that; so each call gets a copy of the block as a view over a zero-filled
 * allocation 16 bytes longer, and every byte the decoder can touch is ours. It does
 * not report a short output (the tail is then uninitialised memory), so the
 * lzop reader's sizes and checksums decide whether a block is good.
 * @param native the loaded module; `require('lzo-decompress')` by default.
 */
export function nativeLzo1x(native: LzoDecompressModule = require('lzo-decompress') as LzoDecompressModule): BlockCodec {
  return {
    name: 'lzo1x (lzo-decompress, FFmpeg av_lzo1x_decode)',
    decompress(src: Uint8Array, dstLen: number): Uint8Array {
      const padded = new Uint8Array(src.length + 2 * INPUT_PADDING);
      padded.set(src);
      const out = native.decompress(Buffer.from(padded.buffer, 0, src.length), dstLen);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}

/**
 * A registry with the native LZO1X codec for lzop methods 1, 2 and 3
 * (LZO1X-1, LZO1X-1(15), LZO1X-999).
 */
export function createNativeLzoRegistry(): CodecRegistry {
  return new CodecRegistry().register(
    [LZOP_METHOD.lzo1x1, LZOP_METHOD.lzo1x1_15, LZOP_METHOD.lzo1x999],
    nativeLzo1x(),
  );
}
