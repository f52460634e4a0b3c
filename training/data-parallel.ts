/**
 * Synchronous data-parallel training on worker threads: each thread holds a
 * replica of the network (`replica.ts`) on its own TF.js backend; every step,
 * thread k computes the gradient of its share of the step's groups, writes it
 * to its slot of a shared buffer and waits at a barrier; then every thread adds
 * the slots in the same order and applies the sum with its own Adam, so the
 * replicas stay identical (Dean et al., "Large Scale Distributed Deep
 * Networks", NeurIPS 2012, synchronous variant; an all-reduce through shared
 * memory). The slots alternate between two banks by step parity, so a fast
 * thread never overwrites a gradient another thread is still adding.
 *
 * The drawn rows and coefficients live in `SharedArrayBuffer`s that every
 * thread reads; this thread only hands out runs of steps and collects weights.
 */
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { onWorkerMessage, startWorker } from '../lib/worker';
import type { BackendName } from './backend';
import type { EpochSample } from './budget';
import type { StepCoefficients } from './loss';
import type { FlatWeights, ReplicaInit } from './replica';
import type { Trainer } from './trainer';

/** Control words of the shared `Int32Array`: barrier arrivals, barrier generation, abort flag. */
export const CONTROL = { arrived: 0, generation: 1, abort: 2, length: 3 } as const;

/** What a training worker starts with. */
export interface TrainWorkerData {
  index: number;
  threads: number;
  backend: BackendName;
  control: SharedArrayBuffer;
}

/** Pool → worker. */
export type ToTrainWorker =
  | { type: 'start'; init: ReplicaInit; gradients: SharedArrayBuffer }
  | { type: 'steps'; sample: EpochSample; coef: StepCoefficients; lr: Float32Array }
  | { type: 'weights' };

/** Worker → pool. */
export type FromTrainWorker =
  | { type: 'ready' }
  | { type: 'started'; size: number }
  | { type: 'steps'; loss: number }
  | { type: 'weights'; weights: FlatWeights }
  | { type: 'error'; message: string };

/** A training worker failed to start, failed in a step, or died. */
export class TrainWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainWorkerError';
  }
}

/**
 * Waits until all `threads` threads arrive (a generation-counting barrier over
 * `control`).
 * @throws TrainWorkerError when the abort flag is raised while waiting.
 */
export function barrier(control: Int32Array, threads: number): void {
  const generation = Atomics.load(control, CONTROL.generation);
  if (Atomics.add(control, CONTROL.arrived, 1) === threads - 1) {
    Atomics.store(control, CONTROL.arrived, 0);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    return;
  }
  while (Atomics.load(control, CONTROL.generation) === generation) {
    if (Atomics.load(control, CONTROL.abort) !== 0) throw new TrainWorkerError('training aborted: another training thread failed');
    Atomics.wait(control, CONTROL.generation, generation, 500);
  }
}

/** Groups [from, to) of step s that thread k of `threads` trains on: an even split of the step's groups. */
export function threadShare(stepStart: Int32Array, s: number, k: number, threads: number): [number, number] {
  const a = stepStart[s];
  const len = stepStart[s + 1] - a;
  return [a + Math.floor((k * len) / threads), a + Math.floor(((k + 1) * len) / threads)];
}

/** A worker thread and its one outstanding request. */
class TrainThread {
  private waiting: { type: FromTrainWorker['type']; resolve: (m: FromTrainWorker) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  readonly ready: Promise<FromTrainWorker>;

  constructor(
    readonly worker: Worker,
    onFailure: () => void,
  ) {
    this.ready = this.expect('ready');
    onWorkerMessage<FromTrainWorker>(worker, (m) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (m.type === 'error') this.fail(new TrainWorkerError(`training worker failed: ${m.message}`), onFailure);
      else if (w?.type === m.type) w.resolve(m);
      else this.fail(new TrainWorkerError(`training worker sent '${m.type}' while '${w?.type ?? 'nothing'}' was expected`), onFailure);
    });
    worker.on('error', (e) => this.fail(new TrainWorkerError(`training worker died: ${e.message}`), onFailure));
    worker.on('exit', (code) => this.fail(new TrainWorkerError(`training worker exited with code ${code}`), onFailure));
  }

  private fail(error: Error, onFailure: () => void): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.waiting?.reject(error);
    this.waiting = undefined;
    onFailure();
  }

  expect<T extends FromTrainWorker['type']>(type: T): Promise<Extract<FromTrainWorker, { type: T }>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { type, resolve: resolve as (m: FromTrainWorker) => void, reject }));
  }

  request<T extends FromTrainWorker['type']>(message: ToTrainWorker, reply: T): Promise<Extract<FromTrainWorker, { type: T }>> {
    const answer = this.expect(reply);
    if (this.failure === undefined) this.worker.postMessage(message);
    return answer;
  }
}

/** Each step spread over `threads` worker threads. */
export class DataParallelTrainer implements Trainer {
  private readonly control = new SharedArrayBuffer(CONTROL.length * 4);
  private closed = false;

  private constructor(private readonly workers: TrainThread[]) {}

  get threads(): number {
    return this.workers.length;
  }

  /**
   * Starts `threads` worker threads, each loading `backend` (one thread: a
   * network trained off the calling thread, beside other trainers).
   * @throws RangeError when `threads` is not a positive integer; TrainWorkerError when a worker cannot start.
   */
  static async open(threads: number, backend: BackendName): Promise<DataParallelTrainer> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`data-parallel training needs a positive integer of threads, found ${threads}`);
    const pool: TrainThread[] = [];
    const trainer = new DataParallelTrainer(pool);
    for (let index = 0; index < threads; index++) {
      const workerData: TrainWorkerData = { index, threads, backend, control: trainer.control };
      pool.push(new TrainThread(startWorker(join(__dirname, 'train-worker'), { workerData }), () => trainer.abort()));
    }
    try {
      await Promise.all(pool.map((t) => t.ready));
    } catch (error) {
      await trainer.close();
      throw error;
    }
    return trainer;
  }

  /** Raises the abort flag, so threads waiting at a barrier give up. */
  private abort(): void {
    Atomics.store(new Int32Array(this.control), CONTROL.abort, 1);
    Atomics.notify(new Int32Array(this.control), CONTROL.generation);
  }

  async start(init: ReplicaInit): Promise<void> {
    const size = init.weights.reduce((s, w) => s + w.length, 0);
    const gradients = new SharedArrayBuffer(2 * this.threads * size * 4);
    await Promise.all(this.workers.map((w) => w.request({ type: 'start', init, gradients }, 'started')));
  }

  async steps(sample: EpochSample, coef: StepCoefficients, lr: Float32Array): Promise<number> {
    const replies = await Promise.all(this.workers.map((w) => w.request({ type: 'steps', sample, coef, lr }, 'steps')));
    return replies.reduce((s, r) => s + r.loss, 0) / (coef.stepStart.length - 1);
  }

  async weights(): Promise<FlatWeights> {
    return (await this.workers[0].request({ type: 'weights' }, 'weights')).weights;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((t) => t.worker.terminate()));
  }
}
