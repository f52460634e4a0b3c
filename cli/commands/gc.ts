/**
 * `berserkr gc`: the clean-up every pipeline run starts with, on demand, and for runs of other hosts
 * by age; `gc --run <id>`: the leftovers of one uncommitted scoring run, and nothing else.
 */
import { Command, Option } from 'commander';
import type { GcResult, GcRunResult, MissingParts } from '../../pipeline/gc';
import type { DataCommandOptions } from '../command';
import type { CommandResult } from '../output';
import { commonOptions, parseDurationOption } from '../options';
import { runIdOption } from './score';

/**
 * What `gc` reports of its clean-up: the runs it finished as killed or unknown,
 * the temp files, uncommitted scoring runs and unused models it removed, the URIs of the run
 * records it skipped as unreadable, `latestResynced`,
 * the run whose export it re-copied into `exports/<data set>/latest/` (null when
 * they matched the pointer or nothing is published), and, when it looked for them,
 * `partsMissing`: the parts the ledger lists that the lake does not hold (their
 * count, the first few with their raw objects, and what to do); in the text one line
 * each, then one line per part named and the remedy.
 */
export function gcResult(r: GcResult): Required<Pick<CommandResult, 'summary' | 'text'>> {
  const missing = r.partsMissing;
  return {
    summary: {
      abandonedRuns: r.abandonedRuns,
      tempFiles: r.tempFiles,
      uncommittedRuns: r.uncommittedRuns,
      unusedModels: r.unusedModels,
      unreadableRecords: r.unreadableRecords,
      latestResynced: r.latestResynced ?? null,
      ...(missing === undefined ? {} : { partsMissing: missing }),
    },
    text:
      `runs finished as killed or unknown: ${r.abandonedRuns.length}\ntemp files removed: ${r.tempFiles.length}\nuncommitted scoring runs removed: ${r.uncommittedRuns.length}\n`
      + `unused models removed: ${r.unusedModels.length}\n`
      + `unreadable run records skipped: ${r.unreadableRecords.length}\nlatest export re-copied from run: ${r.latestResynced ?? 'none'}\n`
      + (missing === undefined ? '' : missingPartsText(missing)),
  };
}

/** The text lines of the parts the ledger lists that the lake does not hold: their count, then one per part named, `…` for the rest, and the remedy. */
function missingPartsText(m: MissingParts): string {
  const head = `parts the ledger lists that are missing from the lake: ${m.count}${m.count === 0 ? '' : ` (of ${m.objects} raw object${m.objects === 1 ? '' : 's'})`}\n`;
  if (m.count === 0) return head;
  const more = m.count > m.first.length ? `  … and ${m.count - m.first.length} more\n` : '';
  return head + m.first.map((p) => `  ${p.part} (raw object ${p.object})\n`).join('') + more + `  ${m.remedy}\n`;
}

/**
 * What `gc --run <id>` reports: the run removed and how many of its objects, its runs finished as
 * killed or unknown, the temp files removed from its folders, and the URIs of the run records
 * skipped as unreadable; in the text one line each.
 */
export function gcRunResult(r: GcRunResult): Required<Pick<CommandResult, 'summary' | 'text'>> {
  return {
    summary: { run: r.run, objects: r.objects.length, abandonedRuns: r.abandonedRuns, tempFiles: r.tempFiles, unreadableRecords: r.unreadableRecords },
    text:
      `uncommitted scoring run removed: ${r.run} (${r.objects.length} objects)\nruns finished as killed or unknown: ${r.abandonedRuns.length}\n`
      + `temp files removed: ${r.tempFiles.length}\nunreadable run records skipped: ${r.unreadableRecords.length}\n`,
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
        + 'remove the models/<data set>/<model-id>/ untouched as long that a run saved and then failed or was killed, or that have no manifest.json, when nothing refers to them '
        + '(the champion pointer, an export, a shard marker, the record of a run that finished ok or is running); '
        + 'and re-copy exports/<data set>/latest/ when a failed commit left it out of step with latest.json; run and schedule do the same when they start. '
        + 'Also report the clean and reject parts the ingest ledger lists that are missing from the lake (readers fail on them; berserkr ingest reads their raw objects again), touching none of them',
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
    .addOption(
      runIdOption(
        'only remove the leftovers of this uncommitted scoring run, sharded or not: its objects under exports/<data set>/<id>/ and scores/<data set>/<id>/, '
          + 'the temp files there, and its "running" records that are over; nothing else. Refused (exit 2) for an id that is malformed, of no scoring run of the data set, '
          + 'committed, or of a run that may still be running (a "running" record of it not over, which --runs-older-than can make over, or an object of it written within the lock lease)',
        '--run <id>',
      ),
    )
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { runsOlderThan?: number; run?: string }>();
      const { LOCKED_COMMANDS, lockSettings, runCommand } = require('../command') as typeof import('../command');
      await runCommand(
        'gc',
        o,
        async (ctx) => {
          const { gcRunStep, gcStep } = require('../../pipeline/gc') as typeof import('../../pipeline/gc');
          const options = { olderThanMs: lockSettings(process.env).leaseMs, lockedCommands: LOCKED_COMMANDS, lockHeld: true, runsOlderThanMs: o.runsOlderThan };
          if (o.run !== undefined) return gcRunResult(await gcRunStep(ctx, o.run, options));
          return gcResult(await gcStep(ctx, { ...options, checkParts: true }));
        },
        'wait',
      );
    });
}
