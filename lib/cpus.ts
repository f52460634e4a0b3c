/**
 * How many CPUs this process may keep busy: the affinity mask
 * (`os.availableParallelism()`) capped by the cgroup CPU bandwidth quota that
 * `docker run --cpus` and Kubernetes CPU limits set. Node 20's libuv (1.46)
 * reads only the mask, so in a container limited to one CPU on a larger host
 * it reports the host's cores.
 *
 * Quota files (Linux, the container's own cgroup mounted at `/sys/fs/cgroup`):
 * cgroup v2 `cpu.max` = `"<quota> <period>"` or `"max <period>"`
 * (Documentation/admin-guide/cgroup-v2.rst); cgroup v1 `cpu.cfs_quota_us`
 * (−1 = no limit) and `cpu.cfs_period_us` under `cpu/` or `cpu,cpuacct/`
 * (Documentation/scheduler/sched-bwc.rst). Both in microseconds.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a text file, or `undefined` when it cannot be read. */
export type TextReader = (path: string) => string | undefined;

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The cgroup CPU bandwidth quota in CPUs (quota ÷ period, e.g. 1.5), or
 * `undefined` when no quota applies or none can be read (not Linux, no cgroup
 * mount, unparsable files).
 * @param read file reader (tests pass a fake file system).
 */
export function cgroupCpuQuota(read: TextReader = readIfPresent): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 !== undefined) return v2[0] === 'max' ? undefined : ratio(v2[0], v2[1]);
  for (const dir of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    if (quota !== undefined) return ratio(quota.trim(), read(`${dir}/cpu.cfs_period_us`)?.trim());
  }
  return undefined;
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

/**
 * CPUs this process may keep busy: `os.availableParallelism()`, capped by the
 * cgroup quota rounded down (at least 1), as libuv ≥ 1.49 does.
 * @param read file reader (tests pass a fake file system).
 * @param parallelism the affinity mask's CPU count.
 */
export function availableCpus(read: TextReader = readIfPresent, parallelism: number = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === undefined ? parallelism : Math.max(1, Math.min(parallelism, Math.floor(quota)));
}
