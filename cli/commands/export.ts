/**
 * `berserkr export [--customers <file>] [--top-k <n>] [--min-probability <p>]`: re-export
 * the lists of chosen customers (default all), cut to their first n items or their
 * items of at least p, from the latest (or `--run-id`) export without rescoring, into
 * `exports/<data set>/<this run id>/` with its sidecar. `exports/<data set>/latest.json` is left as is:
 * a subset never becomes the latest export.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { ExportFormat } from '../../lib/catalog';
import type { DataCommandOptions } from '../command';
import { UsageError } from '../exit';
import { commonOptions, parseRatio, parseTopK } from '../options';
import { formatOption, runIdOption } from './score';

/** The text of the `--customers` file; an unreadable one is bad usage, naming it. */
async function readCustomerFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the --customers file ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}

/** Registers `export` on `program`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('re-export the top-K lists of the customers in --customers (default: every customer) from the latest export (no rescoring), cut by --top-k or --min-probability when given, under exports/<data set>/<run-id>/')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(new Option('--customers <file>', 'customer ids, one per line (an optional first line customer_id is skipped; an id holding a comma in double quotes as in CSV, "A,B", a quote inside doubled); default: every customer of the export'))
    .addOption(runIdOption('scoring run whose export to take the lists from; default: the one exports/<data set>/latest.json names'))
    .addOption(formatOption())
    .addOption(new Option('--top-k <n>', "keep each list's first n items (at most the export's K)").argParser(parseTopK))
    .addOption(new Option('--min-probability <p>', 'keep the items whose calibrated probability of purchase in the horizon is at least p, 0 to 1').argParser(parseRatio))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { customers?: string; runId?: string; format: ExportFormat[]; topK?: number; minProbability?: number }>();
      const { runCommand } = require('../command') as typeof import('../command');
      await runCommand('export', o, async (ctx) => {
        const { parseCustomerList } = require('../../scoring/customer-list') as typeof import('../../scoring/customer-list');
        const { exportSubset } = require('../../scoring/reexport') as typeof import('../../scoring/reexport');
        const wanted = o.customers === undefined ? undefined : parseCustomerList(await readCustomerFile(o.customers), o.customers);
        const meta = await exportSubset(ctx, wanted, { sourceRunId: o.runId, formats: o.format, topK: o.topK, minProbability: o.minProbability });
        const uri = ctx.catalog.exports.uri(meta.runId);
        return {
          summary: { export: uri, source: meta.subsetOf?.runId, rows: meta.rows, customers: meta.customers, requested: meta.subsetOf?.requested, missing: meta.subsetOf?.missing.length, k: meta.k, minProbability: meta.subsetOf?.minProbability, formats: meta.files.map((f) => f.format) },
          text: `export ${uri} (${meta.rows} rows, ${meta.customers} of ${meta.subsetOf?.requested ?? meta.customers} customers)\n`,
        };
      });
    });
}
