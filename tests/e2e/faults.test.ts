/**
 * Issue 6, faults: a whole `berserkr run` through a fault-injecting proxy (20% of
 * requests answered 503 SlowDown, reset mid-request or cut mid-body) between
 * berserkr and an S3 test server on loopback completes, and its export equals
 * the fault-free run's. With the store unreachable the run fails fast with a
 * clear error, leaves nothing half-written, and no secret appears in the logs,
 * the output or the run record. Four real Online Retail months, short training.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/open';
import { FaultyProxy, startFaultyProxy } from '../helpers/faulty-proxy';
import { RETAIL_CONFIG, ROOT, runCli } from '../helpers/cli';
import { S3Server, startS3Server } from '../helpers/s3server';

const MONTHS = ['2010-12.csv.lzo', '2011-01.csv.lzo', '2011-02.csv.lzo', '2011-03.csv.lzo'];
const FAST = ['--train-cutoffs', '1', '--epochs', '1', '--train-groups', '1024', '--members', '1'];
const ENV = { BERSERKR_LOCK_SETTLE: '500ms' };
const SECRET = 'Sekr3t-9f27c1d4e8b6a0-never-log-me';
const ACCESS_KEY = 'AKIAFAKEBERSERKR0001';
const TIMEOUT = 60_000;
/** Two short runs side by side: about two minutes on an idle two-core machine, more under load. */
const RUN_TIMEOUT = 300_000;

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('faults between berserkr and the store', () => {
  let server: S3Server;
  let proxy: FaultyProxy | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-faults-'));
    server = await startS3Server(['raw', 'lake']);
    const raw = openStore('s3://raw/online-retail', server.env);
    for (const m of MONTHS) await raw.put(m, readFileSync(join(ROOT, 'data', 'online-retail', m)));
  });
  afterAll(async () => {
    await proxy?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('with 20% of requests failing or cut, a whole run completes with the fault-free export', async () => {
    const run = (lake: string, env: Record<string, string>) => runCli(['run', '--raw', 's3://raw/online-retail', '--lake', lake, '--config', RETAIL_CONFIG, ...FAST], { ...ENV, ...env });
    proxy = await startFaultyProxy({ target: server.endpoint, rate: 0.2, seed: 6, lifetimeMs: RUN_TIMEOUT });
    // The two runs are independent (separate lake prefixes, so separate locks): run them side by side.
    // 10 attempts per request: a request fails for good with probability 0.2^10.
    const [clean, faulty] = await Promise.all([
      run('s3://lake/fault-free', server.env),
      run('s3://lake/faulty', { ...server.env, AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: '10' }),
    ]);
    const faults = proxy.stats.faults;
    await proxy.stop();
    expect(clean.code).toBe(0);
    expect(faulty.stderr).not.toMatch(/ERROR/);
    expect(faulty.code).toBe(0);
    expect(faults['503']).toBeGreaterThan(0);
    expect(faults['reset-request']).toBeGreaterThan(0);
    expect(faults['cut-response']).toBeGreaterThan(0);

    const text = async (uri: string, key: string) => Buffer.from(await openStore(uri, server.env).get(key)).toString('utf8');
    const expected = await text('s3://lake/fault-free', 'exports/online-retail/latest/top-k.csv');
    expect(expected.split('\r\n').length).toBeGreaterThan(1000);
    expect(await text('s3://lake/faulty', 'exports/online-retail/latest/top-k.csv')).toBe(expected);
  }, RUN_TIMEOUT);

  test('an unreachable raw store fails the run fast and clearly, writing only the run record, without secrets', async () => {
    const lake = join(dir, 'lake-raw-down');
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['run', '--raw', 's3://raw/online-retail', '--lake', lake, '--config', RETAIL_CONFIG, ...FAST], {
      ...ENV,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: `${SECRET}-session`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot list s3:\/\/raw\/online-retail\/: .*ECONNREFUSED/);
    const runs = readdirSync(join(lake, 'runs', 'online-retail'));
    expect(runs).toHaveLength(1);
    // nothing but the run record: no clean data, ledger, model or export (the released lock's folder is removed with it)
    expect(readdirSync(lake).sort()).toEqual(['runs']);
    const record = readFileSync(join(lake, 'runs', 'online-retail', runs[0]), 'utf8');
    expect(JSON.parse(record)).toMatchObject({ status: 'failed', errors: [{ name: 'StoreError', message: expect.stringContaining('ECONNREFUSED') }] });
    for (const text of [r.stdout, r.stderr, record]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ACCESS_KEY);
    }
  }, TIMEOUT);

  test('an unreachable lake fails the run before any stage, naming the lock it could not read', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['--log-format', 'json', 'run', '--raw', join(ROOT, 'data', 'online-retail'), '--lake', 's3://lake/down', '--config', RETAIL_CONFIG, ...FAST], {
      ...ENV,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read s3:\/\/lake\/down\/locks\/online-retail.json: .*ECONNREFUSED/);
    expect(r.stderr).toContain('cannot write the run record');
    expect(r.stderr).not.toContain('"stage":"ingest"');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain(ACCESS_KEY);
  }, TIMEOUT);
});
