/**
 * An S3-compatible server for tests: s3rver 3 on 127.0.0.1, a free port, a
 * fresh temp folder, silent, with the given buckets. Path-style only (s3rver's
 * virtual-host mode needs DNS names), signature V4 checked with the fixed
 * S3RVER/S3RVER key pair. Any test can run the stores (or the whole pipeline)
 * against it through `openStore('s3://bucket/…', server.env)`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Standard AWS variables pointing the SDK at this server, for `openStore(uri, env)`. */
  env: Record<string, string>;
  /** Closes the server (and open connections) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver with `buckets` created empty.
 * @throws when s3rver cannot listen or a bucket name is invalid.
 */
export async function startS3Server(buckets: string[]): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'berserkr-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
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
