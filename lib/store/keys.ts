/**
 * Object-key validation shared by every {@link ObjectStore} implementation, so a
 * key means the same object on a local folder and on S3 and can never escape the
 * store's root (`../`, absolute paths) or alias another key (`a//b`, `a/./b`);
 * and the rule of S3 bucket names, which storage URIs and the S3 store share.
 */
import { StoreError } from './store';

/** A key (or list prefix) that breaks the key rules; `key` is the bad value. */
export class InvalidKeyError extends StoreError {
  constructor(readonly key: string, reason: string, storeUri: string) {
    super(`invalid object key ${JSON.stringify(key)} in ${storeUri}: ${reason}`, storeUri);
    this.name = 'InvalidKeyError';
  }
}

/**
 * Why `text` is not a valid key or prefix, or `undefined` when it is.
 * Rules: not empty (a prefix may be), at most 1024 UTF-8 bytes (the S3 limit),
 * no NUL, no backslash, no leading `/`, no empty, `.` or `..` segment. A prefix
 * may end with `/` (its last, empty segment is allowed).
 */
function keyProblem(text: string, isPrefix: boolean): string | undefined {
  if (text.length === 0) return isPrefix ? undefined : 'expected a non-empty key';
  if (Buffer.byteLength(text, 'utf8') > 1024) return 'expected at most 1024 UTF-8 bytes';
  if (text.includes('\0')) return 'expected no NUL character';
  if (text.includes('\\')) return 'expected "/" separators, found a backslash';
  if (text.startsWith('/')) return 'expected a relative key, found a leading "/"';
  const segments = text.split('/');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const segment = segments[i];
    if (segment === '') {
      if (isPrefix && i === last) continue;
      return i === last ? 'expected no trailing "/"' : `expected no empty segment, found "//" at segment ${i + 1}`;
    }
    if (segment === '.' || segment === '..') return `expected no "${segment}" segment, found one at segment ${i + 1}`;
  }
  return undefined;
}

/**
 * Checks an object key and returns it unchanged.
 * @param key e.g. `clean/online-retail/2011-01.parquet`.
 * @param storeUri root URI of the store, quoted in the error.
 * @throws InvalidKeyError quoting the key and the rule it breaks.
 */
export function assertValidKey(key: string, storeUri: string): string {
  const problem = keyProblem(key, false);
  if (problem !== undefined) throw new InvalidKeyError(key, problem, storeUri);
  return key;
}

/**
 * Why `prefix` is not a valid list prefix (the rules of {@link assertValidPrefix}),
 * or `undefined` when it is.
 */
export function prefixProblem(prefix: string): string | undefined {
  return keyProblem(prefix, true);
}

/**
 * Why `bucket` is not a valid S3 bucket name, or `undefined` when it is:
 * 3-63 characters of a-z, 0-9, `.` and `-`, starting and ending with a letter or digit.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) ? undefined : 'expected 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit';
}

/**
 * Checks a list prefix and returns it unchanged: the key rules, except that the
 * empty prefix (everything) and a trailing `/` are allowed. A prefix that ends
 * mid-segment (`clean/on`) matches keys by plain string prefix, as S3 does.
 * @throws InvalidKeyError quoting the prefix and the rule it breaks.
 */
export function assertValidPrefix(prefix: string, storeUri: string): string {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw new InvalidKeyError(prefix, problem, storeUri);
  return prefix;
}

/**
 * Orders keys by Unicode code point, which is the UTF-8 byte order S3 uses for
 * ListObjectsV2, so every store lists in the same order (plain `<` on JS
 * strings compares UTF-16 code units and differs for characters above U+FFFF).
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
