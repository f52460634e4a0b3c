/**
 * S3Store logic that a loopback server cannot show: ListObjectsV2 pagination
 * (s3rver 3's continuation tokens need DES, gone from OpenSSL 3), resuming
 * a body cut mid-transfer, and the answers of servers to conditional writes. The client's `send` is mocked, as the AWS SDK's own
 * unit tests do.
 */
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../lib/store/s3';
import { AccessDeniedError, ConditionalWriteUnsupportedError, ObjectNotFoundError, StoreError } from '../../lib/store/store';

type Handler = (command: { input: Record<string, unknown> }) => unknown;

function mockClient(handlers: Map<Function, Handler>): { client: S3Client; calls: { name: string; input: Record<string, unknown> }[] } {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: Function; input: Record<string, unknown> }) => {
      calls.push({ name: command.constructor.name, input: command.input });
      const handler = handlers.get(command.constructor);
      if (!handler) throw new Error(`unexpected ${command.constructor.name}`);
      return handler(command);
    },
  } as unknown as S3Client;
  return { client, calls };
}

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status } });
}

/** A body that delivers `bytes` then fails like a reset connection (or just ends, when `fail` is false). */
function cutBody(bytes: Buffer, fail = true): Readable {
  return new Readable({
    read() {
      this.push(bytes);
      if (fail) this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      else this.push(null);
    },
  });
}

describe('S3Store.list pagination', () => {
  it('follows NextContinuationToken across pages, strips the store prefix and quotes, skips folder markers', async () => {
    const page = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        Key: `p/k/${String(from + i).padStart(4, '0')}`,
        Size: from + i,
        ETag: `"etag${from + i}"`,
        LastModified: new Date(Date.UTC(2011, 11, 9) + from + i),
      }));
    const pages: Record<string, unknown> = {
      '': { Contents: [...page(0, 1000)], IsTruncated: true, NextContinuationToken: 't1' },
      t1: { Contents: [{ Key: 'p/k/dir/', Size: 0, ETag: '"d41d8cd98f00b204e9800998ecf8427e"' }, ...page(1000, 2000)], IsTruncated: true, NextContinuationToken: 't2' },
      t2: { Contents: page(2000, 2005), IsTruncated: false },
    };
    const { client, calls } = mockClient(
      new Map([[ListObjectsV2Command, (c) => pages[String(c.input.ContinuationToken ?? '')]]]),
    );
    const listed = await new S3Store({ client, bucket: 'lake', prefix: 'p' }).list('k/');
    expect(calls.map((c) => [c.input.Prefix, c.input.ContinuationToken])).toEqual([
      ['p/k/', undefined],
      ['p/k/', 't1'],
      ['p/k/', 't2'],
    ]);
    expect(listed).toHaveLength(2005);
    expect(listed[1234]).toEqual({ key: 'k/1234', size: 1234, etag: 'etag1234', lastModified: Date.UTC(2011, 11, 9) + 1234 });
    expect(listed.map((o) => o.key)).toEqual(Array.from({ length: 2005 }, (_, i) => `k/${String(i).padStart(4, '0')}`));
  });

  it('fails clearly on a truncated page without a continuation token instead of looping', async () => {
    const { client } = mockClient(new Map([[ListObjectsV2Command, () => ({ Contents: [], IsTruncated: true })]]));
    await expect(new S3Store({ client, bucket: 'lake' }).list('')).rejects.toThrow(
      'cannot list s3://lake/: page truncated without NextContinuationToken',
    );
  });
});

describe('S3Store.getStream resume', () => {
  const content = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

  it('resumes a body cut mid-transfer with Range and If-Match, yielding every byte once', async () => {
    let served = 0;
    const { client, calls } = mockClient(
      new Map([
        [
          GetObjectCommand,
          (c) => {
            const start = c.input.Range ? Number(/^bytes=(\d+)-$/.exec(String(c.input.Range))![1]) : 0;
            served++;
            const end = served < 3 ? start + 10 : content.length; // first two responses die after 10 bytes
            return { ETag: '"v1"', ContentLength: content.length - start, Body: cutBody(content.subarray(start, end), served < 3) };
          },
        ],
      ]),
    );
    const store = new S3Store({ client, bucket: 'lake' });
    expect(Buffer.from(await store.get('a.csv')).toString()).toBe(content.toString());
    expect(calls.map((c) => [c.input.Range, c.input.IfMatch])).toEqual([
      [undefined, undefined],
      ['bytes=10-', '"v1"'],
      ['bytes=20-', '"v1"'],
    ]);
  });

  it('resumes a body that ends early without an error (shorter than Content-Length)', async () => {
    let n = 0;
    const { client } = mockClient(
      new Map([
        [
          GetObjectCommand,
          () => (n++ === 0 ? { ETag: '"v1"', ContentLength: content.length, Body: cutBody(content.subarray(0, 5), false) } : { ETag: '"v1"', ContentLength: content.length - 5, Body: cutBody(content.subarray(5), false) }),
        ],
      ]),
    );
    expect(Buffer.from(await new S3Store({ client, bucket: 'lake' }).get('a.csv')).toString()).toBe(content.toString());
  });

  it('refuses to splice two versions when the ETag changes between resumes', async () => {
    let n = 0;
    const { client } = mockClient(
      new Map([[GetObjectCommand, () => ({ ETag: n++ === 0 ? '"v1"' : '"v2"', ContentLength: content.length, Body: cutBody(content.subarray(0, 10)) })]]),
    );
    await expect(new S3Store({ client, bucket: 'lake', prefix: 'raw' }).get('a.csv')).rejects.toThrow(
      'cannot read s3://lake/raw/a.csv: object changed while reading at byte 10 (ETag v1 → v2)',
    );
  });

  it('gives up after maxResumes with the byte offset and the last error', async () => {
    let start = 0;
    const { client, calls } = mockClient(
      new Map([
        [
          GetObjectCommand,
          () => {
            const body = cutBody(content.subarray(start, start + 1));
            start += 1;
            return { ETag: '"v1"', ContentLength: content.length, Body: body };
          },
        ],
      ]),
    );
    const err = await new S3Store({ client, bucket: 'lake', maxResumes: 2 }).get('a.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toBe('cannot read s3://lake/a.csv: body failed 3 times, last at byte 3: aborted');
    expect(calls).toHaveLength(3);
  });

  it('maps NoSuchKey to ObjectNotFoundError with the s3:// URI and keeps the SDK error as cause', async () => {
    const noSuchKey = sdkError('NoSuchKey', 404);
    const { client } = mockClient(new Map([[GetObjectCommand, () => Promise.reject(noSuchKey)]]));
    const err = await new S3Store({ client, bucket: 'lake', prefix: 'raw/' }).get('2011-01.csv.lzo').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect((err as ObjectNotFoundError).uri).toBe('s3://lake/raw/2011-01.csv.lzo');
    expect((err as Error).cause).toBe(noSuchKey);
  });

  it('maps HTTP 403 to AccessDeniedError pointing at the credentials and the endpoint, when the store was not told which', async () => {
    const accessDenied = sdkError('AccessDenied', 403);
    const { client } = mockClient(new Map([[GetObjectCommand, () => Promise.reject(accessDenied)]]));
    const err = await new S3Store({ client, bucket: 'lake' }).get('a.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toBe('cannot read s3://lake/a.csv: access denied (HTTP 403, AccessDenied: AccessDenied message): check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and the endpoint (AWS_ENDPOINT_URL)');
    expect((err as Error).cause).toBe(accessDenied);
  });
});

describe('S3Store.putIfAbsent', () => {
  /** A server holding the keys in `existing`, answering conditional writes of them with `refusal`. */
  function server(refusal: Error, existing: Set<string>) {
    return mockClient(
      new Map<Function, Handler>([
        [PutObjectCommand, (c) => {
          const key = String(c.input.Key);
          if (c.input.IfNoneMatch === '*' && existing.has(key)) throw refusal;
          existing.add(key);
          return {};
        }],
        [DeleteObjectCommand, (c) => void existing.delete(String(c.input.Key))],
        [HeadObjectCommand, () => ({ ContentLength: 5, ETag: '"e"', LastModified: new Date(0) })],
      ]),
    );
  }

  it('takes 409 ConditionalRequestConflict (a conditional write in flight) as an existing key, like 412', async () => {
    const existing = new Set(['p/locks/a.json']);
    const { client, calls } = server(sdkError('ConditionalRequestConflict', 409), existing);
    const store = new S3Store({ client, bucket: 'lake', prefix: 'p' });
    expect(await store.putIfAbsent('locks/a.json', 'x')).toBeUndefined();
    expect(await store.putIfAbsent('locks/b.json', 'x')).toEqual({ key: 'locks/b.json', size: 5, etag: 'e', lastModified: 0 });
    // one probe (two writes and a delete beside the first key), then one write per call
    expect(calls.map((c) => c.name)).toEqual(['PutObjectCommand', 'PutObjectCommand', 'DeleteObjectCommand', 'PutObjectCommand', 'PutObjectCommand', 'HeadObjectCommand']);
    expect(String(calls[0].input.Key)).toMatch(/^p\/locks\/a\.json\.probe-[0-9a-f]{12}$/);
    expect([...existing].sort()).toEqual(['p/locks/a.json', 'p/locks/b.json']);
  });

  it('counts a refused first probe write (a retry that found its first attempt) as the header honoured', async () => {
    const existing = new Set<string>();
    let first = true;
    const { client } = mockClient(
      new Map<Function, Handler>([
        [PutObjectCommand, (c) => {
          existing.add(String(c.input.Key));
          if (first) {
            first = false;
            throw sdkError('PreconditionFailed', 412);
          }
          return {};
        }],
        [DeleteObjectCommand, (c) => void existing.delete(String(c.input.Key))],
        [HeadObjectCommand, () => ({ ContentLength: 1, ETag: '"e"', LastModified: new Date(0) })],
      ]),
    );
    expect(await new S3Store({ client, bucket: 'lake' }).putIfAbsent('locks/a.json', 'x')).toMatchObject({ key: 'locks/a.json' });
    expect([...existing]).toEqual(['locks/a.json']);
  });

  it('has no conditional create on a server that rejects the header with 501 NotImplemented, and says so', async () => {
    const { client } = mockClient(
      new Map<Function, Handler>([
        [PutObjectCommand, (c) => {
          if (c.input.IfNoneMatch !== undefined) throw sdkError('NotImplemented', 501);
          return {};
        }],
        [DeleteObjectCommand, () => ({})],
      ]),
    );
    const err = await new S3Store({ client, bucket: 'lake' }).putIfAbsent('locks/a.json', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionalWriteUnsupportedError);
    expect((err as Error).message).toBe('s3://lake has no conditional create: the server rejects If-None-Match: * on PutObject: NotImplemented: NotImplemented message (HTTP 501)');
  });

  it('fails on other errors of the probe, and probes again at the next call', async () => {
    let down = true;
    const { client, calls } = mockClient(
      new Map<Function, Handler>([
        [PutObjectCommand, () => {
          if (down) throw sdkError('InternalError', 500);
          return {};
        }],
        [DeleteObjectCommand, () => ({})],
        [HeadObjectCommand, () => ({ ContentLength: 1, ETag: '"e"', LastModified: new Date(0) })],
      ]),
    );
    const store = new S3Store({ client, bucket: 'lake' });
    await expect(store.putIfAbsent('locks/a.json', 'x')).rejects.toThrow(/^cannot write s3:\/\/lake\/locks\/a\.json\.probe-[0-9a-f]{12}: InternalError: InternalError message \(HTTP 500\)$/);
    down = false;
    const before = calls.length;
    // The server ignores the header now: the probe runs again and finds that out.
    await expect(store.putIfAbsent('locks/a.json', 'x')).rejects.toBeInstanceOf(ConditionalWriteUnsupportedError);
    expect(calls.slice(before).map((c) => c.name)).toEqual(['PutObjectCommand', 'PutObjectCommand', 'DeleteObjectCommand']);
  });
});
