/**
 * An S3-compatible server for tests: s3rver 3 on 127.0.0.1, a free port, a
 * fresh temp folder, silent, with the given buckets. Path-style only (s3rver's
 * virtual-host mode needs DNS names), with the fixed S3RVER/S3RVER key pair:
 * s3rver does not verify V4 signatures (a wrong secret passes) but refuses any
 * other access key id with 403 InvalidAccessKeyId. Any test can run the stores (or the whole pipeline)
 * against it through `openStore('s3://bucket/…', server.env)`.
 *
 * s3rver ignores `If-None-Match: *` on PutObject (it overwrites), as some
 * S3-compatible servers do; with `conditionalWrites` a middleware in front of it
 * answers such a PutObject of an existing key with 412 PreconditionFailed, one
 * write of a key at a time, as AWS S3 and MinIO do.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver, { type S3rverMiddleware } from 's3rver';

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Standard AWS variables pointing the SDK at this server, for `openStore(uri, env)`. */
  env: Record<string, string>;
  /** Closes the server (and open connections) and removes its folder. */
  stop(): Promise<void>;
}

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Honour `If-None-Match: *` on PutObject (default false: s3rver ignores it). */
  conditionalWrites?: boolean;
}

const PRECONDITION_FAILED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>';

/** A Koa middleware refusing `If-None-Match: *` PutObjects of existing keys, serialised per key. */
function conditionalWrites(server: S3rver): S3rverMiddleware {
  const queues = new Map<string, Promise<unknown>>();
  return async (ctx, next) => {
    if (ctx.method !== 'PUT' || ctx.get('if-none-match') !== '*') return next();
    const [bucket, ...key] = ctx.path.slice(1).split('/').map(decodeURIComponent);
    const id = `${bucket}/${key.join('/')}`;
    const turn = (queues.get(id) ?? Promise.resolve()).then(async () => {
      if (await server.store.existsObject(bucket, key.join('/'))) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body = PRECONDITION_FAILED;
        return;
      }
      await next();
    });
    queues.set(id, turn.catch(() => undefined));
    await turn;
  };
}

/**
 * Starts s3rver with `buckets` created empty.
 * @throws when s3rver cannot listen or a bucket name is invalid.
 */
export async function startS3Server(buckets: string[], options: S3ServerOptions = {}): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'berserkr-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  if (options.conditionalWrites) server.middleware.unshift(conditionalWrites(server));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_S3_FORCE_PATH_STYLE: 'true',
    },
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
