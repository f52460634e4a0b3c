/**
 * Customer sharding for scale-out scoring (`--shard i/N`, e.g. a Kubernetes
 * Indexed Job with i = JOB_COMPLETION_INDEX): a customer belongs to shard
 * `FNV-1a-32(UTF-8 id) mod N`, stable across runs, machines and languages, so the
 * N shards partition the customers and together give exactly the single run.
 */
import { ScoringInputError } from './errors';

/** One shard of N: index in [0, count). */
export interface ShardSpec {
  index: number;
  count: number;
}

const encoder = new TextEncoder();

/**
 * 32-bit FNV-1a hash of the UTF-8 bytes of `s` (Fowler, Noll & Vo; offset basis
 * 2166136261, prime 16777619; IETF draft-eastlake-fnv). Returns an unsigned integer.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(s)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/** Shard of a customer id among `n` shards: `fnv1a32(id) mod n`, in [0, n). */
export function shardOf(customerId: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ScoringInputError(`shard count must be a positive integer, found ${n}`);
  return fnv1a32(customerId) % n;
}

/**
 * Parses `i/N` (0 ≤ i < N, decimal integers), as given to `--shard`.
 * @throws ScoringInputError quoting the text when it is not of that form.
 */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) {
    throw new ScoringInputError(`shard ${JSON.stringify(text)}: expected "i/N" with integers 0 <= i < N, e.g. "0/4"`);
  }
  return { index, count };
}

/**
 * The dense customers of `shard` among the first `known` (customers known at
 * the as-of time), in ascending external-id order: the order a shard scores
 * and exports them in.
 * @param customerIds external id per dense customer index (length ≥ known).
 */
export function shardCustomers(customerIds: readonly string[], known: number, shard: ShardSpec): Int32Array {
  const mine: number[] = [];
  for (let c = 0; c < known; c++) if (shard.count === 1 || shardOf(customerIds[c], shard.count) === shard.index) mine.push(c);
  mine.sort((a, b) => (customerIds[a] < customerIds[b] ? -1 : customerIds[a] > customerIds[b] ? 1 : a - b));
  return Int32Array.from(mine);
}
