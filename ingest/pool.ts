/**
 * A pool of ingest worker threads (`worker.ts` on `lib/worker-pool.ts`), so
 * several raw objects are parsed, typed and encoded at once on a multi-core
 * machine. The calling thread keeps all I/O and the decompression layer (with
 * the lzop codec registry); a worker receives an object's decompressed bytes
 * over a message channel of its own and sends back Parquet parts. Flow control:
 * at most {@link IN_FLIGHT} blocks per object are sent ahead of the worker, so
 * memory stays bounded whatever the object size.
 */
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { DatasetConfig } from '../lib/config-types';
import { startPool, type WorkerPool } from '../lib/worker-pool';
import { TypeCsvOptions } from './ingest';
import { EncodedBatch } from './parts';
import { IngestCounts } from './typing';
import { FromWorker, IngestTask, ToWorker, errorFromData } from './worker-protocol';

/** Decompressed blocks sent to a worker ahead of the one it is working on. */
export const IN_FLIGHT = 2;

/** An ingest worker thread that died or exited unexpectedly. */
export class IngestWorkerError extends Error {
  constructor(readonly objectKey: string, detail: string, options?: { cause?: unknown }) {
    super(`${objectKey}: ingest worker thread failed: ${detail}`, options);
    this.name = 'IngestWorkerError';
  }
}

type Inboxed = FromWorker | { type: 'crash'; error: Error };

/** Messages of one object's channel, as an async pull queue. */
class Inbox {
  private readonly items: Inboxed[] = [];
  private wake: (() => void) | undefined;

  push(item: Inboxed): void {
    this.items.push(item);
    this.wake?.();
  }

  async next(): Promise<Inboxed> {
    while (this.items.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.items.shift()!;
  }
}

export class IngestWorkerPool {
  private readonly pool: WorkerPool<IngestTask, void>;

  /**
   * Starts `size` worker threads (from the build or, under ts-jest, the TypeScript sources).
   * @param size worker threads (≥ 1); at most `size` objects run at once.
   * @throws RangeError for a size below 1.
   */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be an integer >= 1, found ${size}`);
    this.pool = startPool(join(__dirname, 'worker'), { threads: size });
  }

  /**
   * Runs the stage after decompression (`typeCsv`) and the Parquet encoding of
   * one object on a worker thread.
   * @param blocks the object's decompressed bytes (e.g. `decompress(...)`); its errors end the run and are rethrown as they are.
   * @returns the encoded batches in order; the return value is the object's counts.
   * @throws the stage's typed errors (HeaderMismatchError, EmptyObjectError,
   *   CsvRecordTooLongError, UnreadableTimesError, …) rebuilt on this thread;
   *   IngestWorkerError naming the object when the thread dies.
   */
  async *run(objectKey: string, blocks: AsyncIterable<Uint8Array>, config: DatasetConfig, options: TypeCsvOptions): AsyncGenerator<EncodedBatch, IngestCounts> {
    const { port1, port2 } = new MessageChannel();
    const stopWorker = new AbortController();
    const inbox = new Inbox();
    let credits = IN_FLIGHT;
    let creditWake: (() => void) | undefined;
    let settled = false; // the worker answered done or error: its task is over
    port1.on('message', (m: FromWorker) => {
      if (m.type === 'ack') {
        credits++;
        creditWake?.();
      } else inbox.push(m);
    });
    const task: IngestTask = { objectKey, config, options, port: port2 };
    this.pool.run(task, { transferList: [port2], signal: stopWorker.signal }).catch((error: Error) => inbox.push({ type: 'crash', error }));
    const send = (m: ToWorker) => port1.postMessage(m);
    // Feeder: sends blocks as the worker takes them.
    let stop = false;
    let feedError: unknown;
    void (async () => {
      try {
        for await (const bytes of blocks) {
          while (credits === 0 && !stop) await new Promise<void>((resolve) => (creditWake = resolve));
          if (stop) return;
          credits--;
          send({ type: 'block', bytes });
        }
        send({ type: 'end' });
      } catch (error) {
        feedError = error;
        inbox.push({ type: 'crash', error: error as Error });
      }
    })();
    try {
      for (;;) {
        const m = await inbox.next();
        if (m.type === 'part') yield { clean: m.clean, rejects: m.rejects };
        else if (m.type === 'done') {
          settled = true;
          return m.counts;
        } else if (m.type === 'error') {
          settled = true;
          throw errorFromData(m.error);
        }
        else if (m.type === 'crash') {
          // An error of the block source (e.g. LzopFormatError, CompressedDataError) is the object's error, as it is.
          if (m.error === feedError) throw m.error;
          throw new IngestWorkerError(objectKey, m.error.message, { cause: m.error });
        }
      }
    } finally {
      stop = true;
      creditWake?.();
      port1.close();
      // A worker stopped mid-object (a failed block source, an early return) holds that object's state: the pool replaces it.
      if (!settled) stopWorker.abort();
    }
  }

  /** Stops every worker thread. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
