/**
 * Resilience (issue 6): a put/get/list/delete sequence through a proxy that
 * fails 20% of the requests (503 SlowDown, connection reset while sending,
 * response cut mid-body) completes with correct bytes, thanks to the SDK's
 * standard retry strategy plus the store's ranged resume of cut downloads.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { openStore, s3ClientConfigFromEnv } from '../../lib/store/open';
import { S3Store } from '../../lib/store/s3';
import { StoreError } from '../../lib/store/store';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy';
import { startS3Server, type S3Server } from '../helpers/s3server';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

function body(i: number): Buffer {
  const size = 1000 + ((i * 7919) % 50) * 4000; // 1 KB … 197 KB
  const out = Buffer.alloc(size);
  for (let j = 0; j < size; j++) out[j] = (i * 31 + j * 17) & 0xff;
  return out;
}

describe('S3Store through a faulty network', () => {
  let server: S3Server;
  let proxy: FaultyProxy;

  beforeAll(async () => {
    server = await startS3Server(['lake']);
    proxy = await startFaultyProxy({ target: server.endpoint, rate: 0.2, seed: 20111209, lifetimeMs: 100_000 });
  });
  afterAll(async () => {
    await proxy.stop();
    await server.stop();
  });

  it('completes a put/list/get/head/delete sequence with 20% of requests failing', async () => {
    const store = openStore('s3://lake/faulty', { ...server.env, AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: '10' });
    const keys = Array.from({ length: 40 }, (_, i) => `clean/online-retail/part-${String(i).padStart(2, '0')}.parquet`);
    for (const [i, key] of keys.entries()) {
      const info = await store.put(key, body(i));
      expect(info.etag).toBe(md5(body(i)));
    }
    async function* streamed(): AsyncGenerator<Uint8Array> {
      const big = body(3);
      for (let k = 0; k < 60; k++) yield big; // ~10 MiB streamed → multipart upload through the faults
    }
    const bigInfo = await store.put('models/m1/weights.bin', streamed());
    expect(bigInfo.size).toBe(60 * body(3).length);

    const listed = await store.list('clean/');
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.map((o) => o.etag)).toEqual(keys.map((_, i) => md5(body(i))));

    for (const [i, key] of keys.entries()) {
      expect(md5(await store.get(key))).toBe(md5(body(i)));
    }
    const big = await store.get('models/m1/weights.bin');
    expect(md5(big)).toBe(md5(Buffer.concat(Array.from({ length: 60 }, () => body(3)))));

    for (const key of keys.slice(0, 10)) await store.delete(key);
    expect(await store.head(keys[0])).toBeUndefined();
    expect((await store.list('clean/')).map((o) => o.key)).toEqual(keys.slice(10));

    // the run really met every kind of fault, and about the configured share of requests
    expect(proxy.stats.faults['503']).toBeGreaterThan(0);
    expect(proxy.stats.faults['reset-request']).toBeGreaterThan(0);
    expect(proxy.stats.faults['cut-response']).toBeGreaterThan(0);
    const faults = proxy.stats.faults['503'] + proxy.stats.faults['reset-request'] + proxy.stats.faults['cut-response'];
    expect(faults / proxy.stats.requests).toBeGreaterThan(0.1);
  });

  it('resumes downloads whose body is cut mid-transfer, which the SDK retry cannot see', async () => {
    const direct = openStore('s3://lake/cut', server.env);
    const content = body(49); // 197 KB
    await direct.put('scores/r1/scores.parquet', content);
    const cutting = await startFaultyProxy({ target: server.endpoint, rate: 0.5, seed: 7, kinds: ['cut-response'], lifetimeMs: 60_000 });
    try {
      const config = s3ClientConfigFromEnv({ ...server.env, AWS_ENDPOINT_URL: cutting.endpoint, AWS_MAX_ATTEMPTS: '10' }, 'test');
      const resuming = new S3Store({ client: new S3Client(config), bucket: 'lake', prefix: 'cut', maxResumes: 20 });
      const fragile = new S3Store({ client: new S3Client(config), bucket: 'lake', prefix: 'cut', maxResumes: 0 });
      for (let i = 0; i < 5; i++) expect(md5(await resuming.get('scores/r1/scores.parquet'))).toBe(md5(content));
      expect(cutting.stats.faults['cut-response']).toBeGreaterThan(0);
      let failures = 0;
      for (let i = 0; i < 10; i++) {
        await fragile.get('scores/r1/scores.parquet').catch((e: unknown) => {
          expect((e as Error).message).toMatch(/^cannot read s3:\/\/lake\/cut\/scores\/r1\/scores\.parquet: body failed 1 time, last at byte \d+/);
          failures++;
        });
      }
      expect(failures).toBeGreaterThan(0);
    } finally {
      await cutting.stop();
    }
  });

  it('fails with a clear error naming the object when the endpoint is unreachable', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const store = openStore('s3://lake/x', { ...server.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}`, AWS_MAX_ATTEMPTS: '2' });
    const err = await store.get('clean/a.parquet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot read s3://lake/x/clean/a\\.parquet: .*ECONNREFUSED.*127\\.0\\.0\\.1:${closedPort}.* after 2 attempts$`),
    );
  });
});
