/**
 * Entry point of a data-parallel training thread (`data-parallel.ts`): loads
 * the TF.js backend of the opening thread, then per phase builds a replica, and
 * per run of steps runs every step: its share of the step's gradient into its slot,
 * the barrier, the sum of all slots, the Adam step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from './backend';
import { barrier, CONTROL, threadShare, type FromTrainWorker, type ToTrainWorker, type TrainWorkerData } from './data-parallel';
import { Replica } from './replica';

const data = workerData as TrainWorkerData;
const control = new Int32Array(data.control);
let replica: Replica | undefined;
let slots: Float32Array[][] = [];
let sum = new Float32Array(0);

function post(message: FromTrainWorker): void {
  parentPort!.postMessage(message);
}

function handle(m: ToTrainWorker): void {
  if (m.type === 'start') {
    replica?.dispose();
    replica = new Replica(m.init);
    const size = replica.size;
    slots = [0, 1].map((bank) => Array.from({ length: data.threads }, (_, k) => new Float32Array(m.gradients, ((bank * data.threads + k) * size) * 4, size)));
    sum = new Float32Array(size);
    post({ type: 'started', size });
  } else if (m.type === 'steps') {
    const r = replica!;
    const steps = m.coef.stepStart.length - 1;
    let loss = 0;
    for (let s = 0; s < steps; s++) {
      const bank = slots[s & 1];
      const [g0, g1] = threadShare(m.coef.stepStart, s, data.index, data.threads);
      loss += r.gradient(m.sample, m.coef, g0, g1, bank[data.index]);
      barrier(control, data.threads);
      sum.set(bank[0]);
      for (let k = 1; k < data.threads; k++) {
        const g = bank[k];
        for (let i = 0; i < sum.length; i++) sum[i] += g[i];
      }
      r.apply(sum, m.lr[s]);
    }
    post({ type: 'steps', loss });
  } else {
    post({ type: 'weights', weights: replica!.weights() });
  }
}

async function main(): Promise<void> {
  await selectBackend([data.backend]);
  parentPort!.on('message', (m: ToTrainWorker) => {
    try {
      handle(m);
    } catch (error) {
      Atomics.store(control, CONTROL.abort, 1);
      Atomics.notify(control, CONTROL.generation);
      post({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  });
  post({ type: 'ready' });
}

main().catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
