/** `berserkr seed`: uploads local raw files (the bundled Online Retail months) to the raw bucket with the `minio` package. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { assertValidKey } from '../../lib/store/keys';
import type { GlobalOptions } from '../context';
import { printResult, type OutputFormat } from '../output';
import { EXIT } from '../exit';

interface SeedOptions extends GlobalOptions {
  from: string;
  raw: string;
  only?: string[];
}

/** Registers `seed` on `program`. */
export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('upload the *.csv.lzo files of a local folder to the raw bucket (s3:// URI; MinIO or any S3-compatible store) with the minio client')
    .addOption(new Option('--from <dir>', 'local folder of *.csv.lzo files').default('data/online-retail'))
    .addOption(new Option('--raw <uri>', 'raw bucket, s3://bucket/prefix').makeOptionMandatory().env('BERSERKR_RAW'))
    .addOption(new Option('--only <files...>', 'upload only these file names (e.g. 2011-12.csv.lzo)'))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<SeedOptions>();
      const { commandLogger } = require('../context') as typeof import('../context');
      const { minioTargetFromEnv } = require('../../lib/minio-client') as typeof import('../../lib/minio-client');
      const log = commandLogger(o, 'seed');
      const target = minioTargetFromEnv(o.raw, process.env);
      const files = (await readdir(o.from)).filter((f) => f.endsWith('.csv.lzo')).sort();
      const missing = (o.only ?? []).filter((f) => !files.includes(f));
      if (missing.length > 0) {
        log.error(`--only names files not in ${o.from}: ${missing.join(', ')} (found ${files.join(', ')})`);
        process.exitCode = EXIT.usage;
        return;
      }
      const uploaded: { object: string; etag: string }[] = [];
      const todo = (o.only ?? files).map((file) => ({ file, key: target.prefix + assertValidKey(file, o.raw) }));
      // A bucket known to be missing is bad usage; credentials that may only upload cannot ask, and the uploads will tell.
      if ((await target.client.bucketExists(target.bucket).catch(() => undefined)) === false) {
        log.error(`the raw bucket ${target.bucket} of ${o.raw} does not exist: create it (make up does) or name another`);
        process.exitCode = EXIT.usage;
        return;
      }
      try {
        for (const { file, key } of todo) {
          const info = await target.client.fPutObject(target.bucket, key, join(o.from, file), { 'Content-Type': 'application/x-lzop' });
          log.info({ object: `s3://${target.bucket}/${key}`, etag: info.etag }, `uploaded ${file}`);
          uploaded.push({ object: `s3://${target.bucket}/${key}`, etag: info.etag });
        }
      } catch (error) {
        // The usage was fine: the store failed, after some files perhaps (exit 1, not 2).
        const e = error instanceof Error ? error : new Error(String(error));
        log.error({ err: e }, `upload to ${o.raw} failed after ${uploaded.length} of ${todo.length} files: ${e.message}`);
        printResult(o.output as OutputFormat, { command: 'seed', runId: null, status: 'failed', exitCode: EXIT.failed, uploaded, error: { name: e.name, message: e.message } }, undefined);
        process.exitCode = EXIT.failed;
        return;
      }
      printResult(o.output as OutputFormat, { command: 'seed', runId: null, status: 'ok', exitCode: EXIT.ok, uploaded }, undefined);
    });
}
