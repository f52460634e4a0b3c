/** cli/command.ts lockWaitMs: how long a command waits for a held lock (BERSERKR_LOCK_WAIT). */
import { lockWaitMs } from '../../cli/command';

describe('lockWaitMs', () => {
  it('reads a duration, waits as long as it takes when unset or empty, and refuses a bad value', () => {
    expect(lockWaitMs({ BERSERKR_LOCK_WAIT: '10m' })).toBe(600_000);
    expect([lockWaitMs({}), lockWaitMs({ BERSERKR_LOCK_WAIT: '' })]).toEqual([undefined, undefined]);
    expect(() => lockWaitMs({ BERSERKR_LOCK_WAIT: 'soon' })).toThrow('invalid duration "soon"');
  });

  it('takes a wait longer than a timer holds (about 24.8 days) as no limit, not as one that ends at once', () => {
    expect(lockWaitMs({ BERSERKR_LOCK_WAIT: '24d' })).toBe(24 * 86_400_000);
    expect(lockWaitMs({ BERSERKR_LOCK_WAIT: '30d' })).toBeUndefined();
  });
});
