/** CPU count under cgroup quotas (lib/cpus.ts), on fake cgroup file systems. */
import { availableCpus, cgroupCpuQuota } from '../../lib/cpus';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('cgroup CPU quota', () => {
  it('reads cgroup v2 cpu.max as quota ÷ period, and "max" as no limit', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeUndefined();
  });

  it('reads cgroup v1 cfs files under cpu/ or cpu,cpuacct/, and -1 as no limit', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '50000\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' }))).toBe(0.5);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }))).toBeUndefined();
  });

  it('gives no quota without cgroup files or with unparsable ones', () => {
    expect(cgroupCpuQuota(files({}))).toBeUndefined();
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'garbage' }))).toBeUndefined();
  });

  it('caps the affinity count by the quota rounded down, never below 1', () => {
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '100000 100000' }), 16)).toBe(1);
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '250000 100000' }), 16)).toBe(2);
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' }), 16)).toBe(1);
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '800000 100000' }), 2)).toBe(2);
    expect(availableCpus(files({}), 4)).toBe(4);
  });
});
