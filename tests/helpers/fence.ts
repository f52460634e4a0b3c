/** Lock fences (`StageContext.fence`) for the tests of writes under the pipeline lock. */
import { LockLostError } from '../../lib/lock';
import type { LockFence } from '../../lib/stage-context';

/**
 * A fence that refuses every write, as `HeldLock.verify` does once another run took the lock over
 * (the error names `refused`, the object the test's code is about to write); `asked` lists the URIs
 * it was given, in order.
 * @param refuses which URIs it refuses; default: all (the others are let through, and listed too).
 */
export function refusingFence(refused = 'the object', refuses: (what: string) => boolean = () => true): { fence: LockFence; asked: string[]; error: LockLostError } {
  const error = new LockLostError('memory://test/locks/online-retail.json', { host: 'a', pid: 1, runId: 'r1' }, undefined, undefined, refused);
  const asked: string[] = [];
  const fence: LockFence = async (what) => {
    asked.push(what);
    if (refuses(what)) throw error;
  };
  return { fence, asked, error };
}
