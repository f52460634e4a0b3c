/**
 * Typed batches → Parquet parts: the encoding step between the pure stage and
 * the store, shared by the in-process path and the worker threads.
 */
import { CALLING_THREAD_ENCODER, ParquetEncoder } from '../lib/parquet-encoder';
import { IngestCounts, TypedBatch } from './typing';

/** One batch of an object as zstd Parquet files; a table without rows has no file. */
export interface EncodedBatch {
  clean?: Uint8Array;
  rejects?: Uint8Array;
}

/**
 * Encodes each batch's clean and rejects tables as zstd Parquet (`lib/parquet.ts`).
 * With an encoder on a thread of its own, one batch is encoded while the source
 * produces the next.
 * @param encoder where the tables are encoded; this thread by default.
 * @returns the encoded batches, in order; the return value is the source's counts.
 * @throws whatever the source or the encoder throws.
 */
export async function* encodeBatches(batches: AsyncGenerator<TypedBatch, IngestCounts>, encoder: ParquetEncoder = CALLING_THREAD_ENCODER): AsyncGenerator<EncodedBatch, IngestCounts> {
  // The batch's tables are let go of as soon as they are handed to the encoder.
  const encode = (batch: TypedBatch): Promise<EncodedBatch> => {
    const [clean, rejects] = [batch.clean, batch.rejects].map((t) => (t.numRows > 0 ? encoder.encode(t, 'zstd') : undefined));
    return Promise.all([clean, rejects]).then(([c, r]) => ({ clean: c, rejects: r }));
  };
  let pending: Promise<EncodedBatch> | undefined;
  try {
    for (;;) {
      const r = await batches.next();
      if (r.done) {
        const last = pending;
        pending = undefined;
        if (last) yield await last;
        return r.value;
      }
      // The batch before is encoded while this one was read; this one goes to the
      // encoder only once that is done, so one batch at a time is in its hands.
      if (pending) {
        const previous = pending;
        pending = undefined;
        yield await previous;
      }
      pending = encode(r.value);
      pending.catch(() => undefined); // observed when awaited; a source error may come first
    }
  } finally {
    // Nothing is left encoding when this ends, whatever ended it (the encoder may be closed next).
    await pending?.catch(() => undefined);
    await batches.return({ read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} });
  }
}
