/**
 * An in-memory ObjectStore for tests, with the semantics of `lib/store/store.ts`:
 * sorted recursive listing, content-hash (MD5) ETags, atomic puts, streaming gets
 * in small chunks. `puts` and `deletes` record the order of writes and deletions;
 * `failPutsMatching` makes puts of matching keys throw (crash tests).
 */
import { createHash } from 'node:crypto';
import { ObjectInfo, ObjectNotFoundError, ObjectStore, type ListOptions } from '../../lib/store/store';

export class MemoryStore implements ObjectStore {
  readonly uri = 'memory://test';
  readonly objects = new Map<string, { bytes: Uint8Array; info: ObjectInfo }>();
  /** Keys in the order they were put. */
  readonly puts: string[] = [];
  /** Keys in the order they were deleted. */
  readonly deletes: string[] = [];
  failPutsMatching: RegExp | undefined;

  constructor(private readonly chunkSize = 64 * 1024) {}

  /** Every object under `prefix`, sorted by key; its ETags cost nothing, so `ListOptions` change nothing. */
  async list(prefix: string, _options?: ListOptions): Promise<ObjectInfo[]> {
    return [...this.objects.values()].map((o) => o.info).filter((i) => i.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.objects.get(key)?.info;
  }

  async get(key: string): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (!o) throw new ObjectNotFoundError(`${this.uri}/${key}`);
    return o.bytes.slice();
  }

  async *getStream(key: string): AsyncIterable<Uint8Array> {
    const bytes = await this.get(key);
    for (let i = 0; i < bytes.length; i += this.chunkSize) yield bytes.slice(i, i + this.chunkSize);
  }

  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    if (this.failPutsMatching?.test(key)) throw new Error(`injected failure writing ${key}`);
    let bytes: Uint8Array;
    if (typeof body === 'string') bytes = new TextEncoder().encode(body);
    else if (body instanceof Uint8Array) bytes = body.slice();
    else {
      const parts: Uint8Array[] = [];
      for await (const p of body) parts.push(p);
      bytes = Buffer.concat(parts);
    }
    const info: ObjectInfo = { key, size: bytes.length, etag: createHash('md5').update(bytes).digest('hex'), lastModified: Date.now() };
    this.objects.set(key, { bytes, info });
    this.puts.push(key);
    return info;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
    this.deletes.push(key);
  }
}
