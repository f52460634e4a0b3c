/** `berserkr ingest`: new or changed raw objects → clean and rejects Parquet in the lake. */
import { Command } from 'commander';
import type { DataCommandOptions } from '../command';
import { EXIT } from '../exit';
import { IngestFlags, ingestOptions, ingestStepOptions } from '../ingest-options';
import { commonOptions } from '../options';
import type { IngestAllResult } from '../../ingest/run';
import { INGEST_RULES } from '../../ingest/rules';
import type { CommandResult } from '../output';

/**
 * What `ingest` reports: the objects ingested, unchanged, read again because parts the
 * ledger lists for them were gone from the lake (`partsMissing`, with those parts), read again because an
 * older version of ingest's rules made their rows (`olderRules`, with that version) and failed (with why),
 * those of the ingested that no checksum covered, those forgotten, those of
 * another configuration than this run's (which readers then refuse), and the lines read, clean and rejected of those ingested now
 * (`rows`, in physical lines as `IngestCounts` counts them: a record spanning several lines counts them all).
 */
export function ingestResult(result: IngestAllResult): Required<Pick<CommandResult, 'summary' | 'text'>> {
  const rows = { read: 0, clean: 0, rejected: 0 };
  const failed = result.failed.map((f) => ({ object: f.key, error: f.error.message.startsWith(`${f.key}: `) ? f.error.message : `${f.key}: ${f.error.message}` }));
  for (const { entry } of result.ingested) for (const k of ['read', 'clean', 'rejected'] as const) rows[k] += entry.counts[k];
  return {
    summary: {
      ingested: result.ingested.map((i) => i.key),
      unchanged: result.unchanged,
      partsMissing: result.partsMissing.map((p) => ({ object: p.key, parts: p.parts })),
      olderRules: result.olderRules.map((o) => ({ object: o.key, rules: o.rules })),
      newerRules: result.newerRules,
      unchecked: result.ingested.filter((i) => i.entry.checksums?.length === 0).map((i) => i.key),
      failed,
      copies: result.copies,
      forgotten: result.forgotten,
      otherConfiguration: result.otherConfiguration,
      rows,
    },
    text: `ingest: ${result.ingested.length} new or changed, ${result.unchanged.length} unchanged, ${result.failed.length} failed; lines read ${rows.read}, clean ${rows.clean}, rejected ${rows.rejected}\n`
      + result.partsMissing.map((p) => `read again, ${p.parts.length} part(s) gone from the lake: ${p.key}\n`).join('')
      + result.olderRules.map((o) => `read again, rows made by ingest rules ${o.rules} (now ${INGEST_RULES}): ${o.key}\n`).join('')
      + failed.map((f) => `failed: ${f.error}\n`).join('')
      + (result.forgotten.length > 0 ? `forgotten: ${result.forgotten.join(', ')}\n` : '')
      + (result.mixedConfiguration !== undefined ? `error: ${result.mixedConfiguration.message}\n` : ''),
  };
}

/** Registers `ingest` on `program`. */
export function registerIngest(program: Command): void {
  const command = program
    .command('ingest')
    .description('ingest new or changed raw CSV objects (those raw.pattern selects, lzop, gzip, zstd or uncompressed; others are logged as skipped) into clean and rejects Parquet, under the data set\'s lock as run takes it (exit 3 when some objects failed or went over the reject budget, or objects of another configuration stay beside them)')
    .addOption(commonOptions.raw())
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config());
  for (const option of ingestOptions()) command.addOption(option);
  command.action(async (_opts, cmd: Command) => {
    const o = cmd.optsWithGlobals<DataCommandOptions & IngestFlags & { raw: string }>();
    const { runCommand } = require('../command') as typeof import('../command');
    await runCommand('ingest', o, async (ctx) => {
      const { ingestStep } = require('../../ingest/runner') as typeof import('../../ingest/runner');
      const { RawObjects } = require('../../lib/catalog') as typeof import('../../lib/catalog');
      const { openStore } = require('../../lib/store/open') as typeof import('../../lib/store/open');
      const result = await ingestStep(ctx, new RawObjects(openStore(o.raw)), ingestStepOptions(o));
      const partial = result.failed.length > 0 || result.mixedConfiguration !== undefined;
      return { code: partial ? EXIT.partial : EXIT.ok, ...ingestResult(result) };
    });
  });
}
