import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileStore } from '../../lib/store/file';
import { InvalidKeyError } from '../../lib/store/keys';
import { InvalidStoreUriError, openStore, parseStoreUri, s3ClientConfigFromEnv, StoreConfigError } from '../../lib/store/open';
import { S3Store } from '../../lib/store/s3';

describe('parseStoreUri', () => {
  it.each([
    ['/data/lake', { kind: 'file', path: '/data/lake' }],
    ['lake', { kind: 'file', path: 'lake' }],
    ['./out/lake', { kind: 'file', path: './out/lake' }],
    ['file:///data/lake', { kind: 'file', path: '/data/lake' }],
    ['file:///data/my%20lake/', { kind: 'file', path: '/data/my lake/' }],
    ['s3://lake', { kind: 's3', bucket: 'lake', prefix: '' }],
    ['s3://lake/', { kind: 's3', bucket: 'lake', prefix: '' }],
    ['s3://raw/online-retail', { kind: 's3', bucket: 'raw', prefix: 'online-retail' }],
    ['S3://raw/a/b/', { kind: 's3', bucket: 'raw', prefix: 'a/b' }],
  ])('%s', (uri, expected) => {
    expect(parseStoreUri(uri)).toEqual(expected);
  });

  it.each([
    ['gs://bucket/x', /invalid storage URI "gs:\/\/bucket\/x": expected a path, file:\/\/ or s3:\/\/ URI, found scheme "gs:"/],
    ['https://example.com/lake', /found scheme "https:"/],
    ['s3://', /found no bucket/],
    ['s3:///prefix', /found no bucket/],
    ['file://host/share', /"file:\/\/host\/share": expected file:\/\/\/absolute\/path/],
    ['', /found an empty string/],
    ['s3://lake//dbl', /^invalid storage URI "s3:\/\/lake\/\/dbl": invalid key prefix "\/dbl": expected a relative key, found a leading "\/"$/],
    ['s3://lake/a//b', /invalid key prefix "a\/\/b": expected no empty segment, found "\/\/" at segment 2/],
    ['s3://lake/a/../b', /invalid key prefix "a\/..\/b": expected no ".." segment/],
    ['s3://My_Bucket/x', /^invalid storage URI "s3:\/\/My_Bucket\/x": invalid S3 bucket name "My_Bucket": expected 3-63 characters/],
  ])('rejects %j', (uri, message) => {
    expect(() => parseStoreUri(uri)).toThrow(InvalidStoreUriError);
    expect(() => parseStoreUri(uri)).toThrow(message);
  });
});

describe('s3ClientConfigFromEnv', () => {
  const uri = 's3://lake';

  it('defaults to AWS: us-east-1, virtual-host style, 5 standard attempts, SDK checksum defaults, default credential chain', () => {
    const config = s3ClientConfigFromEnv({}, uri);
    expect(config).toEqual({
      region: 'us-east-1',
      forcePathStyle: false,
      maxAttempts: 5,
      retryMode: 'standard',
      requestHandler: { connectionTimeout: 5000, socketTimeout: 60000 },
    });
  });

  it('points at MinIO with the standard variables: path style and WHEN_REQUIRED checksums by default', () => {
    const config = s3ClientConfigFromEnv(
      {
        AWS_ENDPOINT_URL: 'http://minio:9000',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'minio',
        AWS_SECRET_ACCESS_KEY: 'minio-secret',
        AWS_MAX_ATTEMPTS: '8',
      },
      uri,
    );
    expect(config).toMatchObject({
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      maxAttempts: 8,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' },
    });
  });

  it('prefers AWS_ENDPOINT_URL_S3 and honours explicit overrides', () => {
    const config = s3ClientConfigFromEnv(
      {
        AWS_ENDPOINT_URL: 'http://generic:1',
        AWS_ENDPOINT_URL_S3: 'https://s3.example.net',
        AWS_DEFAULT_REGION: 'ap-south-1',
        AWS_S3_FORCE_PATH_STYLE: 'false',
        AWS_RETRY_MODE: 'adaptive',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported',
        AWS_ACCESS_KEY_ID: 'id',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
      },
      uri,
    );
    expect(config).toMatchObject({
      endpoint: 'https://s3.example.net',
      region: 'ap-south-1',
      forcePathStyle: false,
      retryMode: 'adaptive',
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token' },
    });
  });

  it('leaves credentials to the SDK chain (with AWS_PROFILE) when no key pair is set', () => {
    const config = s3ClientConfigFromEnv({ AWS_PROFILE: 'analytics', AWS_ACCESS_KEY_ID: 'id-without-secret' }, uri);
    expect(config.credentials).toBeUndefined();
    expect(config.profile).toBe('analytics');
  });

  it.each([
    [{ AWS_MAX_ATTEMPTS: '0' }, 'invalid AWS_MAX_ATTEMPTS="0" for s3://lake: expected an integer >= 1'],
    [{ AWS_MAX_ATTEMPTS: 'five' }, 'invalid AWS_MAX_ATTEMPTS="five" for s3://lake: expected an integer >= 1'],
    [{ AWS_S3_FORCE_PATH_STYLE: 'yes' }, 'invalid AWS_S3_FORCE_PATH_STYLE="yes" for s3://lake: expected "true" or "false"'],
    [{ AWS_RETRY_MODE: 'legacy' }, 'invalid AWS_RETRY_MODE="legacy" for s3://lake: expected "standard" or "adaptive"'],
    [{ AWS_ENDPOINT_URL: 'minio:9000' }, 'invalid AWS_ENDPOINT_URL="minio:9000" for s3://lake: expected an http:// or https:// URL'],
    [
      { AWS_RESPONSE_CHECKSUM_VALIDATION: 'ALWAYS' },
      'invalid AWS_RESPONSE_CHECKSUM_VALIDATION="ALWAYS" for s3://lake: expected "WHEN_SUPPORTED" or "WHEN_REQUIRED"',
    ],
  ])('rejects %j', (env, message) => {
    expect(() => s3ClientConfigFromEnv(env, uri)).toThrow(StoreConfigError);
    expect(() => s3ClientConfigFromEnv(env, uri)).toThrow(message);
  });
});

describe('openStore', () => {
  it('opens plain paths and file:// URIs as a FileStore rooted there', () => {
    const dir = join(tmpdir(), 'berserkr-open');
    const plain = openStore(dir, {});
    expect(plain).toBeInstanceOf(FileStore);
    expect(plain.uri).toBe(pathToFileURL(dir).href);
    expect(openStore(pathToFileURL(dir).href, {}).uri).toBe(plain.uri);
    expect((openStore('relative/lake', {}) as FileStore).root).toBe(resolve('relative/lake'));
  });

  it('opens s3:// as an S3Store with the prefix, configured from the given env', () => {
    const store = openStore('s3://raw/online-retail/', { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'eu-west-2', AWS_MAX_ATTEMPTS: '3' });
    expect(store).toBeInstanceOf(S3Store);
    expect(store.uri).toBe('s3://raw/online-retail');
    expect((store as S3Store).prefix).toBe('online-retail/');
    expect((store as S3Store).objectUri('2011-01.csv.lzo')).toBe('s3://raw/online-retail/2011-01.csv.lzo');
  });

  it('rejects an unknown scheme, a bad bucket name and an escaping prefix as a bad URI', () => {
    expect(() => openStore('ftp://host/lake', {})).toThrow(InvalidStoreUriError);
    expect(() => openStore('s3://My_Bucket/x', {})).toThrow(InvalidStoreUriError);
    expect(() => openStore('s3://My_Bucket/x', {})).toThrow(/invalid S3 bucket name "My_Bucket"/);
    expect(() => openStore('s3://lake/a/../b', {})).toThrow(InvalidStoreUriError);
  });

  it('still refuses a bad bucket name or prefix given to the S3 store directly', () => {
    const client = {} as ConstructorParameters<typeof S3Store>[0]['client'];
    expect(() => new S3Store({ client, bucket: 'My_Bucket' })).toThrow(/invalid S3 bucket name "My_Bucket"/);
    expect(() => new S3Store({ client, bucket: 'lake', prefix: '/dbl' })).toThrow(InvalidKeyError);
  });
});
