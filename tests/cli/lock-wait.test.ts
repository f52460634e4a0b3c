/**
 * cli/command.ts lockWaitMs: how long a command waits for a held lock (BERSERKR_LOCK_WAIT);
 * lockSettings: the lock's lease and settle time (BERSERKR_LOCK_LEASE, BERSERKR_LOCK_SETTLE).
 */
import { lockSettings, lockWaitMs } from '../../cli/command';
import { EXIT, exitCodeOf } from '../../cli/exit';

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

describe('lockSettings', () => {
  it('reads the lease and the settle time, 2m and 2s by default', () => {
    expect(lockSettings({})).toEqual({ leaseMs: 120_000, settleMs: 2_000 });
    expect(lockSettings({ BERSERKR_LOCK_LEASE: '30s', BERSERKR_LOCK_SETTLE: '500ms' })).toEqual({ leaseMs: 30_000, settleMs: 500 });
  });

  it('refuses a lease shorter than 10s, quoting it and the minimum, as bad usage; 10s itself is taken', () => {
    for (const lease of ['100ms', '9s', '9999ms']) {
      let error: unknown;
      try {
        lockSettings({ BERSERKR_LOCK_LEASE: lease });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).toMatch(new RegExp(`^BERSERKR_LOCK_LEASE: lease "${lease}" is too short: expected at least 10s, since the lease is renewed every third of it`));
      expect(exitCodeOf(error)).toBe(EXIT.usage);
    }
    expect(lockSettings({ BERSERKR_LOCK_LEASE: '10s' }).leaseMs).toBe(10_000);
  });

  it('refuses a settle time of a third of the lease or more, quoting both, as bad usage: the lease must outlast the settle', () => {
    for (const [lease, settle] of [['30s', '10s'], ['10s', '4s'], ['2m', '5m']]) {
      let error: unknown;
      try {
        lockSettings({ BERSERKR_LOCK_LEASE: lease, BERSERKR_LOCK_SETTLE: settle });
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).toMatch(new RegExp(`^BERSERKR_LOCK_SETTLE: settle time "${settle}" is too long for the lease "${lease}": expected less than a third of it`));
      expect(exitCodeOf(error)).toBe(EXIT.usage);
    }
    expect(lockSettings({ BERSERKR_LOCK_LEASE: '30s', BERSERKR_LOCK_SETTLE: '9999ms' })).toEqual({ leaseMs: 30_000, settleMs: 9_999 });
  });
});
