/** `berserkr runs`: lists the run records of a data set of a lake; `berserkr runs show <id>` prints one. Read-only: writes no run record. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { RunRecord, RunRecords } from '../../lib/catalog';
import { DATASET_NAME } from '../../lib/config-types';
import type { Logger } from '../../lib/log';
import { EXIT, exitCodeOf, UsageError } from '../exit';
import type { GlobalOptions } from '../context';
import { printResult, type CommandResult, type OutputFormat } from '../output';
import { checkLocations, renamedVariableWarnings } from '../locations';
import { commonOptions, parsePositiveInt } from '../options';

/**
 * Parses `--dataset`: a data set's name, returned unchanged.
 * @throws InvalidArgumentError (bad usage, exit 2) quoting the value when it cannot be a data set's name, such as `../x`.
 */
export function parseDatasetName(value: string): string {
  if (!DATASET_NAME.test(value)) throw new InvalidArgumentError(`expected a data set's name (lower-case letters, digits, ".", "_" or "-", as the name in its configuration), got ${JSON.stringify(value)}`);
  return value;
}

/** A model id (`training/registry.ts`) or a baseline standing in for one: what earlier records put where `model` now stands in metric names. */
const OLD_MODEL_PREFIX = /^(\d{8}T\d{9}Z-[0-9a-f]{8}|baseline:\w+)$/;

/**
 * The model's NDCG@K, Recall@K and ECE of a record as `model.<metric>`, from the
 * stable names, or from the names of earlier versions that held the model id.
 */
export function headlineMetrics(r: RunRecord): [string, number][] {
  return Object.entries(r.metrics).flatMap(([k, v]): [string, number][] => {
    const m = /^(.+)\.(ndcg@\d+|recall@\d+|ece)$/.exec(k);
    return m !== null && (m[1] === 'model' || OLD_MODEL_PREFIX.test(m[1])) ? [[`model.${m[2]}`, v]] : [];
  });
}

/** The columns of `berserkr runs` before the steps: id, command, status, duration. */
const cells = (runId: string, command: string, status: string, duration: string): string[] => [runId.padEnd(23), command.padEnd(9), status.padEnd(7), duration.padStart(8)];

/** The header line of `berserkr runs`, its columns where {@link formatRunLine} puts them. */
export const RUNS_HEADER = [...cells('run id', 'command', 'status', 'duration'), 'steps', 'metrics'].join('  ');

/** Step names in the order they first ran, a name that ran n > 1 times as `name×n` (scoring's steps run per customer batch). */
function stepNames(steps: readonly { name: string }[]): string {
  const counts = new Map<string, number>();
  for (const { name } of steps) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name}×${n}` : name)).join(',') || '-';
}

/** One line of `berserkr runs`: id, command, status, duration (`-` for a run without a finish), steps and headline metrics. */
export function formatRunLine(r: RunRecord): string {
  const metrics = headlineMetrics(r).map(([k, v]) => `${k}=${v.toFixed(4)}`);
  const duration = r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`;
  return [...cells(r.runId, r.command, r.status, duration), stepNames(r.steps), ...metrics].join('  ');
}

/**
 * The run records of the data set named by `--dataset`, or else by the `name` of
 * `--config`, or else of the lake's only data set, after the location checks of
 * every command that reads a lake (`checkLocations`: a local lake must be an existing folder).
 * @throws LocationError for a lake that is a file or a folder that does not exist;
 *   UsageError when none is named and the lake holds none or several, naming them;
 *   LakeLayoutError for a lake of one data set per lake; ConfigError for a bad configuration.
 */
export async function selectRuns(o: { lake: string; dataset?: string; config?: string }): Promise<RunRecords> {
  const { checkLakeLayout, lakeDatasets, RunRecords } = require('../../lib/catalog') as typeof import('../../lib/catalog');
  const { readConfig } = require('../../lib/config') as typeof import('../../lib/config');
  const { openStore } = require('../../lib/store/open') as typeof import('../../lib/store/open');
  await checkLocations({ lake: o.lake }, process.env, true);
  const store = openStore(o.lake);
  await checkLakeLayout(store);
  // An empty BERSERKR_CONFIG names no configuration.
  let dataset = o.dataset ?? (o.config === undefined || o.config === '' ? undefined : (await readConfig(o.config)).name);
  if (dataset === undefined) {
    const held = await lakeDatasets(store);
    if (held.length !== 1) throw new UsageError(`--dataset is required: lake ${store.uri} holds ${held.length === 0 ? 'no data set' : `data sets ${held.join(', ')}`}; name one with --dataset <name> or --config <file>`);
    dataset = held[0];
  }
  return new RunRecords(store, dataset);
}

/**
 * Runs `body`, a read-only action named `command` (`runs`, `runs show`), with a
 * logger that warns of the variables of earlier versions set but not read
 * (`renamedVariableWarnings`, as `openContext` does) and also takes the process's
 * warnings (such as the AWS SDK's notice about the Node version, so
 * `--log-format json` keeps stderr JSON), and prints
 * its outcome as the data commands do: its text, or with `--output json` one
 * summary object with `command`, `runId` null (it writes no run record),
 * `status` and `exitCode`. An error it throws is logged, summarised with
 * `status: "failed"` and `error: { name, message }`, and sets the exit code:
 * {@link EXIT.usage} for bad usage (a missing lake folder, an invalid run id, no data set named),
 * else {@link EXIT.failed} (`exitCodeOf`).
 */
async function readOnly(command: string, o: GlobalOptions, body: (log: Logger) => Promise<Required<Pick<CommandResult, 'summary' | 'text'>>>): Promise<void> {
  const { commandLogger } = require('../context') as typeof import('../context');
  const log = commandLogger(o, command);
  const output = (o.output ?? 'text') as OutputFormat;
  for (const { message, ...fields } of renamedVariableWarnings()) log.warn(fields, message);
  try {
    const result = await body(log);
    printResult(output, { command, runId: null, status: 'ok', exitCode: EXIT.ok, ...result.summary }, result.text);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    log.error({ err: e }, e.message);
    process.exitCode = exitCodeOf(e);
    printResult(output, { command, runId: null, status: 'failed', exitCode: process.exitCode, error: { name: e.name, message: e.message } }, undefined);
  }
}

/** Registers `runs` and `runs show` on `program`. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list the run records of a data set (runs/<data set>/<run-id>.json), newest first; one that cannot be read is skipped with a warning naming it')
    .addOption(commonOptions.lake())
    .addOption(new Option('--dataset <name>', 'data set whose runs to list (default: the name in --config, else the lake\'s only data set)').argParser(parseDatasetName))
    .addOption(new Option('--config <file>', 'data-set configuration whose name selects the runs').env('BERSERKR_CONFIG'))
    .addOption(new Option('--limit <n>', 'at most this many runs').default(20).argParser(parsePositiveInt))
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<GlobalOptions & { lake: string; dataset?: string; config?: string; limit: number }>();
      await readOnly('runs', o, async (log) => {
        const runs = await selectRuns(o);
        const records: RunRecord[] = [];
        const unreadableRecords: string[] = [];
        for (const id of await runs.list({ limit: o.limit })) {
          const loaded = await runs.loadIfValid(id);
          if ('record' in loaded) records.push(loaded.record);
          else {
            log.warn({ record: loaded.invalid.uri }, `skipped an unreadable run record: ${loaded.invalid.message}`);
            unreadableRecords.push(loaded.invalid.uri);
          }
        }
        if (records.length === 0 && unreadableRecords.length === 0) {
          // No record, and no data of that name either: a mistyped --dataset or --config, not an empty history.
          const { lakeDatasets } = require('../../lib/catalog') as typeof import('../../lib/catalog');
          const held = await lakeDatasets(runs.store);
          if (!held.includes(runs.dataset)) {
            throw new UsageError(`no run records of data set ${JSON.stringify(runs.dataset)} in lake ${runs.store.uri}, which holds ${held.length === 0 ? 'no data set' : `data sets ${held.join(', ')}`}; name one with --dataset <name> or --config <file>`);
          }
        }
        // Run ids name the start second: runs of one second are ordered by their start time in ms.
        records.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
        const lines = [RUNS_HEADER, ...records.map(formatRunLine)];
        return { summary: { dataset: runs.dataset, runs: records, unreadableRecords }, text: lines.join('\n') + '\n' };
      });
    });
  runs
    .command('show <run-id>')
    .description('print one run record as JSON (with --output json, under "record" of the summary; --lake, --dataset and --config as for runs)')
    .action(async (runId: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<GlobalOptions & { lake: string; dataset?: string; config?: string }>();
      await readOnly('runs show', o, async () => {
        const records = await selectRuns(o);
        const { ObjectNotFoundError } = require('../../lib/store/store') as typeof import('../../lib/store/store');
        const { DatasetNotFoundError } = require('../../lib/catalog') as typeof import('../../lib/catalog');
        const record = await records.load(runId).catch((e: unknown) => {
          throw e instanceof ObjectNotFoundError ? new DatasetNotFoundError(`run ${JSON.stringify(runId)}`, records.uri(runId)) : e;
        });
        return { summary: { record }, text: JSON.stringify(record, null, 2) + '\n' };
      });
    });
}
