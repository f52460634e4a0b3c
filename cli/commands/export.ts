/**
 * `berserkr export --customers <file>`: re-export the lists of chosen customers
 * from the latest (or `--run`) export without rescoring, into
 * `exports/<data set>/<this run id>/` with its sidecar. `exports/<data set>/latest.json` is left as is:
 * a subset never becomes the latest export.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parseCustomerList } from '../../scoring/customer-list';
import type { ExportFormat } from '../../lib/catalog';
import { exportSubset } from '../../scoring/reexport';
import { DataCommandOptions, runCommand } from '../command';
import { commonOptions } from '../options';
import { formatOption, runIdOption } from './score';

/** Registers `export` on `program`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('re-export the top-K lists of the customers in --customers from the latest export (no rescoring), under exports/<data set>/<run-id>/')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(new Option('--customers <file>', 'customer ids, one per line (an optional first line customer_id is skipped)').makeOptionMandatory())
    .addOption(runIdOption('scoring run whose export to take the lists from; default: the one exports/<data set>/latest.json names'))
    .addOption(formatOption())
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { customers: string; runId?: string; format: ExportFormat[] }>();
      await runCommand('export', o, async (ctx) => {
        const wanted = parseCustomerList(await readFile(o.customers, 'utf8'), o.customers);
        const meta = await exportSubset(ctx, wanted, { sourceRunId: o.runId, formats: o.format });
        process.stdout.write(`export ${ctx.catalog.exports.uri(meta.runId)} (${meta.rows} rows, ${meta.customers} of ${wanted.size} customers)\n`);
      });
    });
}
