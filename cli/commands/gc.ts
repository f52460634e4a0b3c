/** `berserkr gc`: the clean-up every pipeline run starts with, on demand, and for runs of other hosts by age. */
import { Command, Option } from 'commander';
import type { GcResult } from '../../pipeline/gc';
import type { DataCommandOptions } from '../command';
import type { CommandResult } from '../output';
import { commonOptions, parseDurationOption } from '../options';

/**
 * What `gc` reports of its clean-up: the runs it finished as killed or unknown,
 * the temp files and uncommitted scoring runs it removed, the URIs of the run
 * records it skipped as unreadable, and `latestResynced`,
 * the run whose export it re-copied into `exports/<data set>/latest/` (null when
 * they matched the pointer or nothing is published); in the text one line each.
 */
export function gcResult(r: GcResult): Required<Pick<CommandResult, 'summary' | 'text'>> {
  return {
    summary: { abandonedRuns: r.abandonedRuns, tempFiles: r.tempFiles, uncommittedRuns: r.uncommittedRuns, unreadableRecords: r.unreadableRecords, latestResynced: r.latestResynced ?? null },
    text:
      `runs finished as killed or unknown: ${r.abandonedRuns.length}\ntemp files removed: ${r.tempFiles.length}\nuncommitted scoring runs removed: ${r.uncommittedRuns.length}\n`
      + `unreadable run records skipped: ${r.unreadableRecords.length}\nlatest export re-copied from run: ${r.latestResynced ?? 'none'}\n`,
  };
}

/** Registers `gc` on `program`. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description(
      'under the pipeline lock, clean up after killed runs: finish their run records still "running" (status killed when their process on this host is gone, '
        + 'unknown for a locked command of another host), and remove temp files of unfinished writes and uncommitted exports/<data set>/<run-id>/ and scores/<data set>/<run-id>/ of the data set '
        + 'untouched for longer than the lock lease (BERSERKR_LOCK_LEASE, default 2m), except sharded runs with a finished shard, which may be waiting for their other shards; '
        + 'and re-copy exports/<data set>/latest/ when a failed commit left it out of step with latest.json; run and schedule do the same when they start',
    )
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(
      new Option(
        '--runs-older-than <duration>',
        'also finish as unknown the "running" records of other hosts that started this long ago (e.g. 1d), and remove their uncommitted outputs and those of sharded runs untouched for this long; default: leave them',
      )
        .argParser(parseDurationOption),
    )
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { runsOlderThan?: number }>();
      const { LOCKED_COMMANDS, lockSettings, runCommand } = require('../command') as typeof import('../command');
      await runCommand(
        'gc',
        o,
        async (ctx) => {
          const { gcStep } = require('../../pipeline/gc') as typeof import('../../pipeline/gc');
          return gcResult(await gcStep(ctx, { olderThanMs: lockSettings(process.env).leaseMs, lockedCommands: LOCKED_COMMANDS, lockHeld: true, runsOlderThanMs: o.runsOlderThan }));
        },
        'wait',
      );
    });
}
