/** Test helpers shared by the ingest tests: chunked sources and fixture paths. */
import { readFileSync } from 'fs';
import { join } from 'path';

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const DATA = join(__dirname, '..', '..', 'data', 'online-retail');

export function fixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, ...parts)));
}

/** Feeds `bytes` as chunks of `size` bytes (the last may be shorter), each a fresh copy. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

/** Collects an async iterable of byte chunks into one array. */
export async function concatBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * `sample.nocheck.lzo` (written by `lzop -F`: no checksums) with byte 539 of its
 * block's compressed data zeroed: `lzop -t` reports "Compressed data violation";
 * the LZO1X stream then ends 70 bytes before the 3,276 its block header declares.
 */
export function corruptWithoutChecksums(): { bytes: Uint8Array; blockAt: number } {
  const bytes = fixture('lzop', 'sample.nocheck.lzo');
  const blockAt = 34 + bytes[33] + 4; // magic + header up to the name, the name, the header checksum
  bytes[blockAt + 8 + 539] = 0;
  return { bytes, blockAt };
}
