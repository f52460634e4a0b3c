/** `berserkr runs`: lists the run records of a lake; `berserkr runs show <id>` prints one. Read-only: writes no run record. */
import { Command, Option } from 'commander';
import { RunRecords, type RunRecord } from '../../lib/catalog';
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

/** Registers `runs` and `runs show` on `program`. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list run records (runs/<run-id>.json), newest first')
    .addOption(commonOptions.lake())
    .addOption(new Option('--limit <n>', 'at most this many runs').default(20).argParser(parsePositiveInt))
    .action(async (o: { lake: string; limit: number }) => {
      const runs = new RunRecords(openStore(o.lake));
      const lines = ['run id                    command    status  duration  steps  metrics'];
      for (const id of await runs.list({ limit: o.limit })) lines.push(formatRunLine(await runs.load(id)));
      process.stdout.write(lines.join('\n') + '\n');
    });
  runs
    .command('show <run-id>')
    .description('print one run record as JSON (--lake as for runs)')
    .action(async (runId: string, _o: unknown, cmd: Command) => {
      const { lake } = cmd.optsWithGlobals<{ lake: string }>();
      try {
        process.stdout.write(JSON.stringify(await new RunRecords(openStore(lake)).load(runId), null, 2) + '\n');
      } catch (error) {
        process.stderr.write(`berserkr runs show: ${(error as Error).message}\n`);
        process.exitCode = EXIT.failed;
      }
    });
}
