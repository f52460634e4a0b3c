/**
 * The forward pass over several threads: this thread and `threads − 1` pool
 * threads (`forward-worker.ts` on `lib/worker-pool.ts`), each with its own
 * TF.js backend and a copy of the network, take one contiguous chunk of a
 * feature set's rows each. The wasm backend runs a matrix product on one
 * thread, so this is how scoring uses more than one core. Outputs are those of
 * `predictRaw` (same code, same backend).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../features/types';
import { startPool, type WorkerPool } from '../lib/worker-pool';
import type { BackendName } from './backend';
import { forwardRows, type ForwardRows } from './forward';
import { ForwardInput } from './forward-input';
import { networkWeights, readForwardNetwork, type ForwardNetwork, type NetworkWeights } from './forward-network';
import { checkFeatureColumns, DEFAULT_BATCH_ROWS, type Vocabulary } from './predict';
import type { Preprocessing } from './preprocess';

/** Chunks each pool thread has in flight, so it never waits for this thread to hand out the next. */
const CHUNKS_AHEAD = 2;

/** What every forward worker thread holds (its `workerData`). */
export interface ForwardWorkerData {
  weights: NetworkWeights;
  preprocessing: Preprocessing;
  vocab: Vocabulary;
  batchRows: number;
  /** The backend of the opening thread, so every thread computes alike. */
  backend: BackendName;
}

/** A forward worker thread failed to start, failed on a chunk or died. */
export class ForwardWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForwardWorkerError';
  }
}

/** Rows [from, to) of `fs` (d features per row), copied so their buffers can move to a pool thread. */
function chunkOf(fs: ForwardRows, d: number, from: number, to: number): { rows: ForwardRows; transferList: ArrayBuffer[] } {
  const rows = { n: to - from, values: fs.values.slice(from * d, to * d), item: fs.item.slice(from, to), customer: fs.customer.slice(from, to) };
  return { rows, transferList: [rows.values.buffer, rows.item.buffer, rows.customer.buffer] };
}

/** A network's forward pass over this thread and `threads − 1` worker threads. */
export class ForwardPool {
  private constructor(
    private readonly net: ForwardNetwork,
    private readonly input: ForwardInput,
    private readonly pre: Preprocessing,
    private readonly batchRows: number,
    private readonly pool: WorkerPool<ForwardRows, Float32Array> | undefined,
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
    const workers = threads - 1;
    const pool = new ForwardPool(net, input, pre, batchRows, workers < 1 ? undefined : startPool(join(__dirname, 'forward-worker'), { threads: workers, tasksPerThread: CHUNKS_AHEAD, workerData: data }));
    try {
      // An empty chunk per thread: the threads load their backend and network now, and one that cannot fails here.
      const empty = { n: 0, values: new Float32Array(0), item: new Int32Array(0), customer: new Int32Array(0) };
      await Promise.all(Array.from({ length: workers }, () => pool.run(empty, 0, 0, 0)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Outputs of rows [from, to) of `fs` (d features per row) computed on a pool thread. */
  private run(fs: ForwardRows, d: number, from: number, to: number): Promise<Float32Array> {
    const { rows, transferList } = chunkOf(fs, d, from, to);
    return this.pool!.run(rows, { transferList }).catch((error: Error) => {
      throw new ForwardWorkerError(`forward worker failed on rows [${from}, ${to}): ${error.message}`, { cause: error });
    });
  }

  /**
   * Uncalibrated outputs for every row of `fs`, in row order, as `predictRaw` gives them.
   * The rows go out in chunks of `batchRows` to whichever thread is free (each
   * pool thread keeps {@link CHUNKS_AHEAD} in flight), so a thread slowed by other
   * work on the machine takes fewer.
   * @param out float32 of length ≥ `fs.n` to write into (a new array by default).
   * @throws FeatureMismatchError when `fs.names` differ from the preprocessing's feature names.
   * @throws ForwardWorkerError naming the rows when a pool thread fails.
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
    const feed = async (): Promise<void> => {
      for (let chunk = take(); chunk !== undefined; chunk = take()) out.set(await this.run(fs, d, chunk[0], chunk[1]), chunk[0]);
    };
    const feeders = this.pool === undefined ? 0 : this.pool.threads.length * CHUNKS_AHEAD;
    const remote = Promise.all(Array.from({ length: feeders }, feed));
    remote.catch(() => undefined); // awaited below; no unhandled rejection should this thread's part throw first
    for (let chunk = take(); chunk !== undefined; chunk = take()) {
      const [from, to] = chunk;
      const rows = { n: to - from, values: fs.values.subarray(from * d, to * d), item: fs.item.subarray(from, to), customer: fs.customer.subarray(from, to) };
      forwardRows(this.net, this.input, rows, this.batchRows, out.subarray(from, to));
      if (feeders > 0) await new Promise((resolve) => setImmediate(resolve)); // let finished threads take their next chunk
    }
    await remote;
    return out;
  }

  /** Stops the pool threads. */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
