/**
 * Runs the gradient steps of an epoch on one or more replicas (`replica.ts`).
 * {@link InProcessTrainer} holds one replica on this thread (what the native
 * `tensorflow` backend uses: its kernels already use every core, and it cannot
 * load twice in one process); `data-parallel.ts` spreads each step over worker
 * threads. Both run the same steps on the same sample and give the same
 * weights up to float summation order.
 */
import type { EpochSample } from './budget';
import type { StepCoefficients } from './loss';
import { Replica, type FlatWeights, type ReplicaInit } from './replica';

/** What a training phase needs of a trainer. */
export interface Trainer {
  /** Threads the steps run on. */
  readonly threads: number;
  /** Starts a phase: a network of `init.spec` with `init.weights` and a fresh Adam. */
  start(init: ReplicaInit): Promise<void>;
  /**
   * Runs every step of `coef` over `sample` (a run of an epoch's steps), step s at learning rate `lr[s]`.
   * @returns the mean loss over the steps.
   */
  steps(sample: EpochSample, coef: StepCoefficients, lr: Float32Array): Promise<number>;
  /** The current weights. */
  weights(): Promise<FlatWeights>;
  close(): Promise<void>;
}

/** Every step on one replica on this thread. */
export class InProcessTrainer implements Trainer {
  readonly threads = 1;
  private replica: Replica | undefined;
  private grad = new Float32Array(0);

  async start(init: ReplicaInit): Promise<void> {
    this.replica?.dispose();
    this.replica = new Replica(init);
    this.grad = new Float32Array(this.replica.size);
  }

  async steps(sample: EpochSample, coef: StepCoefficients, lr: Float32Array): Promise<number> {
    const replica = this.started();
    const steps = coef.stepStart.length - 1;
    let loss = 0;
    for (let s = 0; s < steps; s++) {
      loss += replica.gradient(sample, coef, coef.stepStart[s], coef.stepStart[s + 1], this.grad);
      replica.apply(this.grad, lr[s]);
      if (s % 16 === 15) await new Promise(setImmediate); // let timers (progress, lock renewal) run
    }
    return loss / steps;
  }

  async weights(): Promise<FlatWeights> {
    return this.started().weights();
  }

  async close(): Promise<void> {
    this.replica?.dispose();
    this.replica = undefined;
  }

  private started(): Replica {
    if (this.replica === undefined) throw new Error('InProcessTrainer: start() a phase first');
    return this.replica;
  }
}
