/**
 * Typed batches → Parquet parts: the encoding step between the pure stage and
 * the store, shared by the in-process path and the worker threads.
 */
import { tableToParquet } from '../lib/parquet';
import { IngestCounts, TypedBatch } from './typing';

/** One batch of an object as zstd Parquet files; a table without rows has no file. */
export interface EncodedBatch {
  clean?: Uint8Array;
  rejects?: Uint8Array;
}

/**
 * Encodes each batch's clean and rejects tables as zstd Parquet (`lib/parquet.ts`).
 * @returns the encoded batches, in order; the return value is the source's counts.
 * @throws whatever the source throws.
 */
export async function* encodeBatches(batches: AsyncGenerator<TypedBatch, IngestCounts>): AsyncGenerator<EncodedBatch, IngestCounts> {
  try {
    for (let r = await batches.next(); ; r = await batches.next()) {
      if (r.done) return r.value;
      yield {
        clean: r.value.clean.numRows > 0 ? tableToParquet(r.value.clean, 'zstd') : undefined,
        rejects: r.value.rejects.numRows > 0 ? tableToParquet(r.value.rejects, 'zstd') : undefined,
      };
    }
  } finally {
    await batches.return({ read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} });
  }
}
