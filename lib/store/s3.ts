/**
 * {@link ObjectStore} over one S3 bucket and key prefix (AWS SDK v3), so AWS S3,
 * MinIO and any S3-compatible server work. The `S3Client` is passed in; its
 * configuration (endpoint, credentials, retry strategy) is the caller's, see
 * `openStore` in `./open.ts`.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertValidKey, assertValidPrefix, bucketNameProblem, compareKeys } from './keys';
import { AccessDeniedError, ConditionalWriteUnsupportedError, ObjectNotFoundError, StoreError, type ObjectInfo, type ObjectStore } from './store';

/**
 * In-memory bodies above this many bytes, and every streamed body, go through
 * `@aws-sdk/lib-storage` `Upload`, which sends a multipart upload once the body
 * exceeds one part (`partSize`) and a single PutObject otherwise.
 */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;

/** Where a store's requests go and what signs them, in words, for the message of an access denied. */
export interface S3Access {
  /** e.g. `endpoint http://minio:9000 (AWS_ENDPOINT_URL)`, `AWS S3 in region eu-west-1 (no AWS_ENDPOINT_URL)`. */
  endpoint: string;
  /** e.g. `the access key of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY`, `profile "prod" (AWS_PROFILE)`. */
  credentials: string;
}

export interface S3StoreOptions {
  /** A configured AWS SDK v3 client; the store never creates one. */
  client: S3Client;
  /** How `client` was configured, named in the message of an access denied (HTTP 403); default: not known. */
  access?: S3Access;
  /** Bucket name, e.g. `lake`. */
  bucket: string;
  /** Key prefix inside the bucket (`berserkr/prod` or `berserkr/prod/`); empty for the bucket root. */
  prefix?: string;
  /** Part size of multipart uploads in bytes (S3 minimum 5 MiB; default 8 MiB). */
  partSize?: number;
  /** Parts uploaded concurrently; memory held is about `queueSize × partSize` (default 4). */
  queueSize?: number;
  /**
   * How many times a download cut mid-body is resumed with a ranged GET from the
   * byte reached (default 5). The SDK's retry strategy covers each request up to
   * its response headers; it cannot see a body that breaks while being read.
   */
  maxResumes?: number;
}

/** Quotes around S3 ETags are part of the HTTP header, not of the tag. */
function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function asSdkError(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : { message: String(err) };
}

/**
 * `<name> (<code>): <message> (HTTP <status>) after <n> attempts`, the parts
 * that are known. The SDK's retry middleware re-wraps errors from another JS
 * realm (e.g. Node's socket errors under Jest) as "AWS SDK error wrapper for
 * <error>"; that prefix is dropped.
 */
function describeSdkError(e: SdkErrorShape): string {
  const name = e.name ?? 'Error';
  let message = (e.message ?? '').replace(/^AWS SDK error wrapper for /, '');
  if (message.startsWith(`${name}: `)) message = message.slice(name.length + 2);
  const code = e.code && e.code !== e.name ? ` (${e.code})` : '';
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  const attempts = (e.$metadata?.attempts ?? 1) > 1 ? ` after ${e.$metadata?.attempts} attempts` : '';
  return `${name}${code}: ${message}${status}${attempts}`;
}

/** Whether an SDK error is an access denied: HTTP 403, or AccessDenied without a status. */
function isAccessDenied(e: SdkErrorShape): boolean {
  return e.$metadata?.httpStatusCode === 403 || e.name === 'AccessDenied';
}

/**
 * `access denied (HTTP 403[, <server's code>: <message>]) …` and what to check:
 * the credentials and the endpoint, named as `access` describes them. A HEAD
 * answer has no body, so the SDK knows no code for it (`Unknown`); that part is
 * then left out.
 */
function describeAccessDenied(e: SdkErrorShape, access: S3Access | undefined, what: 'object' | 'bucket' = 'object'): string {
  const detail = e.name === undefined || e.name === 'Unknown' || /^\d+$/.test(e.name) ? '' : `, ${describeSdkError({ name: e.name, code: e.code, message: e.message })}`;
  const denied = `access denied (HTTP 403${detail})`;
  if (access === undefined) return `${denied}: check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and the endpoint (AWS_ENDPOINT_URL)`;
  return `${denied} to ${access.credentials} at ${access.endpoint}: check that these credentials are valid there and allowed to use this ${what} (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)`;
}

/**
 * An S3 bucket (under an optional key prefix) as an object store.
 *
 * - `list` pages through ListObjectsV2 (1,000 keys per page) and skips
 *   zero-byte "folder" markers ending in `/`.
 * - `put` sends in-memory bodies up to {@link MULTIPART_THRESHOLD} bytes with one
 *   PutObject, larger and streamed bodies with `@aws-sdk/lib-storage` `Upload`
 *   (multipart past one part; on failure the store sends AbortMultipartUpload itself so no
 *   parts are left behind, and reports the original error even if the abort fails). Either way S3
 *   publishes the object atomically. The returned info comes from a HeadObject.
 * - `getStream` resumes a body cut mid-transfer with `Range: bytes=<offset>-`
 *   and `If-Match: <etag>` (and checks the ETag itself for servers that ignore
 *   If-Match), so a reader never gets bytes of two versions.
 * - `putIfAbsent` is one PutObject with `If-None-Match: *`, once the store has
 *   seen that the server honours the header (AWS S3 and MinIO do; some
 *   S3-compatible servers, s3rver among them, ignore it and overwrite).
 * - ETags are returned without quotes; a multipart ETag is `<md5-of-part-md5s>-<parts>`,
 *   not the content MD5, so ETags are for change detection only.
 *
 * Errors: {@link ObjectNotFoundError} for NoSuchKey/404; {@link AccessDeniedError}
 * for HTTP 403, whose message says access was denied to the credentials in use
 * (`options.access`) at the endpoint in use and to check them; otherwise
 * {@link StoreError} whose message gives the operation, `s3://bucket/key`, the
 * SDK error name, message and HTTP status, and whose `cause` is the SDK error.
 * Credentials never appear: the SDK's errors carry the response, not the signed request.
 */
export class S3Store implements ObjectStore {
  readonly uri: string;
  readonly bucket: string;
  /** Normalised prefix: empty or ending in `/`. */
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly access: S3Access | undefined;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly maxResumes: number;
  /** Why the server has no conditional create (undefined: it honours `If-None-Match: *`), probed at the first `putIfAbsent`. */
  private conditionalWrites?: Promise<string | undefined>;

  constructor(options: S3StoreOptions) {
    const { client, bucket } = options;
    const badName = bucketNameProblem(bucket);
    if (badName !== undefined) throw new StoreError(`invalid S3 bucket name ${JSON.stringify(bucket)}: ${badName}`, `s3://${bucket}`);
    const raw = options.prefix ?? '';
    assertValidPrefix(raw, `s3://${bucket}`);
    this.prefix = raw === '' || raw.endsWith('/') ? raw : `${raw}/`;
    this.client = client;
    this.access = options.access;
    this.bucket = bucket;
    this.uri = `s3://${bucket}${this.prefix === '' ? '' : `/${this.prefix.slice(0, -1)}`}`;
    this.partSize = options.partSize ?? MULTIPART_THRESHOLD;
    this.queueSize = options.queueSize ?? 4;
    this.maxResumes = options.maxResumes ?? 5;
    if (this.partSize < 5 * 1024 * 1024) {
      throw new StoreError(`invalid partSize ${this.partSize} for ${this.uri}: expected at least 5 MiB (5242880 bytes), the S3 minimum`, this.uri);
    }
  }

  /** `s3://bucket/prefix/key`, for messages. */
  objectUri(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  private fullKey(key: string): string {
    return this.prefix + assertValidKey(key, this.uri);
  }

  private wrap(op: string, key: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    const e = asSdkError(err);
    const uri = this.objectUri(key);
    if (e.name === 'NoSuchKey' || (e.name === 'NotFound' && op !== 'list')) return new ObjectNotFoundError(uri, { cause: err });
    if (isAccessDenied(e)) return new AccessDeniedError(`cannot ${op} ${uri}: ${describeAccessDenied(e, this.access)}`, uri, { cause: err });
    return new StoreError(`cannot ${op} ${uri}: ${describeSdkError(e)}`, uri, { cause: err });
  }

  /** All objects whose key starts with `prefix`, sorted by key, across every ListObjectsV2 page. */
  async list(prefix: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix, this.uri);
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
        );
      } catch (err) {
        throw this.wrap('list', prefix, err);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined || item.Key.endsWith('/')) continue;
        out.push({
          key: item.Key.slice(this.prefix.length),
          size: item.Size ?? 0,
          etag: stripQuotes(item.ETag),
          lastModified: item.LastModified?.getTime() ?? 0,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && token === undefined) {
        throw new StoreError(`cannot list ${this.objectUri(prefix)}: page truncated without NextContinuationToken`, this.objectUri(prefix));
      }
    } while (token !== undefined);
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  /**
   * Whether the bucket exists: one HeadBucket.
   * @returns false when the server answers 404 (NotFound, NoSuchBucket), true when it answers 200.
   * @throws AccessDeniedError for HTTP 403; StoreError for any other answer or failure (unreachable …), naming the bucket.
   */
  async bucketExists(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (err) {
      const e = asSdkError(err);
      if (e.name === 'NotFound' || e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 404) return false;
      const uri = `s3://${this.bucket}`;
      if (isAccessDenied(e)) throw new AccessDeniedError(`cannot find bucket ${uri}: ${describeAccessDenied(e, this.access, 'bucket')}`, uri, { cause: err });
      throw new StoreError(`cannot find bucket ${uri}: ${describeSdkError(e)}`, uri, { cause: err });
    }
  }

  /** HeadObject; `undefined` on 404. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const Key = this.fullKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { key, size: res.ContentLength ?? 0, etag: stripQuotes(res.ETag), lastModified: res.LastModified?.getTime() ?? 0 };
    } catch (err) {
      const e = asSdkError(err);
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw this.wrap('head', key, err);
    }
  }

  /** Whole object as bytes (through {@link getStream}, so cut bodies resume). @throws ObjectNotFoundError */
  async get(key: string): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.getStream(key)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /**
   * The object body as Node stream chunks. A body that fails mid-read is
   * resumed up to `maxResumes` times from the byte reached.
   * @throws ObjectNotFoundError on first iteration when missing; StoreError when the
   *   object changes between resumes, is shorter than announced, or keeps failing.
   */
  async *getStream(key: string): AsyncGenerator<Uint8Array> {
    const Key = this.fullKey(key);
    let offset = 0;
    let total: number | undefined;
    let etag: string | undefined;
    let resumes = 0;
    for (;;) {
      let res;
      try {
        res = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key,
            Range: offset > 0 ? `bytes=${offset}-` : undefined,
            IfMatch: etag !== undefined ? `"${etag}"` : undefined,
          }),
        );
      } catch (err) {
        throw this.wrap('read', key, err);
      }
      const tag = stripQuotes(res.ETag);
      if (etag === undefined) {
        etag = tag;
        total = res.ContentLength;
      } else if (tag !== etag) {
        throw new StoreError(
          `cannot read ${this.objectUri(key)}: object changed while reading at byte ${offset} (ETag ${etag} → ${tag})`,
          this.objectUri(key),
        );
      }
      if (!(res.Body instanceof Readable)) {
        throw new StoreError(`cannot read ${this.objectUri(key)}: expected a Node.js Readable body, found ${typeof res.Body}`, this.objectUri(key));
      }
      let failure: unknown;
      try {
        for await (const chunk of res.Body) {
          offset += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } catch (err) {
        failure = err;
      }
      if (failure === undefined && (total === undefined || offset >= total)) return;
      if (++resumes > this.maxResumes) {
        const why = failure === undefined ? `body ended at byte ${offset} of ${total}` : asSdkError(failure).message;
        throw new StoreError(
          `cannot read ${this.objectUri(key)}: body failed ${resumes} time${resumes === 1 ? '' : 's'}, last at byte ${offset}: ${why}`,
          this.objectUri(key),
          { cause: failure },
        );
      }
    }
  }

  /**
   * Uploads `body` as one object; see the class notes for PutObject vs multipart.
   * @param contentType MIME type stored with the object, e.g. `application/vnd.apache.parquet`.
   */
  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, contentType?: string): Promise<ObjectInfo> {
    const Key = this.fullKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      if (bytes instanceof Uint8Array && bytes.length <= MULTIPART_THRESHOLD) {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.length, ContentType: contentType }),
        );
      } else {
        const upload = new Upload({
          client: this.client,
          params: {
            Bucket: this.bucket,
            Key,
            Body: bytes instanceof Uint8Array ? bytes : Readable.from(bytes, { objectMode: false }),
            ContentType: contentType,
          },
          partSize: this.partSize,
          queueSize: this.queueSize,
          leavePartsOnError: true, // aborted below, so a failing abort cannot mask the cause
        });
        await upload.done().catch(async (err: unknown) => {
          if (upload.uploadId !== undefined) await this.abortUpload(key, Key, upload.uploadId, err);
          throw err;
        });
      }
    } catch (err) {
      throw this.wrap('write', key, err);
    }
    return this.headAfterWrite(key);
  }

  /**
   * Writes `body` only when no object exists at `key`: one PutObject with
   * `If-None-Match: *`, which S3 refuses with 412 PreconditionFailed when the key
   * exists, or 409 ConditionalRequestConflict while another conditional write of
   * it is in flight (AWS S3 user guide, "Conditional writes"). The first call
   * probes whether the server honours the header: a second conditional write of a
   * fresh key beside `key` (`<key>.probe-<hex>`, deleted after) must be refused.
   * @returns the object's info (HeadObject), or `undefined` when the write was refused
   *   because an object exists at `key`: another writer's, or this call's own when
   *   a retried request found what its first attempt wrote.
   * @throws ConditionalWriteUnsupportedError when the server ignores or rejects the header; StoreError as `put`.
   */
  async putIfAbsent(key: string, body: Uint8Array | string): Promise<ObjectInfo | undefined> {
    this.fullKey(key); // a bad key fails here, quoted, not as the probe's key beside it
    this.conditionalWrites ??= this.probeConditionalWrites(key).catch((err: unknown) => {
      this.conditionalWrites = undefined;
      throw err;
    });
    const unsupported = await this.conditionalWrites;
    if (unsupported !== undefined) throw new ConditionalWriteUnsupportedError(this.uri, unsupported);
    if (!(await this.putNew(key, body))) return undefined;
    return this.headAfterWrite(key);
  }

  /**
   * Why the server has no conditional create, from two conditional writes of a
   * fresh key beside `key`: the second must be refused; undefined when it is.
   */
  private async probeConditionalWrites(key: string): Promise<string | undefined> {
    const probe = `${key}.probe-${randomBytes(6).toString('hex')}`;
    try {
      // A refused first write (a retried request that found its first attempt) shows the header honoured too.
      if (!(await this.putNew(probe, '')) || !(await this.putNew(probe, ''))) return undefined;
      return 'the server ignores If-None-Match: * on PutObject (a second conditional write of a key replaced the first)';
    } catch (err) {
      const e = asSdkError(err instanceof StoreError ? err.cause : err);
      if (e.name === 'NotImplemented' || e.name === 'InvalidArgument' || e.$metadata?.httpStatusCode === 501) {
        return `the server rejects If-None-Match: * on PutObject: ${describeSdkError(e)}`;
      }
      throw err;
    } finally {
      await this.delete(probe).catch(() => undefined);
    }
  }

  /** One PutObject with `If-None-Match: *`: true when written, false when refused because the key exists (412, or 409 ConditionalRequestConflict). */
  private async putNew(key: string, body: Uint8Array | string): Promise<boolean> {
    const Key = this.fullKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.length, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      const e = asSdkError(err);
      if (e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.$metadata?.httpStatusCode === 412) return false;
      throw this.wrap('write', key, err);
    }
  }

  /** The info of an object just written (HeadObject). @throws StoreError when there is none. */
  private async headAfterWrite(key: string): Promise<ObjectInfo> {
    const info = await this.head(key);
    if (info === undefined) {
      throw new StoreError(`cannot write ${this.objectUri(key)}: upload succeeded but HeadObject finds no object`, this.objectUri(key));
    }
    return info;
  }

  /**
   * AbortMultipartUpload after a failed multipart `put`, so no parts stay
   * stored (and billed). When the abort fails too, throws a StoreError giving
   * both errors and the upload id; `cause` stays the original failure.
   */
  private async abortUpload(key: string, Key: string, UploadId: string, failure: unknown): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }));
    } catch (abortError) {
      throw new StoreError(
        `cannot write ${this.objectUri(key)}: ${describeSdkError(asSdkError(failure))}; ` +
          `AbortMultipartUpload of upload ${UploadId} failed too (${describeSdkError(asSdkError(abortError))}), ` +
          'so its parts stay stored until a lifecycle rule (AbortIncompleteMultipartUpload) removes them',
        this.objectUri(key),
        { cause: failure },
      );
    }
  }

  /** DeleteObject; S3 answers 204 for a missing key too. */
  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      const e = asSdkError(err);
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return;
      throw this.wrap('delete', key, err);
    }
  }
}
