/**
 * `berserkr validate`: a dry run of ingest on a sample of every raw object the
 * configuration takes (`ingest/validate-raw.ts`), printed as a table (or one JSON
 * summary with `--output json`). Writes nothing: no lake, no run record.
 */
import { Command, Option } from 'commander';
import type { IngestCounts, ValidationSummary } from '../../ingest';
import { DEFAULT_MAX_REJECT_RATIO } from '../../ingest/reject-budget';
import { DEFAULT_SAMPLE_LINES } from '../../ingest/validate-sample';
import { EXIT } from '../exit';
import type { GlobalOptions } from '../context';
import { printResult, type OutputFormat } from '../output';
import { checkRawLocation } from '../locations';
import { commonOptions, parsePositiveInt, parseRatio } from '../options';

interface ValidateCommandOptions extends GlobalOptions {
  raw: string;
  config: string;
  sample: number;
  maxRejectRatio: number;
}

/** What `validate --output json` prints (with `command`, `runId` null, `status` and `exitCode`): where it looked, and the summary. */
export interface ValidateReport extends ValidationSummary {
  raw: string;
  config: { path: string; name: string; pattern: string };
}

const HELP_EXAMPLE = `
Reads the first --sample data lines of every raw object the configuration's raw.pattern
selects, as ingest would (decompression, header, times, numbers), and writes nothing.
Per object: how it is read (and what its bytes look like), the header check, lines read,
clean and rejected lines by reason, the time range of the clean lines, pass or FAIL.
An object passes when it is read without a fatal error (its header matches) and its
rejected share is within --max-reject-ratio, as ingest's reject budget counts it.
The run's budget is checked over every selected object, where ingest checks it over
the objects it reads (new or changed): objects that pass here together may fail
ingest's run budget when they arrive without the objects ingested before them.

Exit codes: 0 every object passes; 3 some object fails (or none is selected); 2 bad
usage (bad flags, unreadable configuration, missing raw location); 1 other errors.

Example:
  $ berserkr validate --config config/examples/webshop.yaml --raw config/examples/webshop --sample 1000
`;

/** Registers `validate` on `program`. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a configuration against raw objects: read a sample of each as ingest would, print what ingest would make of it, write nothing (exit 3 when some object fails)')
    .addOption(commonOptions.raw())
    .addOption(commonOptions.config())
    .addOption(new Option('--sample <n>', 'data lines read from the start of each object; reading stops with the record that reaches them').default(DEFAULT_SAMPLE_LINES).argParser(parsePositiveInt))
    .addOption(
      new Option('--max-reject-ratio <share>', 'largest share of an object\'s sampled lines that may be rejected as unreadable (copies of clean lines aside), as ingest --max-reject-ratio')
        .default(DEFAULT_MAX_REJECT_RATIO)
        .argParser(parseRatio),
    )
    .addHelpText('after', HELP_EXAMPLE)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<ValidateCommandOptions>();
      const { commandLogger } = require('../context') as typeof import('../context');
      const { createLzoRegistry, validateRaw } = require('../../ingest') as typeof import('../../ingest');
      const { RawObjects } = require('../../lib/catalog') as typeof import('../../lib/catalog');
      const { readConfig } = require('../../lib/config') as typeof import('../../lib/config');
      const { openStore } = require('../../lib/store/open') as typeof import('../../lib/store/open');
      // Bad usage (exit 2 from main): an unreadable configuration or a missing raw location.
      const log = commandLogger(o, 'validate');
      const config = await readConfig(o.config);
      await checkRawLocation(o.raw);
      const raw = new RawObjects(openStore(o.raw));
      log.info({ raw: raw.store.uri, config: o.config, dataset: config.name, sample: o.sample }, `validate: raw ${raw.store.uri}, configuration ${o.config} (data set ${config.name}), first ${o.sample} data lines of each object`);
      // A failure to read the raw location (exit 1) goes to main too, which prints its summary.
      const summary = await validateRaw(raw, config, { codecs: createLzoRegistry(), sampleLines: o.sample, maxRejectRatio: o.maxRejectRatio });
      const report: ValidateReport = { raw: raw.store.uri, config: { path: o.config, name: config.name, pattern: config.raw.pattern }, ...summary };
      const code = summary.pass ? EXIT.ok : EXIT.partial;
      printResult(o.output as OutputFormat, { command: 'validate', runId: null, status: summary.pass ? 'ok' : 'failed', exitCode: code, ...report }, formatValidation(report));
      process.exitCode = code;
    });
}

/** The pretty output of `validate`: one table row per object, then each failure's reason and first rejects, the skipped objects and a verdict line. */
export function formatValidation(report: ValidateReport): string {
  const header = ['object', 'format (detected)', 'header', 'lines', 'clean', 'rejected', 'time range (UTC)', 'result'];
  const rows = report.objects.map((v) => [
    v.key,
    `${v.compression} (${v.detected})`,
    v.header === 'ok' && v.extraColumns.length > 0 ? `ok, extra ${v.extraColumns.join(', ')}` : v.header,
    v.counts === null ? '-' : `${v.counts.read}${v.whole ? '' : ' (first)'}`,
    v.counts === null ? '-' : String(v.counts.clean),
    v.counts === null ? '-' : rejected(v.counts),
    v.timeRange === null ? '-' : `${v.timeRange.min} .. ${v.timeRange.max}`,
    v.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const v of report.objects) {
    if (v.problem === null && v.examples.length === 0) continue;
    out.push('', v.problem === null ? `${v.key}: the first rejected line of each reason:` : `FAIL ${v.problem.message}`);
    for (const x of v.examples) out.push(`  line ${x.line}: ${x.reason}: ${JSON.stringify(x.raw)}${x.omittedChars === undefined ? '' : ` … (${x.omittedChars} more characters)`}`);
  }
  if (report.runBudget !== null) out.push('', `FAIL ${report.runBudget}`);
  if (report.skipped.length > 0) out.push('', ...report.skipped.map((s) => `skipped ${s.key}: ${s.reason}`));
  const failed = report.objects.filter((v) => !v.pass).length;
  out.push(
    '',
    report.objects.length === 0
      ? `FAIL: no object under ${report.raw} is taken by raw.pattern ${JSON.stringify(report.config.pattern)} (${report.skipped.length} skipped)`
      : `${report.objects.length} object${report.objects.length === 1 ? '' : 's'}: ${report.objects.length - failed} pass, ${failed} fail; ${report.skipped.length} skipped; `
        + `first ${report.sampleLines} data lines of each, reject budget ${report.maxRejectRatio}: ${report.pass ? 'pass' : 'FAIL'}`,
  );
  return `${out.join('\n')}\n`;
}

/** `<n>` or `<n> (<reason> <n>, …)`, reasons by count. */
function rejected(counts: IngestCounts): string {
  const reasons = Object.entries(counts.byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return reasons.length === 0 ? String(counts.rejected) : `${counts.rejected} (${reasons.map(([r, n]) => `${r} ${n}`).join(', ')})`;
}
