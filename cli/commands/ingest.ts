/** `berserkr ingest`: new or changed raw objects → clean and rejects Parquet in the lake. */
import { Command } from 'commander';
import { RawObjects } from '../../lib/catalog';
import { openStore } from '../../lib/store/open';
import { DataCommandOptions, EXIT, runCommand } from '../command';
import { maxRejectRatioOption } from '../ingest-options';
import { commonOptions } from '../options';
import { IngestStepOptions, ingestStep } from '../../ingest/runner';

/** Registers `ingest` on `program`. */
export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('ingest new or changed raw CSV objects (those raw.pattern selects, lzop, gzip, zstd or uncompressed; others are logged as skipped) into clean and rejects Parquet (exit 3 when some objects failed or went over the reject budget)')
    .addOption(commonOptions.raw())
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(maxRejectRatioOption())
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & IngestStepOptions & { raw: string }>();
      await runCommand('ingest', o, async (ctx) => {
        const result = await ingestStep(ctx, new RawObjects(openStore(o.raw)), o);
        return result.failed.length > 0 ? EXIT.partial : EXIT.ok;
      });
    });
}
