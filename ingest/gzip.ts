/**
 * Streaming gzip reader (RFC 1952) over `node:zlib`: compressed chunks in,
 * decompressed chunks of at most {@link GZIP_CHUNK_BYTES} out, pulled as the
 * consumer asks for them, so memory stays bounded whatever the ratio.
 */
import { Readable, pipeline } from 'stream';
import { createGunzip } from 'zlib';
import { CompressedDataError } from './compression';
import type { ContentChecksum } from '../lib/catalog/ledger';

/** Largest decompressed chunk, bytes: 256 KiB, the size of the blocks lzop writes. */
export const GZIP_CHUNK_BYTES = 256 * 1024;

/**
 * Decompresses a gzip object: one member or several in a row (RFC 1952 §2.2),
 * each member's CRC-32 and ISIZE checked by zlib. Zero bytes after the last
 * member are ignored, as `gzip -d` does; other trailing bytes are an error.
 * @param chunks the object's bytes, in chunks of any size.
 * @param options.objectKey named in errors.
 * @returns the decompressed bytes in chunks of at most {@link GZIP_CHUNK_BYTES};
 *   the return value is `['crc32']`, which every member carries.
 * @throws CompressedDataError for a bad header, corrupt deflate data, a CRC-32 or
 *   length mismatch, or a truncated member; errors of `chunks` are rethrown as they are.
 * @example for await (const bytes of readGzip(store.getStream(key), { objectKey: key })) sink(bytes);
 */
export async function* readGzip(chunks: AsyncIterable<Uint8Array>, options: { objectKey: string }): AsyncGenerator<Uint8Array, ContentChecksum[]> {
  const source = Readable.from(chunks, { objectMode: false });
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK_BYTES });
  // pipeline() destroys both streams on the first error (and on an early return below), closing the source.
  pipeline(source, gunzip, () => undefined);
  try {
    for await (const bytes of gunzip) yield bytes as Buffer;
    return ['crc32'];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new CompressedDataError(options.objectKey, 'gzip', (e as Error).message);
    throw e;
  } finally {
    gunzip.destroy();
  }
}
