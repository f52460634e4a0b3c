/**
 * A `minio` package client from the same standard AWS environment the S3 store
 * reads (see `s3ClientConfigFromEnv` in lib/store/open.ts): endpoint, region,
 * path-style and static credentials. Used where berserkr needs MinIO's own API:
 * uploading seed files and listening to bucket notifications (a MinIO
 * extension; AWS S3 does not offer it).
 */
import * as Minio from 'minio';
import { parseStoreUri, s3ClientConfigFromEnv, StoreConfigError } from './store/open';

/** Bucket and key prefix (empty or ending in `/`) of an `s3://` URI, and a client for it. */
export interface MinioTarget {
  client: Minio.Client;
  bucket: string;
  prefix: string;
  /** The S3 endpoint the client talks to, e.g. `http://minio:9000`. */
  endpoint: string;
}

/**
 * Builds a minio client for `uri` (`s3://bucket/prefix`) from `env`.
 * Without an endpoint variable the client talks to `s3.amazonaws.com`.
 * @throws InvalidStoreUriError when `uri` is not an s3:// URI; StoreConfigError
 *   for bad variables, or when no static credentials are set (the minio client
 *   has no AWS provider chain).
 */
export function minioTargetFromEnv(uri: string, env: NodeJS.ProcessEnv): MinioTarget {
  const location = parseStoreUri(uri);
  if (location.kind !== 's3') throw new StoreConfigError('uri', uri, 'an s3://bucket/prefix URI', uri);
  const config = s3ClientConfigFromEnv(env, uri);
  const endpoint = new URL(typeof config.endpoint === 'string' ? config.endpoint : 'https://s3.amazonaws.com');
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    throw new StoreConfigError('AWS_ACCESS_KEY_ID', env.AWS_ACCESS_KEY_ID ? '(set)' : '', 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY both set', uri);
  }
  const useSSL = endpoint.protocol === 'https:';
  const client = new Minio.Client({
    endPoint: endpoint.hostname,
    port: endpoint.port === '' ? (useSSL ? 443 : 80) : Number(endpoint.port),
    useSSL,
    region: typeof config.region === 'string' ? config.region : 'us-east-1',
    pathStyle: config.forcePathStyle ?? true,
    accessKey: env.AWS_ACCESS_KEY_ID,
    secretKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  });
  return { client, bucket: location.bucket, prefix: location.prefix === '' ? '' : `${location.prefix}/`, endpoint: endpoint.origin };
}

/**
 * Whether `endpoint` is a MinIO server, and so offers ListenBucketNotification:
 * MinIO answers its unauthenticated liveness probe `GET /minio/health/live` with
 * 200 (https://min.io/docs/minio/linux/operations/monitoring/healthcheck-probe.html);
 * AWS S3 and other S3-compatible servers answer 4xx. Asked before listening
 * because on a non-MinIO server the minio client's poller throws from inside
 * its response stream (an XML body parsed as JSON) instead of emitting `error`.
 * @param timeoutMs give up (and answer false) after this long; default 5 s.
 * @returns false on any error or non-200 answer.
 */
export async function isMinioEndpoint(endpoint: string, timeoutMs = 5_000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/minio/health/live', endpoint), { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
