/**
 * Where Arrow tables are encoded as Parquet: on the calling thread, or on a
 * worker thread (`parquet-worker.ts` on `worker-pool.ts`) so that the encoding
 * of one table overlaps the work that produces the next. Tables cross to the
 * thread as Arrow IPC streams and the Parquet bytes come back moved, not copied.
 */
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { join } from 'node:path';
import { availableCpus } from './cpus';
import { ParquetCompression, tableToParquet } from './parquet';
import { startPool, wholeBuffer, type WorkerPool } from './worker-pool';

/** Encodes tables as Parquet files (`parquet.ts`). */
export interface ParquetEncoder {
  /** Threads of its own that it encodes on: 0 when it encodes on the calling thread. */
  readonly threads: number;
  /**
   * One table → one Parquet file.
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

/** A task of `parquet-worker.ts`: one table as an Arrow IPC stream, and the codec. */
export interface ParquetTask {
  ipc: Uint8Array;
  compression: ParquetCompression;
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
  const warmUp = tableToIPC(tableFromArrays({ warm_up: new Int32Array(0) }), 'stream');
  const warming = Array.from({ length: threads }, () => pool.run({ ipc: warmUp, compression: 'zstd' }).catch(() => undefined));
  return {
    threads,
    async encode(table, compression = 'zstd') {
      const ipc = tableToIPC(table, 'stream');
      return pool.run({ ipc, compression }, { transferList: wholeBuffer(ipc) });
    },
    async close() {
      // A thread destroyed mid-task answers a task the pool no longer knows, which the pool throws on.
      await Promise.all(warming);
      await pool.destroy();
    },
  };
}
