/**
 * `berserkr seed`: uploads the raw files of a local folder (those ingest takes: `raw.pattern`, `csv.compression`)
 * to the raw bucket with the `minio` package. Every outcome prints its one summary (`--output json`): an error
 * before the uploads is thrown to `main`, which prints it with the exit code of bad usage (2) or failure (1).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { Compression, RawSelection } from '../../lib/catalog/raw-objects';
import { assertValidKey } from '../../lib/store/keys';
import type { GlobalOptions } from '../context';
import { printResult, type OutputFormat } from '../output';
import { EXIT, UsageError } from '../exit';

interface SeedOptions extends GlobalOptions {
  from: string;
  raw: string;
  config?: string;
  only?: string[];
}

/** The Content-Type of an uploaded raw file, by how ingest reads it. */
const CONTENT_TYPES: Readonly<Record<Compression, string>> = { lzop: 'application/x-lzop', gzip: 'application/gzip', zstd: 'application/zstd', none: 'text/csv' };

/** A file of the folder that seed does not upload, and why (the reason ingest would skip it). */
export interface SeedSkip {
  file: string;
  reason: string;
}

/**
 * The files of folder `from` that seed uploads: those ingest takes under `selection`
 * (`skipReason` of `lib/catalog/raw-objects.ts`: `raw.pattern`, case-insensitive, and
 * `csv.compression`), in name order; or, with `only`, the files it names.
 * @param names the names the folder holds.
 * @returns the files to upload, and the others with the reason ingest would skip them (none with `only`).
 * @throws UsageError when `only` names a file the folder does not hold or ingest would skip, quoting each
 *   with its reason; or when the folder holds no file ingest takes, naming the folder and what it holds.
 * @example seedFiles('data/online-retail', ['2011-01.csv.lzo', 'README.md'], defaults)
 *   // { files: ['2011-01.csv.lzo'], skipped: [{ file: 'README.md', reason: 'does not match raw.pattern "**\/*.csv*" (case-insensitive)' }] }
 */
export function seedFiles(from: string, names: readonly string[], selection: RawSelection, only?: readonly string[]): { files: string[]; skipped: SeedSkip[] } {
  const { skipReason } = require('../../lib/catalog/raw-objects') as typeof import('../../lib/catalog/raw-objects');
  const why = skipReason(selection);
  const sorted = [...names].sort();
  const skipped = sorted.flatMap((file) => {
    const reason = why(file);
    return reason === undefined ? [] : [{ file, reason }];
  });
  const files = sorted.filter((file) => why(file) === undefined);
  if (only !== undefined) {
    const refused = only.flatMap((file) => {
      const reason = names.includes(file) ? why(file) : `not in ${from}`;
      return reason === undefined ? [] : [`${file} (${reason})`];
    });
    if (refused.length > 0) throw new UsageError(`--only names files seed does not upload: ${refused.join(', ')}; it uploads ${files.length === 0 ? 'none' : files.join(', ')}`);
    return { files: [...new Set(only)], skipped: [] };
  }
  if (files.length === 0) {
    const held = skipped.length === 0 ? 'it is empty' : `it holds ${skipped.slice(0, 5).map((s) => `${s.file} (${s.reason})`).join(', ')}${skipped.length > 5 ? `, and ${skipped.length - 5} more` : ''}`;
    throw new UsageError(`--from ${JSON.stringify(from)} holds no raw file that ingest takes (raw.pattern ${JSON.stringify(selection.raw.pattern)}, csv.compression ${selection.csv.compression}): ${held}`);
  }
  return { files, skipped };
}

/** Registers `seed` on `program`. */
export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('upload the raw files of a local folder that ingest takes (raw.pattern, **/*.csv* by default) to the raw bucket (s3:// URI; MinIO or any S3-compatible store) with the minio client; the others are logged as skipped')
    .addOption(new Option('--from <dir>', 'local folder of raw files, e.g. data/online-retail (required: seed uploads no folder by default)').makeOptionMandatory())
    .addOption(new Option('--raw <uri>', 'raw bucket, s3://bucket/prefix').makeOptionMandatory().env('BERSERKR_RAW'))
    .addOption(new Option('--config <file>', 'data-set configuration whose raw.pattern and csv.compression pick the files, as ingest picks raw objects (default: raw.pattern **/*.csv*, csv.compression auto)').env('BERSERKR_CONFIG'))
    .addOption(new Option('--only <files...>', 'upload only these file names (e.g. 2011-12.csv.lzo)'))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<SeedOptions>();
      const { commandLogger } = require('../context') as typeof import('../context');
      const { minioTargetFromEnv } = require('../../lib/minio-client') as typeof import('../../lib/minio-client');
      const { DEFAULT_RAW_PATTERN, readConfig } = require('../../lib/config') as typeof import('../../lib/config');
      const { checkFolder } = require('../locations') as typeof import('../locations');
      const { compressionOf } = require('../../lib/catalog/raw-objects') as typeof import('../../lib/catalog/raw-objects');
      const log = commandLogger(o, 'seed');
      await checkFolder('--from', o.from, 'raw files');
      const target = minioTargetFromEnv(o.raw, process.env);
      // An empty BERSERKR_CONFIG names no configuration.
      const selection: RawSelection = o.config === undefined || o.config === '' ? { raw: { pattern: DEFAULT_RAW_PATTERN }, csv: { compression: 'auto' } } : await readConfig(o.config);
      const { files, skipped } = seedFiles(o.from, await readdir(o.from), selection, o.only);
      for (const { file, reason } of skipped) log.info({ file, reason }, `skipped ${join(o.from, file)}: ${reason}`);
      const todo = files.map((file) => {
        const how = compressionOf(file, selection.csv.compression);
        return { file, key: target.prefix + assertValidKey(file, o.raw), type: 'compression' in how ? CONTENT_TYPES[how.compression] : 'application/octet-stream' };
      });
      // A bucket known to be missing is bad usage; credentials that may only upload cannot ask, and the uploads will tell.
      if ((await target.client.bucketExists(target.bucket).catch(() => undefined)) === false) {
        throw new UsageError(`the raw bucket ${target.bucket} of ${o.raw} does not exist: create it (make up does) or name another`);
      }
      const uploaded: { object: string; etag: string }[] = [];
      try {
        for (const { file, key, type } of todo) {
          const info = await target.client.fPutObject(target.bucket, key, join(o.from, file), { 'Content-Type': type });
          log.info({ object: `s3://${target.bucket}/${key}`, etag: info.etag }, `uploaded ${file}`);
          uploaded.push({ object: `s3://${target.bucket}/${key}`, etag: info.etag });
        }
      } catch (error) {
        // The usage was fine: the store failed, after some files perhaps (exit 1, not 2).
        const e = error instanceof Error ? error : new Error(String(error));
        log.error({ err: e }, `upload to ${o.raw} failed after ${uploaded.length} of ${todo.length} files: ${e.message}`);
        printResult(o.output as OutputFormat, { command: 'seed', runId: null, status: 'failed', exitCode: EXIT.failed, uploaded, skipped, error: { name: e.name, message: e.message } }, undefined);
        process.exitCode = EXIT.failed;
        return;
      }
      printResult(o.output as OutputFormat, { command: 'seed', runId: null, status: 'ok', exitCode: EXIT.ok, uploaded, skipped }, undefined);
    });
}
