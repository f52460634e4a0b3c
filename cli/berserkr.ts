#!/usr/bin/env node
/**
 * `berserkr`: the command line of the platform. Logs go to stderr (pretty, or JSON
 * lines with `--log-format json`); results go to stdout (`--output text`, or one
 * JSON summary object with `--output json`, `cli/output.ts`).
 * Exit codes: see `EXIT` in `cli/exit.ts`.
 *
 * Registering the commands loads their flags only: each command requires the
 * command frame (`command.ts`) and its runners when it runs, so `--help` loads
 * no stage and a command no other's (`ingest` into a folder loads neither TF.js
 * nor the AWS SDK; `lib/store/open.ts` loads the SDK for `s3://` only).
 */
import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from '../lib/runs';
import { EXIT, exitCodeOf } from './exit';
import { type OutputFormat, outputOption, printResult } from './output';
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

/**
 * Builds the program with every command registered (exported for tests).
 * @param argv the arguments it will parse, as `process.argv` holds them: `--version` reads `--output` among them.
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  const program = new Command('berserkr')
    .description('Purchase likelihood for every customer and item: raw CSV -> clean Parquet -> candidate features -> TF.js model -> calibrated top-K exports')
    .addOption(new Option('-V, --version', 'print the version: the number, or with --output json one JSON summary'))
    .addOption(new Option('--log-format <format>', 'log format on stderr').choices(['pretty', 'json']).default('pretty').env('BERSERKR_LOG_FORMAT'))
    .addOption(new Option('--log-level <level>', 'minimum log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addOption(new Option('--verbose', 'debug logs, and the stacks of errors in pretty logs'))
    .addOption(outputOption())
    .showHelpAfterError('(run with --help for usage)')
    // Each command's --help lists the options every command takes, after its own.
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', (_program, action) => requireLocations(action))
    .exitOverride();
  program.on('option:version', () => printVersion(program, argv.slice(2)));
  // With JSON logs, command-line errors are logged as JSON lines by main, not written as text.
  program.configureOutput({ writeErr: (text) => void (jsonLogs(program) ? undefined : process.stderr.write(text)) });
  for (const register of [registerIngest, registerTrain, registerScore, registerExport, registerEvaluate, registerBacktest, registerReport, registerRun, registerSchedule, registerRuns, registerGc, registerSeed, registerValidate]) register(program);
  return program;
}

/**
 * Prints the package version for `--version` and stops the parse there, as Commander's
 * own `.version()` does: the number alone (`0.1.0`), or with `--output json` (before or
 * after `--version`) one JSON summary
 * `{ command: null, runId: null, status: "ok", exitCode: 0, version }`.
 * @throws CommanderError with exit code 0 and code `commander.version`, which `main` exits 0 on.
 */
function printVersion(program: Command, args: readonly string[]): never {
  const { version } = packageVersion();
  // `--version` acts where it stands, before Commander reads the options after it: look for --output there too.
  const format = outputArgument(args) ?? program.opts<{ output: OutputFormat }>().output;
  printResult(format, { command: null, runId: null, status: 'ok', exitCode: EXIT.ok, version }, `${version}\n`);
  throw new CommanderError(EXIT.ok, 'commander.version', version);
}

/** The value of the last `--output <format>` or `--output=<format>` among `args`, when one names a format. */
function outputArgument(args: readonly string[]): OutputFormat | undefined {
  let format: OutputFormat | undefined;
  args.forEach((arg, i) => {
    const value = arg === '--output' ? args[i + 1] : arg.startsWith('--output=') ? arg.slice('--output='.length) : undefined;
    if (value === 'json' || value === 'text') format = value;
  });
  return format;
}

/** Whether `--log-format json` (or `BERSERKR_LOG_FORMAT=json`) was given, as far as the command line was parsed. */
function jsonLogs(program: Command): boolean {
  return program.opts<{ logFormat?: string }>().logFormat === 'json';
}

/**
 * The command the parsed arguments name, as the summaries of commands that ran name it:
 * `run`, or with its subcommand `runs show`; the first argument as given when it names
 * no command; null when there is none.
 */
function commandName(program: Command): string | null {
  const [first, second] = program.args;
  const command = program.commands.find((c) => c.name() === first);
  if (command === undefined) return first ?? null;
  const sub = command.commands.find((c) => c.name() === second);
  return sub === undefined ? command.name() : `${command.name()} ${sub.name()}`;
}

/** `<message> (cause: <message of its cause>)`, or the message alone when it has no cause. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : error.cause === undefined ? undefined : String(error.cause);
  return cause === undefined || cause === error.message ? error.message : `${error.message} (cause: ${cause})`;
}

/**
 * Runs the program on `argv`. An error that stops a command before it runs is one
 * line on stderr, `berserkr: error: <message> (cause: …)`, with its stack under
 * `--verbose` (with `--log-format json`, one JSON error record); with `--output json`, stdout holds its summary `{ command, runId:
 * null, status: "failed", exitCode, error }`. It exits 2 for bad usage or
 * configuration, 1 for any other failure (`exitCodeOf`).
 */
async function main(argv: string[]): Promise<void> {
  ignoreClosedPipes();
  const program = buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const { verbose, output } = program.opts<{ verbose?: boolean; output?: string }>();
    const summary = (exitCode: number, e: { name: string; message: string }): void => {
      if (output === 'json') process.stdout.write(JSON.stringify({ command: commandName(program), runId: null, status: 'failed', exitCode, error: e }) + '\n');
    };
    const json = jsonLogs(program);
    const logError = (): void => {
      const { createLogger } = require('../lib/log') as typeof import('../lib/log');
      createLogger({ format: 'json' }).error({ err: error }, error instanceof Error ? error.message : String(error));
    };
    if (error instanceof CommanderError) {
      // In pretty logs Commander has written its message (and the help hint) to stderr already.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (error.exitCode !== 0) {
        if (json) logError();
        summary(EXIT.usage, { name: 'CommanderError', message: error.message });
      }
      return;
    }
    const stack = verbose === true && error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
    if (json) logError();
    else process.stderr.write(`berserkr: error: ${describeError(error)}${stack}\n`);
    const code = exitCodeOf(error);
    summary(code, error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) });
    process.exitCode = code;
  }
}

/**
 * Lets the reader of stdout or stderr go away (`berserkr … --help | head -2`,
 * `berserkr ingest … 2>&1 >/dev/null | head -1`): writes after it has closed the pipe are
 * dropped instead of crashing on an unhandled `EPIPE`, and the command ends with the exit
 * code of what it did. Any other error of those streams is thrown as before.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
}

if (require.main === module) void main(process.argv);
