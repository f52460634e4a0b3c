/** An in-memory ObjectStore for tests: the same contract as FileStore/S3Store, no I/O. */
import { createHash } from 'node:crypto';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../../lib/store/store';

export class MemoryStore implements ObjectStore {
  readonly uri = 'memory://test';
  readonly objects = new Map<string, { bytes: Uint8Array; info: ObjectInfo }>();
  /** Keys in the order they were put. */
  readonly puts: string[] = [];

  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects.values()].map((o) => o.info).filter((i) => i.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.objects.get(key)?.info;
  }
  async get(key: string): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (o === undefined) throw new ObjectNotFoundError(`${this.uri}/${key}`);
    return o.bytes.slice();
  }
  async *getStream(key: string): AsyncIterable<Uint8Array> {
    yield await this.get(key);
  }
  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    let bytes: Uint8Array;
    if (typeof body === 'string') bytes = new TextEncoder().encode(body);
    else if (body instanceof Uint8Array) bytes = body.slice();
    else {
      const parts: Uint8Array[] = [];
      for await (const p of body) parts.push(p);
      bytes = Buffer.concat(parts);
    }
    const info = { key, size: bytes.length, etag: createHash('md5').update(bytes).digest('hex'), lastModified: Date.now() };
    this.objects.set(key, { bytes, info });
    this.puts.push(key);
    return info;
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
