/**
 * Forward worker thread (`forward-pool.ts`): on its first chunk it rebuilds the
 * network from the weights in `workerData` on its own TF.js backend; then it
 * runs the forward pass (`forward.ts`) over each chunk of rows and moves the
 * outputs back.
 */
import { workerData } from 'node:worker_threads';
import { errorText, moveResult } from '../lib/worker-pool';
import { selectBackend } from './backend';
import { forwardRows, type ForwardRows } from './forward';
import { ForwardInput } from './forward-input';
import { networkFromWeights, type ForwardNetwork } from './forward-network';
import type { ForwardWorkerData } from './forward-pool';

/** This thread's network, built once. */
let network: Promise<{ net: ForwardNetwork; input: ForwardInput; batchRows: number }> | undefined;

async function load(data: ForwardWorkerData): Promise<{ net: ForwardNetwork; input: ForwardInput; batchRows: number }> {
  await selectBackend([data.backend]);
  const net = networkFromWeights(data.weights);
  return { net, input: new ForwardInput(net, data.preprocessing, data.vocab), batchRows: data.batchRows };
}

/**
 * Network outputs of `rows`, in row order (float32, length `rows.n`).
 * @throws Error `Name: message` of what the backend or the forward pass threw.
 */
export default async function forward(rows: ForwardRows): Promise<Float32Array> {
  try {
    const { net, input, batchRows } = await (network ??= load(workerData as ForwardWorkerData));
    const out = new Float32Array(rows.n);
    forwardRows(net, input, rows, batchRows, out);
    return moveResult(out, [out.buffer]);
  } catch (error) {
    throw new Error(errorText(error));
  }
}
