/**
 * Checks of the storage locations a command is given, made before anything
 * runs so that a mistyped `--raw` or `--lake` is reported as bad usage (exit 2)
 * instead of being read as an empty raw folder or an empty lake. Local folders
 * are checked without side effects; a raw bucket by one HeadBucket request.
 */
import { stat } from 'node:fs/promises';
import { parseStoreUri, s3BucketMissing } from '../lib/store/open';

/** A `--raw` or `--lake` value that cannot be the location it names. */
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
 * folder or not exist yet (it is created on first write); the raw location,
 * when given, must be an existing folder, or an S3 bucket the server does not
 * report missing (other failures, such as an unreachable server, are left to
 * the command, which retries and reports them; see `s3BucketMissing`).
 * @param locations `lake` and optional `raw` storage URIs as given on the command line.
 * @param env the environment that configures S3 (endpoint, credentials).
 * @throws LocationError quoting the option and its value; InvalidStoreUriError for a URI that does not parse;
 *   the errors of `openStore` for a bad S3 bucket name or environment; other `fs` errors unchanged.
 */
export async function checkLocations(locations: { lake: string; raw?: string }, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const lake = parseStoreUri(locations.lake);
  if (lake.kind === 'file' && (await kindOf(lake.path)) === 'other') throw new LocationError('--lake', locations.lake, 'is a file, expected a folder (or a path that does not exist yet)');
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
  const kind = await kindOf(raw.path);
  if (kind === 'missing') throw new LocationError('--raw', uri, 'no such folder');
  if (kind === 'other') throw new LocationError('--raw', uri, 'is a file, expected a folder of raw objects');
}
