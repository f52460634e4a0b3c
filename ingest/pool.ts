/**
 * A pool of ingest worker threads (`worker.ts`), so several raw objects are
 * parsed, typed and encoded at once on a multi-core machine. The calling thread
 * keeps all I/O and the decompression layer (with the lzop codec registry); a worker receives
 * an object's decompressed bytes and returns Parquet parts. Flow control: at
 * most {@link IN_FLIGHT} blocks per object are sent ahead of the worker, so
 * memory stays bounded whatever the object size.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { Worker } from 'worker_threads';
import { DatasetConfig } from '../lib/config-types';
import { TypeCsvOptions } from './ingest';
import { EncodedBatch } from './parts';
import { IngestCounts } from './typing';
import { FromWorker, ToWorker, errorFromData } from './worker-protocol';

/** Decompressed blocks sent to a worker ahead of the one it is working on. */
export const IN_FLIGHT = 2;

/** The compiled worker script; present when running from `dist/` (not under ts-jest, which runs the TypeScript sources). */
export const WORKER_SCRIPT = join(__dirname, 'worker.js');

/** An ingest worker thread that died or exited unexpectedly. */
export class IngestWorkerError extends Error {
  constructor(readonly objectKey: string, detail: string, options?: { cause?: unknown }) {
    super(`${objectKey}: ingest worker thread failed: ${detail}`, options);
    this.name = 'IngestWorkerError';
  }
}

/** True when the compiled worker script is available next to this module. */
export function workersAvailable(): boolean {
  return existsSync(WORKER_SCRIPT);
}

/** Messages of one worker, as an async pull queue. */
class Inbox {
  private readonly items: (FromWorker | { type: 'crash'; error: Error })[] = [];
  private wake: (() => void) | undefined;

  push(item: FromWorker | { type: 'crash'; error: Error }): void {
    this.items.push(item);
    this.wake?.();
  }

  async next(): Promise<FromWorker | { type: 'crash'; error: Error }> {
    while (this.items.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.items.shift()!;
  }
}

export class IngestWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly all = new Set<Worker>();

  /**
   * @param size worker threads (≥ 1), started lazily.
   * @throws RangeError for a size below 1; Error when the compiled worker script is missing.
   */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be an integer >= 1, found ${size}`);
    if (!workersAvailable()) throw new Error(`ingest worker script ${WORKER_SCRIPT} not found (expected the compiled dist/ build)`);
  }

  /**
   * Runs the stage after decompression (`typeCsv`) and the Parquet encoding of
   * one object on a worker thread.
   * @param blocks the object's decompressed bytes (e.g. `decompress(...)`); its errors end the run and are rethrown as they are.
   * @returns the encoded batches in order; the return value is the object's counts.
   * @throws the stage's typed errors (HeaderMismatchError, EmptyObjectError,
   *   CsvRecordTooLongError, UnreadableTimesError, …) rebuilt on this thread; IngestWorkerError when the thread dies.
   */
  async *run(objectKey: string, blocks: AsyncIterable<Uint8Array>, config: DatasetConfig, options: TypeCsvOptions): AsyncGenerator<EncodedBatch, IngestCounts> {
    const worker = await this.acquire();
    const inbox = new Inbox();
    let credits = IN_FLIGHT;
    let creditWake: (() => void) | undefined;
    let finished = false;
    const onMessage = (m: FromWorker) => {
      if (m.type === 'ack') {
        credits++;
        creditWake?.();
      } else inbox.push(m);
    };
    const onError = (error: Error) => inbox.push({ type: 'crash', error });
    const onExit = (code: number) => inbox.push({ type: 'crash', error: new Error(`exited with code ${code}`) });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const send = (m: ToWorker) => worker.postMessage(m);
    send({ type: 'start', objectKey, config, options });
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
          finished = true;
          return m.counts;
        } else if (m.type === 'error') throw errorFromData(m.error);
        else if (m.type === 'crash') {
          // An error of the block source (e.g. LzopFormatError, CompressedDataError) is the object's error, as it is.
          if (m.error === feedError) throw m.error;
          throw new IngestWorkerError(objectKey, m.error.message, { cause: m.error });
        }
      }
    } finally {
      stop = true;
      creditWake?.();
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // A worker stopped mid-object holds that object's state: replace it.
      if (finished) this.release(worker);
      else {
        this.all.delete(worker);
        void worker.terminate();
        this.release(undefined);
      }
    }
  }

  /** Stops every worker thread. */
  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private async acquire(): Promise<Worker> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.size < this.size) {
      const w = new Worker(WORKER_SCRIPT);
      this.all.add(w);
      return w;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Returns a worker to the pool (or, for `undefined`, frees its slot). */
  private release(worker: Worker | undefined): void {
    const waiter = this.waiting.shift();
    if (waiter) {
      if (worker) waiter(worker);
      else {
        const w = new Worker(WORKER_SCRIPT);
        this.all.add(w);
        waiter(w);
      }
    } else if (worker) this.idle.push(worker);
  }
}
