/** The minio client settings of lib/minio-client.ts, from the same AWS variables as the S3 store. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMinioEndpoint, minioTargetFromEnv } from '../../lib/minio-client';
import { InvalidStoreUriError, StoreConfigError } from '../../lib/store/open';
import { startS3Server } from '../helpers/s3server';

const ENV = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'berserkr-local', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' };

describe('minioTargetFromEnv', () => {
  it('splits the URI into bucket and a prefix ending in /', () => {
    expect(minioTargetFromEnv('s3://raw/online-retail/', ENV)).toMatchObject({ bucket: 'raw', prefix: 'online-retail/' });
    expect(minioTargetFromEnv('s3://raw', ENV)).toMatchObject({ bucket: 'raw', prefix: '' });
  });

  it('refuses local folders and missing static credentials', () => {
    expect(() => minioTargetFromEnv('data/online-retail', ENV)).toThrow(StoreConfigError);
    expect(() => minioTargetFromEnv('ftp://raw', ENV)).toThrow(InvalidStoreUriError);
    const noSecret = { ...ENV, AWS_SECRET_ACCESS_KEY: '' };
    expect(() => minioTargetFromEnv('s3://raw', noSecret)).toThrow(/expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY both set/);
  });

  it('rejects a bad endpoint, naming the variable', () => {
    expect(() => minioTargetFromEnv('s3://raw', { ...ENV, AWS_ENDPOINT_URL: 'minio:9000' })).toThrow(/invalid AWS_ENDPOINT_URL="minio:9000"/);
  });
});

describe('isMinioEndpoint', () => {
  it('is true for a server answering MinIO\'s liveness probe, false for s3rver and for nothing listening', async () => {
    const minioLike = http.createServer((req, res) => res.writeHead(req.url === '/minio/health/live' ? 200 : 403).end());
    await new Promise<void>((resolve) => minioLike.listen(0, '127.0.0.1', resolve));
    const s3rver = await startS3Server(['raw']);
    try {
      expect(await isMinioEndpoint(`http://127.0.0.1:${(minioLike.address() as AddressInfo).port}`)).toBe(true);
      expect(await isMinioEndpoint(s3rver.endpoint)).toBe(false);
    } finally {
      await s3rver.stop();
      await new Promise((resolve) => minioLike.close(resolve));
    }
    expect(await isMinioEndpoint(`http://127.0.0.1:${(minioLike.address() as AddressInfo | null)?.port ?? 1}`)).toBe(false);
  });
});
