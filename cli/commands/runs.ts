/** `berserkr runs`: lists the run records of a data set of a lake; `berserkr runs show <id>` prints one. Read-only: writes no run record. */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { checkLakeLayout, lakeDatasets, RunRecords, type RunRecord } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { openStore } from '../../lib/store/open';
import { EXIT } from '../command';
import { commonOptions, parsePositiveInt } from '../options';

/** One line of `berserkr runs`: id, command, status, duration (`-` for a run without a finish), steps and headline metrics. */
export function formatRunLine(r: RunRecord): string {
  const metrics = Object.entries(r.metrics)
    .filter(([k]) => /ndcg@|recall@|^ece$/.test(k))
    .map(([k, v]) => `${k}=${v.toFixed(4)}`);
  const duration = r.durationMs === null ? '-'.padStart(8) : `${(r.durationMs / 1000).toFixed(1).padStart(7)}s`;
  return [r.runId, r.command.padEnd(9), r.status.padEnd(7), duration, r.steps.map((s) => s.name).join(',') || '-', ...metrics].join('  ');
}

/**
 * The run records of the data set named by `--dataset`, or else by the `name` of
 * `--config`, or else of the lake's only data set.
 * @throws Error (bad usage) when none is named and the lake holds none or several, naming them;
 *   LakeLayoutError for a lake of one data set per lake; ConfigError for a bad configuration.
 */
export async function selectRuns(o: { lake: string; dataset?: string; config?: string }): Promise<RunRecords> {
  const store = openStore(o.lake);
  await checkLakeLayout(store);
  let dataset = o.dataset ?? (o.config === undefined ? undefined : loadConfig(await readFile(o.config, 'utf8'), o.config).name);
  if (dataset === undefined) {
    const held = await lakeDatasets(store);
    if (held.length !== 1) throw new Error(`--dataset is required: lake ${store.uri} holds ${held.length === 0 ? 'no data set' : `data sets ${held.join(', ')}`}; name one with --dataset <name> or --config <file>`);
    dataset = held[0];
  }
  return new RunRecords(store, dataset);
}

/** Registers `runs` and `runs show` on `program`. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list the run records of a data set (runs/<data set>/<run-id>.json), newest first')
    .addOption(commonOptions.lake())
    .addOption(new Option('--dataset <name>', 'data set whose runs to list (default: the name in --config, else the lake\'s only data set)'))
    .addOption(new Option('--config <file>', 'data-set configuration whose name selects the runs').env('BERSERKR_CONFIG'))
    .addOption(new Option('--limit <n>', 'at most this many runs').default(20).argParser(parsePositiveInt))
    .action(async (o: { lake: string; dataset?: string; config?: string; limit: number }) => {
      const runs = await selectRuns(o);
      const lines = ['run id                    command    status  duration  steps  metrics'];
      for (const id of await runs.list({ limit: o.limit })) lines.push(formatRunLine(await runs.load(id)));
      process.stdout.write(lines.join('\n') + '\n');
    });
  runs
    .command('show <run-id>')
    .description('print one run record as JSON (--lake, --dataset and --config as for runs)')
    .action(async (runId: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ lake: string; dataset?: string; config?: string }>();
      const records = await selectRuns(o);
      try {
        process.stdout.write(JSON.stringify(await records.load(runId), null, 2) + '\n');
      } catch (error) {
        process.stderr.write(`berserkr runs show: ${(error as Error).message}\n`);
        process.exitCode = EXIT.failed;
      }
    });
}
