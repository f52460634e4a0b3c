/**
 * Loaded (`--require`) by every worker thread that `worker.ts` starts, before
 * the thread's module: the thread's process warnings go to its parent
 * (`worker-warnings.ts`) instead of Node's plain-text printer.
 */
import { postWarningsToParent } from './worker-warnings';

postWarningsToParent();
