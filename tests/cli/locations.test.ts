/** cli/locations.ts: a lake that is a file, a raw folder or raw bucket that does not exist are bad usage. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkLocations, LocationError } from '../../cli/locations';
import { startS3Server, type S3Server } from '../helpers/s3server';

describe('checkLocations', () => {
  let dir: string;
  let server: S3Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-locations-'));
    mkdirSync(join(dir, 'raw'));
    writeFileSync(join(dir, 'file'), 'not a folder');
    server = await startS3Server(['raw', 'lake']);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  });

  test('accepts an existing raw folder and a lake folder that exists or not yet', async () => {
    await expect(checkLocations({ lake: join(dir, 'new-lake'), raw: join(dir, 'raw') })).resolves.toBeUndefined();
    await expect(checkLocations({ lake: pathToFileURL(dir).href, raw: pathToFileURL(join(dir, 'raw')).href })).resolves.toBeUndefined();
    await expect(checkLocations({ lake: 's3://lake/prefix', raw: 's3://raw' }, server.env)).resolves.toBeUndefined();
    await expect(checkLocations({ lake: dir, raw: 's3://raw/landing/2011' }, server.env)).resolves.toBeUndefined();
  });

  test('refuses a lake that is a file, quoting it', async () => {
    const lake = join(dir, 'file');
    await expect(checkLocations({ lake })).rejects.toThrow(LocationError);
    await expect(checkLocations({ lake })).rejects.toThrow(`--lake ${JSON.stringify(lake)}: is a file, expected a folder`);
  });

  test('refuses a raw folder that does not exist, or a raw file', async () => {
    const missing = join(dir, 'no-such-raw');
    await expect(checkLocations({ lake: dir, raw: missing })).rejects.toThrow(`--raw ${JSON.stringify(missing)}: no such folder`);
    await expect(checkLocations({ lake: dir, raw: join(dir, 'file') })).rejects.toThrow('is a file, expected a folder of raw objects');
  });

  test('refuses a raw bucket that does not exist, quoting the URI', async () => {
    const raw = 's3://no-such-bucket/landing';
    await expect(checkLocations({ lake: dir, raw }, server.env)).rejects.toThrow(LocationError);
    await expect(checkLocations({ lake: dir, raw }, server.env)).rejects.toThrow('--raw "s3://no-such-bucket/landing": no such bucket "no-such-bucket"');
    await expect(checkLocations({ lake: dir, raw: 's3://Bad_Bucket/landing' }, server.env)).rejects.toThrow('invalid S3 bucket name "Bad_Bucket"');
  });

  test('leaves a raw store it cannot reach to the command, which reports it with retries', async () => {
    const down = { ...server.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    await expect(checkLocations({ lake: dir, raw: 's3://raw' }, down)).resolves.toBeUndefined();
  });
});
