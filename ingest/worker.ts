/**
 * Ingest worker thread (see `pool.ts`): for each object it is given, receives
 * the decompressed CSV bytes over the object's port, runs the pure stage
 * (`typeCsv`) and the Parquet encoding on them, and posts the parts and counts
 * back on the same port.
 */
import type { MessagePort } from 'node:worker_threads';
import { typeCsv } from './ingest';
import { encodeBatches } from './parts';
import { FromWorker, IngestTask, ToWorker, errorToData } from './worker-protocol';
import { wholeBuffer } from '../lib/worker-pool';

/** Blocks of the current object, handed to the stage as an async iterable; acknowledges each block it hands out. */
class BlockQueue {
  private readonly blocks: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly ack: () => void) {}

  push(bytes: Uint8Array): void {
    this.blocks.push(bytes);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.blocks.shift();
      if (next !== undefined) {
        this.ack();
        yield next;
      } else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Ingests one object: its blocks arrive on `task.port`, its parts, counts or
 * error (as data, so typed errors keep their class) leave on it.
 */
export default async function ingestObject(task: IngestTask): Promise<void> {
  const port: MessagePort = task.port;
  const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const blocks = new BlockQueue(() => post({ type: 'ack' }));
  port.on('message', (m: ToWorker) => (m.type === 'block' ? blocks.push(m.bytes) : blocks.end()));
  try {
    const parts = encodeBatches(typeCsv(task.objectKey, blocks, task.config, task.options));
    for (let r = await parts.next(); ; r = await parts.next()) {
      if (r.done) {
        post({ type: 'done', counts: r.value });
        return;
      }
      post({ type: 'part', clean: r.value.clean, rejects: r.value.rejects }, [...wholeBuffer(r.value.clean), ...wholeBuffer(r.value.rejects)]);
    }
  } catch (e) {
    post({ type: 'error', error: errorToData(e) });
  } finally {
    port.close();
  }
}
