/**
 * `berserkr export [--customers <file>]`: re-export the lists of chosen customers
 * (default all) from the latest (or `--run-id`) export without rescoring, into
 * `exports/<data set>/<this run id>/` with its sidecar. `exports/<data set>/latest.json` is left as is:
 * a subset never becomes the latest export.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { ExportFormat } from '../../lib/catalog';
import type { DataCommandOptions } from '../command';
import { UsageError } from '../exit';
import { commonOptions } from '../options';
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
    .description('re-export the top-K lists of the customers in --customers (default: every customer) from the latest export (no rescoring), under exports/<data set>/<run-id>/')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(new Option('--customers <file>', 'customer ids, one per line (an optional first line customer_id is skipped); default: every customer of the export'))
    .addOption(runIdOption('scoring run whose export to take the lists from; default: the one exports/<data set>/latest.json names'))
    .addOption(formatOption())
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { customers?: string; runId?: string; format: ExportFormat[] }>();
      const { runCommand } = require('../command') as typeof import('../command');
      await runCommand('export', o, async (ctx) => {
        const { parseCustomerList } = require('../../scoring/customer-list') as typeof import('../../scoring/customer-list');
        const { exportSubset } = require('../../scoring/reexport') as typeof import('../../scoring/reexport');
        const wanted = o.customers === undefined ? undefined : parseCustomerList(await readCustomerFile(o.customers), o.customers);
        const meta = await exportSubset(ctx, wanted, { sourceRunId: o.runId, formats: o.format });
        const uri = ctx.catalog.exports.uri(meta.runId);
        return {
          summary: { export: uri, source: meta.subsetOf?.runId, rows: meta.rows, customers: meta.customers, requested: meta.subsetOf?.requested, missing: meta.subsetOf?.missing.length, formats: meta.files.map((f) => f.format) },
          text: `export ${uri} (${meta.rows} rows, ${meta.customers} of ${meta.subsetOf?.requested ?? meta.customers} customers)\n`,
        };
      });
    });
}
