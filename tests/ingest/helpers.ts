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
