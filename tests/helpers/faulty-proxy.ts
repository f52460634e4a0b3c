/**
 * A fault-injecting HTTP proxy on 127.0.0.1 for resilience tests (issue 6):
 * it forwards each request to a target server (s3rver) unchanged, Host header
 * included so SigV4 signatures still verify, except that a seeded share of the
 * requests meets one of these faults:
 * - `503`: answered `503 SlowDown` (S3's throttling reply) without forwarding;
 * - `reset-request`: the connection is reset while the request is read, after
 *   at most half of its body (the client sees ECONNRESET/EPIPE);
 * - `cut-response`: forwarded, then the response is cut after its headers and
 *   half of its body (Content-Length announces more than arrives).
 * Decisions come from a mulberry32 PRNG, so a seed gives the same fault
 * sequence for the same request order. The proxy is bounded: it stops
 * injecting after `maxFaults` and closes itself after `lifetimeMs`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Prng } from '../../lib/prng';

export type FaultKind = '503' | 'reset-request' | 'cut-response';

export interface FaultyProxyOptions {
  /** Where requests go, e.g. the s3rver endpoint `http://127.0.0.1:4568`. */
  target: string;
  /** Probability in [0, 1] that a request meets a fault. */
  rate: number;
  /** PRNG seed (uint32). */
  seed: number;
  /** Faults to draw from, uniformly (default all three). */
  kinds?: FaultKind[];
  /** Stop injecting after this many faults (default unbounded). */
  maxFaults?: number;
  /** Close the proxy by itself after this many ms (default 120 000). */
  lifetimeMs?: number;
}

export interface FaultyProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Requests seen and faults injected, by kind. */
  stats: { requests: number; faults: Record<FaultKind, number> };
  /** Closes the proxy and every open connection. */
  stop(): Promise<void>;
}

/**
 * Starts the proxy on a free loopback port.
 * @throws when `rate` is outside [0, 1] or `target` is not an http:// URL.
 */
export async function startFaultyProxy(options: FaultyProxyOptions): Promise<FaultyProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`faulty proxy: expected an http:// target, found ${JSON.stringify(options.target)}`);
  if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`faulty proxy: expected a rate in [0, 1], found ${options.rate}`);
  const kinds = options.kinds ?? ['503', 'reset-request', 'cut-response'];
  const maxFaults = options.maxFaults ?? Infinity;
  const rng = new Prng(options.seed);
  const random = (): number => rng.next();
  const stats = { requests: 0, faults: { '503': 0, 'reset-request': 0, 'cut-response': 0 } as Record<FaultKind, number> };
  let injected = 0;

  const server = http.createServer((req, res) => {
    stats.requests++;
    const draw = random();
    const kind = draw < options.rate && injected < maxFaults ? kinds[Math.floor(random() * kinds.length)] : undefined;
    if (kind) {
      injected++;
      stats.faults[kind]++;
    }

    if (kind === '503') {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml', connection: 'close' });
        res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      });
      return;
    }
    if (kind === 'reset-request') {
      const announced = Number(req.headers['content-length'] ?? 0);
      let seen = 0;
      const cut = () => req.socket.destroy();
      if (announced === 0) return cut();
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= announced / 2) cut();
      });
      req.on('end', cut);
      return;
    }

    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const length = Number(up.headers['content-length'] ?? 0);
        if (kind === 'cut-response' && req.method !== 'HEAD' && length > 1) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          // The first `half` bytes of the body, in order, then the connection is cut.
          const half = Math.floor(length / 2);
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (sent >= half) return;
            const take = chunk.subarray(0, half - sent);
            sent += take.length;
            res.write(take, () => {
              if (sent >= half) {
                up.destroy();
                res.socket?.destroy();
              }
            });
          });
          return;
        }
        if (kind === 'cut-response') {
          // no body to cut (HEAD, empty): reset before the status line instead
          up.resume();
          req.socket.destroy();
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 120_000);
  lifetime.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    async stop() {
      clearTimeout(lifetime);
      if (server.listening) await close();
    },
  };
}
