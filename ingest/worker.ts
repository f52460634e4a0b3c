/**
 * Entry point of an ingest worker thread (see `pool.ts`): receives one object's
 * decompressed CSV bytes at a time, runs the pure stage (`typeCsv`) and the
 * Parquet encoding on them, and posts the parts and counts back.
 */
import { parentPort } from 'worker_threads';
import { typeCsv } from './ingest';
import { encodeBatches } from './parts';
import { FromWorker, ToWorker, errorToData } from './worker-protocol';

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

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

/** The buffer of `bytes` when it may be transferred (it spans the whole buffer). */
const whole = (bytes: Uint8Array | undefined): ArrayBuffer[] =>
  bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer as ArrayBuffer] : [];

let queue: BlockQueue | undefined;

async function run(start: Extract<ToWorker, { type: 'start' }>, blocks: BlockQueue): Promise<void> {
  try {
    const parts = encodeBatches(typeCsv(start.objectKey, blocks, start.config, start.options));
    for (let r = await parts.next(); ; r = await parts.next()) {
      if (r.done) {
        post({ type: 'done', counts: r.value });
        return;
      }
      post({ type: 'part', clean: r.value.clean, rejects: r.value.rejects }, [...whole(r.value.clean), ...whole(r.value.rejects)]);
    }
  } catch (e) {
    post({ type: 'error', error: errorToData(e) });
  }
}

parentPort!.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    queue = new BlockQueue(() => post({ type: 'ack' }));
    void run(message, queue);
  } else if (message.type === 'block') queue!.push(message.bytes);
  else queue!.end();
});
