#!/usr/bin/env node
/**
 * `berserkr`: the command line of the platform. Logs go to stderr (pretty, or JSON
 * lines with `--log-format json`); results (metric tables) go to stdout.
 * Exit codes: see `EXIT` in `cli/command.ts`.
 */
import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from '../lib/runs';
import { EXIT } from './command';
import { requireLocations } from './locations';
import { registerBacktest } from './commands/backtest';
import { registerEvaluate } from './commands/evaluate';
import { registerGc } from './commands/gc';
import { registerIngest } from './commands/ingest';
import { registerReport } from './commands/report';
import { registerRun } from './commands/run';
import { registerRuns } from './commands/runs';
import { registerSchedule } from './commands/schedule';
import { registerSeed } from './commands/seed';
import { registerExport } from './commands/export';
import { registerScore } from './commands/score';
import { registerTrain } from './commands/train';
import { registerValidate } from './commands/validate';

/** Builds the program with every command registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('berserkr')
    .description('Purchase likelihood for every customer and item: raw CSV -> clean Parquet -> candidate features -> TF.js model -> calibrated top-K exports')
    .version(packageVersion().version)
    .addOption(new Option('--log-format <format>', 'log format on stderr').choices(['pretty', 'json']).default('pretty').env('BERSERKR_LOG_FORMAT'))
    .addOption(new Option('--log-level <level>', 'minimum log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (_program, action) => requireLocations(action))
    .exitOverride();
  for (const register of [registerIngest, registerTrain, registerScore, registerExport, registerEvaluate, registerBacktest, registerReport, registerRun, registerSchedule, registerRuns, registerGc, registerSeed, registerValidate]) register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`berserkr: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.usage;
  }
}

if (require.main === module) void main(process.argv);
