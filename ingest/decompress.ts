/**
 * The first layer of ingest: a raw object's bytes → its decompressed CSV bytes,
 * by the compression it is read with (`compression.ts`): lzop (`lzop.ts`), gzip
 * (`gzip.ts`), zstd (`zstd.ts`) or none. The first bytes are checked against the
 * compression's magic number before any is decoded.
 */
import { CodecRegistry } from './codec';
import type { ContentChecksum } from '../lib/catalog/ledger';
import type { ObjectCompression } from '../lib/catalog/raw-objects';
import { SNIFF_BYTES, checkMagic } from './compression';
import { readGzip } from './gzip';
import { readLzop } from './lzop';
import { readZstd } from './zstd';

/** Limits and codecs of the decompression layer. */
export interface DecompressOptions {
  /** lzop block codecs by method id (e.g. `createLzoRegistry()` from `lzo1x.ts`). */
  codecs: CodecRegistry;
  /** Largest lzop block accepted, bytes (decompression-bomb guard); `DEFAULT_MAX_BLOCK_SIZE` (1 MiB, `lzop.ts`) by default. */
  maxBlockSize?: number;
  /** Largest zstd window accepted, bytes; `DEFAULT_MAX_ZSTD_WINDOW` (8 MiB, `zstd.ts`) by default. */
  maxWindowSize?: number;
  /** Time limit of one call into the zstd decoder, ms; `DEFAULT_ZSTD_DECODE_TIMEOUT_MS` (10 s, `zstd.ts`) by default. */
  decodeTimeoutMs?: number;
}

/**
 * Decompresses one raw object. Memory is bounded whatever the compression ratio:
 * one lzop block (at most `maxBlockSize`), one 256 KiB gzip chunk, or one zstd
 * block and its window (at most `maxWindowSize`) at a time.
 * @param objectKey the raw object's key, named in errors.
 * @param chunks the raw object's bytes, in chunks of any size.
 * @param how the compression it is read with (`compressionOf`).
 * @returns the decompressed bytes, in chunks (an uncompressed object's chunks pass through as they are);
 *   the return value is the checksums verified over all of the content (`readLzop`,
 *   `readGzip`, `readZstd`), empty for an uncompressed object.
 * @throws CompressionMismatchError when the first bytes are not those of `how`;
 *   LzopFormatError, or CompressedDataError for gzip and zstd, when the data is corrupt or truncated.
 * @example for await (const bytes of decompress(key, store.getStream(key), compressionOf(key, 'auto'), { codecs })) sink(bytes);
 */
export async function* decompress(objectKey: string, chunks: AsyncIterable<Uint8Array>, how: ObjectCompression, options: DecompressOptions): AsyncGenerator<Uint8Array, ContentChecksum[]> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    const held: Uint8Array[] = [];
    let length = 0;
    let ended = false;
    while (length < SNIFF_BYTES && !ended) {
      const next = await iterator.next();
      if (next.done) ended = true;
      else {
        held.push(next.value);
        length += next.value.length;
      }
    }
    checkMagic(objectKey, how, Buffer.concat(held).subarray(0, SNIFF_BYTES));
    const bytes = (async function* replay(): AsyncGenerator<Uint8Array> {
      yield* held.splice(0);
      for (let next = ended ? undefined : await iterator.next(); next !== undefined && !next.done; next = await iterator.next()) yield next.value;
    })();
    switch (how.compression) {
      case 'lzop':
        return yield* readLzop(bytes, { objectKey, codecs: options.codecs, maxBlockSize: options.maxBlockSize });
      case 'gzip':
        return yield* readGzip(bytes, { objectKey });
      case 'zstd':
        return yield* readZstd(bytes, { objectKey, maxWindowSize: options.maxWindowSize, decodeTimeoutMs: options.decodeTimeoutMs });
    }
    // 'none': the bytes as they are, unchecked.
    yield* bytes;
    return [];
  } finally {
    await iterator.return?.();
  }
}
