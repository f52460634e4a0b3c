/**
 * The forward pass over several threads: this thread and `threads − 1` worker
 * threads (`forward-worker.ts`), each with its own TF.js backend and a copy of
 * the network, take one contiguous chunk of a feature set's rows each. The
 * wasm backend runs a matrix product on one thread, so this is how scoring
 * uses more than one core. Outputs are those of `predictRaw` (same code, same
 * backend).
 */
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { startWorker } from '../lib/worker';
import type { BackendName } from './backend';
import { forwardRows, type ForwardRows } from './forward';
import { ForwardInput } from './forward-input';
import { networkWeights, readForwardNetwork, type ForwardNetwork, type NetworkWeights } from './forward-network';
import { checkFeatureColumns, DEFAULT_BATCH_ROWS, type Vocabulary } from './predict';
import type { Preprocessing } from './preprocess';

/** Chunks each worker thread has in flight, so it never waits for this thread to hand out the next. */
const CHUNKS_AHEAD = 2;

/** What a worker starts with. */
export interface ForwardWorkerData {
  weights: NetworkWeights;
  preprocessing: Preprocessing;
  vocab: Vocabulary;
  batchRows: number;
  /** The backend of the opening thread, so every thread computes alike. */
  backend: BackendName;
}

/** Pool → worker: a chunk of rows. */
export type ToForwardWorker = ForwardRows & { id: number };

/** Worker → pool. */
export type FromForwardWorker = { type: 'ready' } | { type: 'out'; id: number; out: Float32Array } | { type: 'error'; id?: number; message: string };

/** A forward worker thread failed to start, failed on a chunk or died. */
export class ForwardWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForwardWorkerError';
  }
}

/** One worker thread and its pending chunks. */
class ForwardThread {
  private readonly pending = new Map<number, { resolve: (out: Float32Array) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: FromForwardWorker) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'out') this.settle(m.id, m.out);
        else if (m.id === undefined) reject(new ForwardWorkerError(`forward worker failed to start: ${m.message}`));
        else this.settle(m.id, new ForwardWorkerError(`forward worker failed on a chunk: ${m.message}`));
      });
      const fail = (error: Error): void => {
        this.failure = error;
        reject(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      };
      worker.on('error', (e) => fail(new ForwardWorkerError(`forward worker died: ${e.message}`)));
      worker.on('exit', (code) => fail(new ForwardWorkerError(`forward worker exited with code ${code}`)));
    });
    this.ready.catch(() => undefined); // observed by open(); later failures reach run()
  }

  private settle(id: number, result: Float32Array | Error): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (result instanceof Error) p?.reject(result);
    else p?.resolve(result);
  }

  /** Outputs of rows [from, to) of `fs` (d features per row), computed on the thread (the rows are copied to it). */
  run(fs: ForwardRows, d: number, from: number, to: number): Promise<Float32Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // Copies of the chunk, whose buffers are then moved to the worker.
    const values = new Float32Array(fs.values.subarray(from * d, to * d));
    const item = new Int32Array(fs.item.subarray(from, to));
    const customer = new Int32Array(fs.customer.subarray(from, to));
    const rows: ToForwardWorker = { id: this.nextId++, n: to - from, values, item, customer };
    return new Promise((resolve, reject) => {
      this.pending.set(rows.id, { resolve, reject });
      this.worker.postMessage(rows, [values.buffer, item.buffer, customer.buffer]);
    });
  }
}

/** A network's forward pass over this thread and `threads − 1` worker threads. */
export class ForwardPool {
  private constructor(
    private readonly net: ForwardNetwork,
    private readonly input: ForwardInput,
    private readonly pre: Preprocessing,
    private readonly batchRows: number,
    private readonly threads: ForwardThread[],
  ) {}

  /**
   * Reads the network of `model` and starts the worker threads (each loads the
   * backend in use and a copy of the weights: O(weights) memory per thread).
   * The model must not change while the pool is open.
   * @param options.threads threads in all, this one included (≥ 1; 1 starts no worker).
   * @param options.batchRows rows per forward batch, and per chunk handed to a thread, {@link DEFAULT_BATCH_ROWS} by default.
   * @throws UnsupportedModelError naming the layer when the model is not of `buildModel`'s form.
   * @throws RangeError for a thread count below 1; ForwardWorkerError when a worker
   *   cannot start.
   */
  static async open(model: tf.LayersModel, pre: Preprocessing, vocab: Vocabulary, options: { threads: number; batchRows?: number }): Promise<ForwardPool> {
    const { threads } = options;
    const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`forward threads must be an integer >= 1, found ${threads}`);
    const net = readForwardNetwork(model);
    const input = new ForwardInput(net, pre, vocab);
    const data: ForwardWorkerData = { weights: networkWeights(net), preprocessing: pre, vocab, batchRows, backend: tf.getBackend() as BackendName };
    const workers = Array.from({ length: threads - 1 }, () => new ForwardThread(startWorker(join(__dirname, 'forward-worker'), { workerData: data })));
    const pool = new ForwardPool(net, input, pre, batchRows, workers);
    try {
      await Promise.all(workers.map((w) => w.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /**
   * Uncalibrated outputs for every row of `fs`, in row order, as `predictRaw` gives them.
   * The rows go out in chunks of `batchRows` to whichever thread is free (each
   * worker keeps {@link CHUNKS_AHEAD} in flight), so a thread slowed by other
   * work on the machine takes fewer.
   * @param out float32 of length ≥ `fs.n` to write into (a new array by default).
   * @throws FeatureMismatchError when `fs.names` differ from the preprocessing's feature names.
   * @throws ForwardWorkerError when a worker thread fails.
   */
  async predict(fs: FeatureSet, out: Float32Array = new Float32Array(fs.n)): Promise<Float32Array> {
    checkFeatureColumns(this.pre, fs);
    const d = fs.names.length;
    let next = 0;
    const take = (): [number, number] | undefined => {
      if (next >= fs.n) return undefined;
      const from = next;
      next = Math.min(fs.n, next + this.batchRows);
      return [from, next];
    };
    const feed = async (thread: ForwardThread): Promise<void> => {
      for (let chunk = take(); chunk !== undefined; chunk = take()) out.set(await thread.run(fs, d, chunk[0], chunk[1]), chunk[0]);
    };
    const remote = Promise.all(this.threads.flatMap((t) => Array.from({ length: CHUNKS_AHEAD }, () => feed(t))));
    remote.catch(() => undefined); // awaited below; no unhandled rejection should this thread's part throw first
    for (let chunk = take(); chunk !== undefined; chunk = take()) {
      const [from, to] = chunk;
      const rows = { n: to - from, values: fs.values.subarray(from * d, to * d), item: fs.item.subarray(from, to), customer: fs.customer.subarray(from, to) };
      forwardRows(this.net, this.input, rows, this.batchRows, out.subarray(from, to));
      if (this.threads.length > 0) await new Promise((resolve) => setImmediate(resolve)); // let finished workers take their next chunk
    }
    await remote;
    return out;
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
