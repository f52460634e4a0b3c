/** cli/locations.ts: a lake that is a file and a raw folder that does not exist are bad usage. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkLocations, LocationError } from '../../cli/locations';

describe('checkLocations', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-locations-'));
    mkdirSync(join(dir, 'raw'));
    writeFileSync(join(dir, 'file'), 'not a folder');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('accepts an existing raw folder and a lake folder that exists or not yet', async () => {
    await expect(checkLocations({ lake: join(dir, 'new-lake'), raw: join(dir, 'raw') })).resolves.toBeUndefined();
    await expect(checkLocations({ lake: pathToFileURL(dir).href, raw: pathToFileURL(join(dir, 'raw')).href })).resolves.toBeUndefined();
    await expect(checkLocations({ lake: 's3://lake/prefix', raw: 's3://raw' })).resolves.toBeUndefined();
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
});
