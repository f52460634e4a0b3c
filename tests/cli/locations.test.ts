/**
 * cli/locations.ts: a missing raw, lake or configuration, a lake that is a file,
 * a raw folder or raw bucket that does not exist are bad usage; the variable
 * names of earlier versions never stand in for the ones read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { checkLocations, LocationError, MissingLocationError, renamedVariableWarnings, requireLocations } from '../../cli/locations';
import { buildProgram } from '../../cli/berserkr';
import { commonOptions } from '../../cli/options';
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

  test('refuses a lake folder that does not exist when the lake must exist, quoting it', async () => {
    const lake = join(dir, 'lake-typo');
    await expect(checkLocations({ lake }, {}, true)).rejects.toThrow(`--lake ${JSON.stringify(lake)}: no such folder: a lake is made by berserkr ingest or run (check the path)`);
    await expect(checkLocations({ lake: dir }, {}, true)).resolves.toBeUndefined();
    await expect(checkLocations({ lake: join(dir, 'file') }, {}, true)).rejects.toThrow('is a file, expected a folder');
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

describe('requireLocations', () => {
  /** `ingest` with the location options of every data command, parsed from `argv` and `env`. */
  function parsed(argv: string[], env: NodeJS.ProcessEnv): Command {
    const saved = { ...process.env };
    for (const k of ['BERSERKR_RAW', 'BERSERKR_LAKE', 'BERSERKR_CONFIG']) delete process.env[k];
    Object.assign(process.env, env);
    try {
      const command = new Command('ingest').addOption(commonOptions.raw()).addOption(commonOptions.lake()).addOption(commonOptions.config()).action(() => undefined);
      command.parse(argv, { from: 'user' });
      return command;
    } finally {
      process.env = saved;
    }
  }

  test('takes each location from its flag or its variable', () => {
    expect(() => requireLocations(parsed(['--raw', 'r', '--lake', 'l', '--config', 'c'], {}), {})).not.toThrow();
    const fromEnv = parsed([], { BERSERKR_RAW: 'r', BERSERKR_LAKE: 'l', BERSERKR_CONFIG: 'c' });
    expect(() => requireLocations(fromEnv, {})).not.toThrow();
    expect(fromEnv.opts()).toEqual({ raw: 'r', lake: 'l', config: 'c' });
  });

  test('has no default: a missing raw location, lake or configuration is named', () => {
    const noRaw = parsed(['--lake', 'l', '--config', 'c'], {});
    expect(() => requireLocations(noRaw, {})).toThrow(MissingLocationError);
    expect(() => requireLocations(noRaw, {})).toThrow('--raw is required: give it as --raw or in BERSERKR_RAW; berserkr reads no location by default (make demo names the bundled data)');
    expect(() => requireLocations(parsed(['--raw', 'r', '--config', 'c'], {}), {})).toThrow('--lake is required');
    expect(() => requireLocations(parsed(['--raw', 'r', '--lake', 'l'], {}), {})).toThrow('--config is required');
    // A variable set but empty names nothing.
    expect(() => requireLocations(parsed(['--raw', 'r', '--lake', 'l'], { BERSERKR_CONFIG: '' }), {})).toThrow('--config is required');
  });

  test('says that RAW_URI is not read rather than reading it or the bundled data', () => {
    const env = { RAW_URI: '/my/raw' };
    const command = parsed(['--lake', 'l', '--config', 'c'], env);
    expect(command.opts().raw).toBeUndefined();
    expect(() => requireLocations(command, env)).toThrow('. RAW_URI="/my/raw" is set, but berserkr does not read RAW_URI: rename it BERSERKR_RAW');
    expect(renamedVariableWarnings({ RAW_URI: '/my/raw', LAKE_URI: 's3://lake', BERSERKR_RAW: '/x' })).toEqual([
      { variable: 'RAW_URI', reads: 'BERSERKR_RAW', message: 'RAW_URI is set but not read: berserkr reads BERSERKR_RAW (rename it)' },
      { variable: 'LAKE_URI', reads: 'BERSERKR_LAKE', message: 'LAKE_URI is set but not read: berserkr reads BERSERKR_LAKE (rename it)' },
    ]);
    expect(renamedVariableWarnings({})).toEqual([]);
  });

  test('is checked before every command that names locations, and for runs show under runs', async () => {
    const saved = { ...process.env };
    for (const k of ['BERSERKR_RAW', 'BERSERKR_LAKE', 'BERSERKR_CONFIG', 'RAW_URI', 'LAKE_URI']) delete process.env[k];
    try {
      for (const command of [['ingest'], ['train'], ['score'], ['evaluate'], ['export', '--customers', 'ids.txt'], ['report'], ['backtest', '--as-of', '2011-11-09'], ['run'], ['schedule'], ['gc']]) {
        await expect(buildProgram().parseAsync(['node', 'berserkr', ...command], { from: 'node' })).rejects.toThrow(MissingLocationError);
      }
      await expect(buildProgram().parseAsync(['node', 'berserkr', 'runs', 'show', '20111109T000000Z-3fa9c1'], { from: 'node' })).rejects.toThrow('--lake is required');
    } finally {
      process.env = saved;
    }
  });
});
