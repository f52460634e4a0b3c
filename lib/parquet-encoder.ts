/**
 * Where Arrow tables are encoded as Parquet: on the calling thread, or on a
 * worker thread (`parquet-worker.ts` on `worker-pool.ts`) so that the encoding
 * of one table overlaps the work that produces the next. Tables cross to the
 * thread as the chunks of an Arrow IPC stream whose large buffers are moved, not
 * copied, and the Parquet bytes come back moved.
 */
import { RecordBatchStreamWriter, Table, tableFromArrays } from 'apache-arrow';
import { join } from 'node:path';
import { availableCpus } from './cpus';
import { tableToParquet } from './parquet';
import type { ParquetCompression } from './parquet-ipc';
import { startPool, type WorkerPool } from './worker-pool';

/** Encodes tables as Parquet files (`parquet.ts`). */
export interface ParquetEncoder {
  /** Threads of its own that it encodes on: 0 when it encodes on the calling thread. */
  readonly threads: number;
  /**
   * One table → one Parquet file. An encoder on a thread of its own takes over
   * the table's large buffers (they are moved to its thread, see
   * {@link MOVED_BUFFER_BYTES}): the caller must not use the table afterwards,
   * and its buffers must not back anything else still in use.
   * @throws Error from parquet-wasm (rejected) when the table cannot be encoded.
   */
  encode(table: Table, compression?: ParquetCompression): Promise<Uint8Array>;
  /** Stops its threads once the tasks it started itself are done; call it when no `encode` is pending, and not `encode` afterwards. */
  close(): Promise<void>;
}

/** Encodes on the calling thread. */
export const CALLING_THREAD_ENCODER: ParquetEncoder = {
  threads: 0,
  encode: async (table, compression) => tableToParquet(table, compression),
  close: async () => undefined,
};

/**
 * Encoder threads worth starting on this machine: 1 when the process may use 2
 * CPUs or more (the encoding then overlaps the parsing), else 0.
 * @param cpus the CPUs this process may use (`availableCpus()` by default).
 */
export function defaultEncoderThreads(cpus: number = availableCpus()): number {
  return cpus > 1 ? 1 : 0;
}

/** A task of `parquet-worker.ts`: one table as the chunks of an Arrow IPC stream, in order, and the codec. */
export interface ParquetTask {
  ipc: Uint8Array[];
  compression: ParquetCompression;
}

/**
 * Buffers of at least this many bytes move to the encoder thread; smaller ones
 * (message headers, padding, Node's pooled `Buffer` slabs of 8 KiB) are copied.
 */
export const MOVED_BUFFER_BYTES = 64 * 1024;

/** An Arrow IPC stream writer that keeps the chunks it writes instead of joining them into one copy. */
class ChunkedStreamWriter extends RecordBatchStreamWriter {
  readonly chunks: Uint8Array[] = [];

  protected override _write(chunk: ArrayBufferView): this {
    if (this._started && chunk.byteLength > 0) this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    return super._write(chunk);
  }
}

/**
 * A table as an Arrow IPC stream (the bytes of `tableToIPC(table, 'stream')`),
 * left in the writer's chunks: the column buffers are the table's own, not copies.
 */
export function ipcChunks(table: Table): Uint8Array[] {
  const writer = new ChunkedStreamWriter();
  writer.writeAll(table);
  return writer.chunks;
}

/** The distinct buffers of at least {@link MOVED_BUFFER_BYTES} that `chunks` view: the transfer list of a task. */
export function largeBuffers(chunks: readonly Uint8Array[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const c of chunks) if (c.buffer.byteLength >= MOVED_BUFFER_BYTES) buffers.add(c.buffer as ArrayBuffer);
  return [...buffers];
}

/**
 * An encoder on `threads` worker threads of its own, started now (so that they
 * load while the caller works towards its first table); tables queue in the
 * order of the `encode` calls.
 * @throws RangeError for a thread count below 1.
 */
export function workerEncoder(threads: number): ParquetEncoder {
  const pool: WorkerPool<ParquetTask, Uint8Array> = startPool(join(__dirname, 'parquet-worker'), { threads });
  // A first table of no rows loads and compiles parquet-wasm on each thread before real work arrives.
  const warmUp = ipcChunks(tableFromArrays({ warm_up: new Int32Array(0) }));
  const warming = Array.from({ length: threads }, () => pool.run({ ipc: warmUp, compression: 'zstd' }).catch(() => undefined));
  return {
    threads,
    async encode(table, compression = 'zstd') {
      const ipc = ipcChunks(table);
      return pool.run({ ipc, compression }, { transferList: largeBuffers(ipc) });
    },
    async close() {
      // A thread destroyed mid-task answers a task the pool no longer knows, which the pool throws on.
      await Promise.all(warming);
      await pool.destroy();
    },
  };
}
