/**
 * Which lake keys are one raw object's own outputs. They are
 * `clean/<data set>/<raw key>/<attempt>/<file>` and `rejects/…` likewise (`run.ts`),
 * with an attempt id free of `/`. Raw keys may hold `/`, so one may be another
 * plus a folder (`x.lzo` and `x.lzo/y.lzo`), and listing `clean/<data set>/x.lzo/`
 * also lists `clean/<data set>/x.lzo/y.lzo/<attempt>/…`: those sit two or more
 * folders below the prefix, the object's own exactly one.
 */

/**
 * @param prefix an object's output prefix, `clean/<data set>/<raw key>/` (ending in `/`).
 * @param keys keys listed under `prefix`.
 * @returns the keys of `keys` exactly one folder (an attempt) below `prefix`, in order.
 * @example ownOutputKeys('clean/d/x.lzo/', ['clean/d/x.lzo/a1/part-00000.parquet', 'clean/d/x.lzo/y.lzo/a2/part-00000.parquet'])
 * // → ['clean/d/x.lzo/a1/part-00000.parquet']
 */
export function ownOutputKeys(prefix: string, keys: readonly string[]): string[] {
  return keys.filter((key) => {
    if (!key.startsWith(prefix)) return false;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    return slash > 0 && slash === rest.lastIndexOf('/');
  });
}

/**
 * Checks an attempt id: a non-empty name without `/`, so an attempt is one folder.
 * @throws RangeError quoting a bad id.
 */
export function checkAttemptId(attempt: string): string {
  if (attempt === '' || attempt.includes('/')) throw new RangeError(`an attempt id must be a non-empty name without "/", got ${JSON.stringify(attempt)}`);
  return attempt;
}
