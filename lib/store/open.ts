/**
 * Storage URIs → {@link ObjectStore}: the one place a store (and its S3 client)
 * is built from configuration. Plain paths and `file://` URIs are local
 * folders; `s3://bucket/prefix` is S3 or any S3-compatible server (MinIO)
 * configured by the standard AWS environment variables.
 */
import { fileURLToPath } from 'node:url';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { FileStore } from './file';
import { bucketNameProblem, prefixProblem } from './keys';
import type { S3Access, S3Store, S3StoreOptions } from './s3';
import { StoreError, type ObjectStore } from './store';

/**
 * An S3 client and store, the AWS SDK loaded on the first call: a command on
 * local folders never loads it (about a third of the CLI's start-up).
 */
function s3Store(config: S3ClientConfig, access: S3Access, location: { bucket: string; prefix: string }): { client: S3Client; store: S3Store } {
  const sdk = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const s3 = require('./s3') as typeof import('./s3');
  const client = new sdk.S3Client(config);
  const options: S3StoreOptions = { client, access, bucket: location.bucket, prefix: location.prefix };
  return { client, store: new s3.S3Store(options) };
}

/** A storage URI that cannot be parsed, or names an unsupported scheme. */
export class InvalidStoreUriError extends StoreError {
  constructor(uri: string, expected: string) {
    super(`invalid storage URI ${JSON.stringify(uri)}: ${expected}`, uri);
    this.name = 'InvalidStoreUriError';
  }
}

/** An environment variable with a value the store configuration cannot use. */
export class StoreConfigError extends StoreError {
  constructor(readonly variable: string, value: string, expected: string, uri: string) {
    super(`invalid ${variable}=${JSON.stringify(value)} for ${uri}: expected ${expected}`, uri);
    this.name = 'StoreConfigError';
  }
}

/** A parsed storage URI. */
export type StoreLocation = { kind: 'file'; path: string } | { kind: 's3'; bucket: string; prefix: string };

/**
 * Parses a storage URI.
 * - `/data/lake`, `lake`, `./lake` (no scheme) → `{ kind: 'file', path }` as given.
 * - `file:///data/lake` → `{ kind: 'file', path: '/data/lake' }` (percent-decoded; a host is an error).
 * - `s3://bucket`, `s3://bucket/a/b/` → `{ kind: 's3', bucket, prefix: '' | 'a/b' }`.
 * A malformed location is refused here, where it is still the user's URI (bad
 * usage), not later by the store as a bad object key (which can come from data).
 * @throws InvalidStoreUriError quoting the URI for any other scheme, an empty bucket,
 *   an invalid S3 bucket name, an S3 prefix that breaks the key rules (`s3://lake//x`,
 *   `s3://lake/a/../b`, see `keys.ts`) or a file URI with a host.
 */
export function parseStoreUri(uri: string): StoreLocation {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (uri.trim() === '') throw new InvalidStoreUriError(uri, 'expected a path, file:// or s3:// URI, found an empty string');
  if (scheme === undefined) return { kind: 'file', path: uri };
  if (scheme === 'file') {
    try {
      return { kind: 'file', path: fileURLToPath(uri) };
    } catch (err) {
      throw new InvalidStoreUriError(uri, `expected file:///absolute/path (${(err as Error).message})`);
    }
  }
  if (scheme === 's3') {
    const m = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(uri);
    if (!m || m[1] === '') throw new InvalidStoreUriError(uri, 'expected s3://bucket or s3://bucket/prefix, found no bucket');
    const [bucket, prefix] = [m[1], m[2].replace(/\/+$/, '')];
    const badName = bucketNameProblem(bucket);
    if (badName !== undefined) throw new InvalidStoreUriError(uri, `invalid S3 bucket name ${JSON.stringify(bucket)}: ${badName}`);
    const badPrefix = prefixProblem(prefix);
    if (badPrefix !== undefined) throw new InvalidStoreUriError(uri, `invalid key prefix ${JSON.stringify(prefix)}: ${badPrefix}`);
    return { kind: 's3', bucket, prefix };
  }
  throw new InvalidStoreUriError(uri, `expected a path, file:// or s3:// URI, found scheme "${scheme}:"`);
}

function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean, uri: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new StoreConfigError(name, raw, '"true" or "false"', uri);
}

/**
 * S3 client configuration from the standard AWS environment (the SDK reads
 * most of these itself, but only from `process.env`; taking them from `env`
 * keeps the store a function of its inputs):
 * - endpoint: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (service-specific
 *   wins, as in the AWS SDKs' "service-specific endpoints" rule); unset = AWS.
 * - region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
 * - path-style addressing: `AWS_S3_FORCE_PATH_STYLE` (`true`/`false`); default
 *   `true` when an endpoint is set (MinIO, s3rver), else `false`.
 * - credentials: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`)
 *   when both are set in `env`; otherwise the SDK's default provider chain
 *   (environment, SSO, `AWS_PROFILE` / shared config files, process, web
 *   identity, ECS and EC2 instance metadata).
 * - retries: the SDK's `standard` retry strategy (or `AWS_RETRY_MODE=adaptive`),
 *   `maxAttempts` = `AWS_MAX_ATTEMPTS` (default 5): exponential backoff with
 *   full jitter (base 100 ms, capped at 20 s) on throttling, 5xx, timeouts and
 *   connection errors (ECONNRESET, EPIPE, ECONNREFUSED, ETIMEDOUT), bounded by a
 *   retry-token bucket. See https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 * - request checksums: `AWS_REQUEST_CHECKSUM_CALCULATION` /
 *   `AWS_RESPONSE_CHECKSUM_VALIDATION` (`WHEN_SUPPORTED` | `WHEN_REQUIRED`);
 *   default `WHEN_REQUIRED` with a custom endpoint, because several
 *   S3-compatible stores reject the CRC32 checksum headers and aws-chunked
 *   trailers the SDK sends by default since 3.729 (the workaround Velero,
 *   rqlite, Doris adopted); unset = the SDK default (`WHEN_SUPPORTED`) against AWS.
 * - timeouts: 5 s to connect, 60 s of socket inactivity.
 * @param uri the storage URI, quoted in errors.
 * @throws StoreConfigError naming the variable and its bad value.
 */
export function s3ClientConfigFromEnv(env: NodeJS.ProcessEnv, uri: string): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new StoreConfigError(env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL', endpoint, 'an http:// or https:// URL', uri);
  }
  const attemptsRaw = env.AWS_MAX_ATTEMPTS;
  const maxAttempts = attemptsRaw === undefined || attemptsRaw === '' ? 5 : Number(attemptsRaw);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new StoreConfigError('AWS_MAX_ATTEMPTS', attemptsRaw ?? '', 'an integer >= 1', uri);
  }
  const retryMode = env.AWS_RETRY_MODE || 'standard';
  if (retryMode !== 'standard' && retryMode !== 'adaptive') {
    throw new StoreConfigError('AWS_RETRY_MODE', retryMode, '"standard" or "adaptive"', uri);
  }
  const checksumMode = (name: string): 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return endpoint !== undefined ? 'WHEN_REQUIRED' : undefined;
    const value = raw.toUpperCase();
    if (value === 'WHEN_SUPPORTED' || value === 'WHEN_REQUIRED') return value;
    throw new StoreConfigError(name, raw, '"WHEN_SUPPORTED" or "WHEN_REQUIRED"', uri);
  };
  const config: S3ClientConfig = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    forcePathStyle: parseBoolean(env, 'AWS_S3_FORCE_PATH_STYLE', endpoint !== undefined, uri),
    maxAttempts,
    retryMode,
    requestHandler: { connectionTimeout: 5_000, socketTimeout: 60_000 },
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  const requestChecksums = checksumMode('AWS_REQUEST_CHECKSUM_CALCULATION');
  if (requestChecksums !== undefined) config.requestChecksumCalculation = requestChecksums;
  const responseChecksums = checksumMode('AWS_RESPONSE_CHECKSUM_VALIDATION');
  if (responseChecksums !== undefined) config.responseChecksumValidation = responseChecksums;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  } else if (env.AWS_PROFILE) {
    config.profile = env.AWS_PROFILE;
  }
  return config;
}

/**
 * The endpoint and the credentials an S3 client configured by {@link s3ClientConfigFromEnv}
 * uses, in words, naming the variables they come from (of their values only the
 * endpoint, without user info, and the profile's name): what a user checks when access is denied.
 */
export function s3AccessFromEnv(env: NodeJS.ProcessEnv, config: S3ClientConfig): S3Access {
  const endpointVariable = env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL';
  const url = String(config.endpoint).replace(/^(https?:\/\/)[^/@]*@/, '$1'); // without user info, which could hold a secret
  const endpoint = config.endpoint === undefined ? `AWS S3 in region ${String(config.region)} (no AWS_ENDPOINT_URL)` : `endpoint ${url} (${endpointVariable})`;
  const credentials =
    config.credentials !== undefined
      ? `the access key of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY${env.AWS_SESSION_TOKEN ? ' (with AWS_SESSION_TOKEN)' : ''}`
      : config.profile !== undefined
        ? `the credentials of profile ${JSON.stringify(config.profile)} (AWS_PROFILE)`
        : "the AWS SDK's default credential chain (neither AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY nor AWS_PROFILE is set)";
  return { endpoint, credentials };
}

/**
 * Opens the store a storage URI names (see {@link parseStoreUri}); for S3 the
 * client is configured by {@link s3ClientConfigFromEnv}. No request is made
 * here: a wrong endpoint or credentials surface on the first call.
 * @example
 * const lake = openStore(process.env.BERSERKR_LAKE ?? './lake');
 * const raw = openStore('s3://raw/online-retail'); // MinIO: AWS_ENDPOINT_URL=http://minio:9000
 * @throws InvalidStoreUriError (see {@link parseStoreUri}), StoreConfigError.
 */
export function openStore(uri: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const location = parseStoreUri(uri);
  if (location.kind === 'file') return new FileStore(location.path);
  const config = s3ClientConfigFromEnv(env, uri);
  return s3Store(config, s3AccessFromEnv(env, config), location).store;
}

/**
 * Whether the S3 bucket of a storage URI is known not to exist, for checks of
 * usage before a command runs. One request without retries
 * ({@link S3Store.bucketExists}); any other failure (an unreachable server,
 * denied access) is left to the command's first use of the store, which
 * retries and reports it.
 * @returns true only when the server answers that the bucket does not exist (404); false for a local folder.
 * @throws the errors of {@link openStore} (a bad URI, bucket name or environment).
 */
export async function s3BucketMissing(uri: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const location = parseStoreUri(uri);
  if (location.kind !== 's3') return false;
  const config = s3ClientConfigFromEnv(env, uri);
  const { client, store } = s3Store({ ...config, maxAttempts: 1 }, s3AccessFromEnv(env, config), location);
  try {
    return await store.bucketExists().then((exists) => !exists, () => false);
  } finally {
    client.destroy();
  }
}
