/**
 * The one place an object's URI is spelt: the store's root URI, a `/`, the key.
 * Messages, run-record lines and printed locations all name objects this way.
 */
import type { ObjectStore } from '../store/store';

/**
 * URI of `key` (an object key or a key prefix) in `store`.
 * @example objectUri(new FileStore('/tmp/lake'), 'runs/r.json') // 'file:///tmp/lake/runs/r.json'
 * @example objectUri(s3Store, 'exports/r/') // 's3://lake/prefix/exports/r/'
 */
export function objectUri(store: Pick<ObjectStore, 'uri'>, key: string): string {
  return `${store.uri.replace(/\/+$/, '')}/${key}`;
}
