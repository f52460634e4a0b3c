/**
 * A minimal in-memory {@link ObjectStore} for tests: keys map to byte arrays,
 * ETag = MD5 hex of the content (what S3 returns for a single-part upload).
 */
import { createHash } from 'node:crypto';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../../lib/store/store';

export class MemoryStore implements ObjectStore {
  readonly uri = 'memory://test';
  private readonly objects = new Map<string, { body: Uint8Array; info: ObjectInfo }>();

  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects.values()]
      .map((o) => o.info)
      .filter((i) => i.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return this.objects.get(key)?.info;
  }

  async get(key: string): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (o === undefined) throw new ObjectNotFoundError(`${this.uri}/${key}`);
    return o.body;
  }

  async *getStream(key: string): AsyncIterable<Uint8Array> {
    yield await this.get(key);
  }

  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>): Promise<ObjectInfo> {
    let bytes: Uint8Array;
    if (typeof body === 'string') bytes = Buffer.from(body, 'utf8');
    else if (body instanceof Uint8Array) bytes = body;
    else {
      const parts: Uint8Array[] = [];
      for await (const part of body) parts.push(part);
      bytes = Buffer.concat(parts);
    }
    const info: ObjectInfo = {
      key,
      size: bytes.byteLength,
      etag: createHash('md5').update(bytes).digest('hex'),
      lastModified: Date.now(),
    };
    this.objects.set(key, { body: bytes, info });
    return info;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
