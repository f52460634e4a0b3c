/**
 * Checks of the storage locations a command is given, made before anything
 * runs so that a missing or mistyped `--raw` or `--lake` is reported as bad
 * usage (exit 2) instead of being read as an empty raw folder, an empty lake or
 * a default location. Local folders
 * are checked without side effects; a raw bucket by one HeadBucket request.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseStoreUri, s3BucketMissing } from '../lib/store/open';
import { LOCATION_OPTIONS } from './options';

/**
 * Variables that `make`, `.env` and compose of earlier versions used for the
 * locations, by the name berserkr reads. berserkr never read them: a command
 * that finds one set says so (a missing location names it; otherwise a warning).
 */
export const RENAMED_VARIABLES: Readonly<Record<string, string>> = { RAW_URI: 'BERSERKR_RAW', LAKE_URI: 'BERSERKR_LAKE' };

/** A required location (`--raw`, `--lake`, `--config`) given neither as a flag nor in its variable. */
export class MissingLocationError extends Error {
  constructor(readonly option: string, readonly variable: string | undefined, env: NodeJS.ProcessEnv) {
    const old = Object.entries(RENAMED_VARIABLES).find(([name, now]) => now === variable && env[name] !== undefined)?.[0];
    super(
      `${option} is required: give it as ${option} or in ${variable ?? 'its variable'}; berserkr reads no location by default (make demo names the bundled data)`
        + (old === undefined ? '' : `. ${old}=${JSON.stringify(env[old])} is set, but berserkr does not read ${old}: rename it ${variable}`),
    );
    this.name = 'MissingLocationError';
  }
}

/**
 * Checks that `command` (and the commands it is under) has a value for each of
 * its location options ({@link LOCATION_OPTIONS}), from its flag or its variable
 * (an empty one, such as `BERSERKR_CONFIG=`, counts as missing); the `preAction` hook of the program.
 * @throws MissingLocationError for the first one missing.
 */
export function requireLocations(command: Command, env: NodeJS.ProcessEnv = process.env): void {
  for (let c: Command | null = command; c !== null; c = c.parent) {
    for (const option of c.options) {
      const value: unknown = c.getOptionValue(option.attributeName());
      if (LOCATION_OPTIONS.has(option) && (value === undefined || value === '')) throw new MissingLocationError(option.long ?? option.flags, option.envVar, env);
    }
  }
}

/**
 * Warnings for the variables of {@link RENAMED_VARIABLES} set in `env`, e.g.
 * `RAW_URI is set but not read: berserkr reads BERSERKR_RAW (rename it)`.
 */
export function renamedVariableWarnings(env: NodeJS.ProcessEnv = process.env): { variable: string; reads: string; message: string }[] {
  return Object.entries(RENAMED_VARIABLES)
    .filter(([old]) => env[old] !== undefined)
    .map(([variable, reads]) => ({ variable, reads, message: `${variable} is set but not read: berserkr reads ${reads} (rename it)` }));
}

/** A `--raw`, `--lake` (or `seed --from`) value that cannot be the location it names. */
export class LocationError extends Error {
  constructor(readonly option: string, readonly uri: string, detail: string) {
    super(`${option} ${JSON.stringify(uri)}: ${detail}`);
    this.name = 'LocationError';
  }
}

/** What a local path is: a folder, something else (a file), or nothing. */
async function kindOf(path: string): Promise<'folder' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

/**
 * Checks the locations of a command: the lake, when a local path, must be a
 * folder, or not exist yet when the command may create it (it is created on
 * first write; `lakeMustExist` false, the default); the raw location,
 * when given, must be an existing folder, or an S3 bucket the server does not
 * report missing (other failures, such as an unreachable server, are left to
 * the command, which retries and reports them; see `s3BucketMissing`).
 * @param locations `lake` and optional `raw` storage URIs as given on the command line.
 * @param env the environment that configures S3 (endpoint, credentials).
 * @param lakeMustExist whether a local lake folder must exist already: true for the commands that read a
 *   lake ingest or run made, so that a mistyped `--lake` is not taken for an empty lake and written to.
 * @throws LocationError quoting the option and its value; InvalidStoreUriError for a URI that does not parse;
 *   the errors of `openStore` for a bad S3 bucket name or environment; other `fs` errors unchanged.
 */
export async function checkLocations(locations: { lake: string; raw?: string }, env: NodeJS.ProcessEnv = process.env, lakeMustExist = false): Promise<void> {
  const lake = parseStoreUri(locations.lake);
  if (lake.kind === 'file') {
    const kind = await kindOf(lake.path);
    if (kind === 'other') throw new LocationError('--lake', locations.lake, `is a file, expected a folder${lakeMustExist ? '' : ' (or a path that does not exist yet)'}`);
    if (kind === 'missing' && lakeMustExist) throw new LocationError('--lake', locations.lake, 'no such folder: a lake is made by berserkr ingest or run (check the path)');
  }
  if (locations.raw !== undefined) await checkRawLocation(locations.raw, env);
}

/**
 * Checks a raw location alone (commands that read raw objects without a lake, such as `validate`):
 * an existing folder, or an S3 bucket the server does not report missing.
 * @throws as {@link checkLocations}.
 */
export async function checkRawLocation(uri: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const raw = parseStoreUri(uri);
  if (raw.kind === 's3') {
    if (await s3BucketMissing(uri, env)) throw new LocationError('--raw', uri, `no such bucket ${JSON.stringify(raw.bucket)}`);
    return;
  }
  await checkFolder('--raw', uri, 'raw objects', raw.path);
}

/**
 * Checks that a local folder given as `option` exists and is a folder.
 * @param value the option's value as given, quoted in the error.
 * @param holds what the folder holds, for the error (`raw objects`).
 * @param path the path to check, when `value` is a URI such as `file://…`; default `value`.
 * @throws LocationError quoting the option and its value: `no such folder`, or `is a file, expected a folder of <holds>`;
 *   other `fs` errors unchanged.
 */
export async function checkFolder(option: string, value: string, holds: string, path = value): Promise<void> {
  const kind = await kindOf(path);
  if (kind === 'missing') throw new LocationError(option, value, 'no such folder');
  if (kind === 'other') throw new LocationError(option, value, `is a file, expected a folder of ${holds}`);
}
