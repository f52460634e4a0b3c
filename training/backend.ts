/**
 * TF.js backend selection, done once per process at the training/scoring edge.
 *
 * Order: `tensorflow` (native libtensorflow through `@tensorflow/tfjs-node`, an
 * optional dependency that is absent where libtensorflow cannot be downloaded),
 * then `wasm` (`@tensorflow/tfjs-backend-wasm`; in Node its `.wasm` binaries load
 * from `node_modules` next to the package's `dist/`, so no `setWasmPaths` is
 * needed; the kernels it lacks for training are added by `wasm-kernels.ts`), then `cpu` (pure JavaScript, always available). All give the same
 * numbers up to float rounding.
 *
 * Performance note (measured on the wasm backend): `model.predict` with its
 * default `batchSize` of 32 is dominated by per-call overhead; always pass a
 * large batch size (see `training/predict.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from './wasm-kernels';

/** Backend names as TF.js registers them. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Default preference order. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** No backend of the requested order could be initialised. */
export class BackendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendError';
  }
}

/** Packages that register each backend when required. */
const PACKAGES: Record<BackendName, string | undefined> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: undefined, // registered by @tensorflow/tfjs itself
};

let selected: Promise<BackendName> | undefined;

/**
 * Selects and initialises the first backend of `order` that loads, once per
 * process: later calls return the first call's result whatever their `order`.
 *
 * @param order preference order, {@link BACKEND_ORDER} by default; pass `['cpu']`
 *   to force the reference backend.
 * @returns the active backend name, for the run record.
 * @throws BackendError when none of `order` initialises (the message lists why each failed).
 */
export function selectBackend(order: readonly BackendName[] = BACKEND_ORDER): Promise<BackendName> {
  selected ??= initialise(order);
  return selected;
}

async function initialise(order: readonly BackendName[]): Promise<BackendName> {
  const failures: string[] = [];
  for (const name of order) {
    const pkg = PACKAGES[name];
    try {
      if (pkg !== undefined) require(pkg);
      if (name === 'wasm') registerWasmKernels();
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      failures.push(`${name}: setBackend returned false`);
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  selected = undefined;
  throw new BackendError(`no TF.js backend of [${order.join(', ')}] initialised: ${failures.join('; ')}`);
}
