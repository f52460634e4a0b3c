/**
 * The one object-store abstraction every stage edge uses. Implementations:
 * a local folder (`file://` or a plain path, the embedded default) and S3
 * (`s3://bucket/prefix`, AWS SDK v3, so MinIO and any S3-compatible store work).
 *
 * Keys are `/`-separated, relative to the store's root, never starting with `/`
 * and never containing `..` segments.
 */
export interface ObjectInfo {
  /** Key relative to the store root, e.g. `clean/online-retail/2011-01.parquet`. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Entity tag: S3 ETag (quotes stripped) or, for files, a content hash. */
  etag: string;
  /** Last modification time, ms since the Unix epoch (UTC). */
  lastModified: number;
  /**
   * Set when the listing found the object but it cannot be read, and why: a folder
   * store's symbolic link to nothing (size 0 and ETag `''` then). Absent otherwise.
   */
  unreadable?: string;
}

/** Options of `ObjectStore.list`. */
export interface ListOptions {
  /** Whether each object's ETag is wanted [true]; false lets a folder store skip hashing every file. */
  etags?: boolean;
}

export interface ObjectStore {
  /** Human-readable root URI, e.g. `file:///tmp/lake` or `s3://lake/prefix`. */
  readonly uri: string;
  /**
   * Lists objects under a key prefix (recursive), sorted by key. With `etags: false` the
   * caller needs only keys and sizes, and a store that must read an object to know its
   * ETag (a folder hashes the file) leaves `etag` empty instead.
   */
  list(prefix: string, options?: ListOptions): Promise<ObjectInfo[]>;
  /** Metadata of one object, or `undefined` when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Whole object as bytes. Throws `ObjectNotFoundError` when missing. */
  get(key: string): Promise<Uint8Array>;
  /** Object as a stream of byte chunks (bounded memory). Throws `ObjectNotFoundError`. */
  getStream(key: string): AsyncIterable<Uint8Array>;
  /**
   * Writes an object atomically: readers see the old object or the whole new one,
   * never a part (temp file + rename; S3 PUT / multipart upload is atomic).
   */
  put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, contentType?: string): Promise<ObjectInfo>;
  /**
   * Writes an object only when none exists at `key`, the check and the write one
   * atomic step (a conditional create): a folder (link(2)), S3 (`If-None-Match: *`).
   * Absent on stores that never can.
   * @returns the object's info, or `undefined` when an object already exists at `key` and the
   *   write was refused (on S3 that object can be this call's own, when a retried request found
   *   what its first attempt wrote: read it to tell).
   * @throws ConditionalWriteUnsupportedError when the store turns out not to honour it (an S3-compatible server that ignores or rejects the header).
   */
  putIfAbsent?(key: string, body: Uint8Array | string): Promise<ObjectInfo | undefined>;
  /** Deletes an object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Base class of store errors; `uri` names the object the error is about. */
export class StoreError extends Error {
  constructor(message: string, readonly uri: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** The store has no atomic conditional create (`ObjectStore.putIfAbsent`): e.g. an S3-compatible server that ignores `If-None-Match`. */
export class ConditionalWriteUnsupportedError extends StoreError {
  constructor(uri: string, reason: string) {
    super(`${uri} has no conditional create: ${reason}`, uri);
    this.name = 'ConditionalWriteUnsupportedError';
  }
}

/** The object at `uri` does not exist. */
export class ObjectNotFoundError extends StoreError {
  constructor(uri: string, options?: { cause?: unknown }) {
    super(`object not found: ${uri}`, uri, options);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * The store refused access to the object at `uri` (S3: HTTP 403, e.g. AccessDenied,
 * InvalidAccessKeyId, SignatureDoesNotMatch): wrong or missing credentials, or
 * credentials not allowed to use it. The message says where to look.
 */
export class AccessDeniedError extends StoreError {
  constructor(message: string, uri: string, options?: { cause?: unknown }) {
    super(message, uri, options);
    this.name = 'AccessDeniedError';
  }
}
