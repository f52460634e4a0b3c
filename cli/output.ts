/**
 * What a command prints on stdout (`--output text|json`): its results, never
 * its logs (those go to stderr). In `text` mode the lines a person reads; in
 * `json` mode exactly one JSON object, the command's summary, so a script can
 * `JSON.parse` stdout whatever happened.
 */
import { Option } from 'commander';

/** The `--output` modes. */
export const OUTPUT_FORMATS = ['text', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The global option `--output <format>` of the program (default `text`). */
export const outputOption = (): Option =>
  new Option('--output <format>', 'what stdout holds: text for people, or json: one JSON summary object of the command').choices(OUTPUT_FORMATS).default('text');

/** What a command's body returns: its summary (the JSON output) and its text (the text output). */
export interface CommandResult {
  /** Exit code; default 0. */
  code?: number;
  /** The command's results as JSON values; the wiring adds `command`, `runId`, `status` and `exitCode`. */
  summary?: Record<string, unknown>;
  /** The text output, ending with a newline; default none. */
  text?: string;
}

/** Prints a command's outcome on stdout: `text` as is, or `summary` as one JSON line. */
export function printResult(format: OutputFormat, summary: Record<string, unknown>, text: string | undefined, out: { write(s: string): unknown } = process.stdout): void {
  if (format === 'json') out.write(JSON.stringify(summary) + '\n');
  else if (text !== undefined && text !== '') out.write(text);
}
