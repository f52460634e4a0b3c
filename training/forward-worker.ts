/**
 * Entry point of a forward worker thread (see `forward-pool.ts`): rebuilds the
 * network from its weights on its own TF.js backend, then runs the forward pass
 * (`forward.ts`) over each chunk of rows it receives and posts the outputs back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from './backend';
import { forwardRows } from './forward';
import { ForwardInput } from './forward-input';
import { networkFromWeights } from './forward-network';
import type { ForwardWorkerData, FromForwardWorker, ToForwardWorker } from './forward-pool';

function post(message: FromForwardWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

const errorMessage = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

async function main(): Promise<void> {
  const data = workerData as ForwardWorkerData;
  try {
    await selectBackend([data.backend]);
  } catch (error) {
    post({ type: 'error', message: errorMessage(error) });
    return;
  }
  const net = networkFromWeights(data.weights);
  const input = new ForwardInput(net, data.preprocessing, data.vocab);
  parentPort!.on('message', (m: ToForwardWorker) => {
    try {
      const out = new Float32Array(m.n);
      forwardRows(net, input, m, data.batchRows, out);
      post({ type: 'out', id: m.id, out }, [out.buffer]);
    } catch (error) {
      post({ type: 'error', id: m.id, message: errorMessage(error) });
    }
  });
  post({ type: 'ready' });
}

void main();
