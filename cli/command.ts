/**
 * The frame every data command runs in: open the context, run the body, write the
 * run record whatever happens, and turn the outcome into an exit code scripts can
 * trust.
 */
import { RunParams } from '../lib/runs';
import { CommandContext, GlobalOptions, openContext } from './context';

/** Exit codes of `berserkr`. */
export const EXIT = {
  ok: 0,
  /** The command failed; nothing it was writing was published. */
  failed: 1,
  /** Bad usage or configuration: nothing ran. */
  usage: 2,
  /** The command finished but some raw objects failed to ingest (named in the log and run record). */
  partial: 3,
} as const;

/** Options every data command has. */
export interface DataCommandOptions extends GlobalOptions {
  lake: string;
  config: string;
}

/** Values safe to record as run parameters (URIs hold no credentials; those come from the environment). */
function toParams(options: object): RunParams {
  const params: RunParams = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    params[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : JSON.stringify(v);
  }
  return params;
}

/**
 * Runs `body` as command `name`, records the run in `runs/<run-id>.json` and sets
 * `process.exitCode`: the body's code, or {@link EXIT.failed} when it throws.
 */
export async function runCommand<O extends DataCommandOptions>(
  name: string,
  options: O,
  body: (ctx: CommandContext) => Promise<number | void>,
): Promise<void> {
  const { logFormat: _f, logLevel: _l, ...rest } = options;
  const ctx = await openContext(name, options, toParams(rest));
  let code: number = EXIT.ok;
  try {
    code = (await body(ctx)) ?? EXIT.ok;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    if (!ctx.run.snapshot().errors.some((r) => r.message === e.message)) ctx.run.fail(e);
    ctx.log.error({ err: e }, e.message);
    code = EXIT.failed;
  }
  const record = await ctx.run.finish(ctx.lake, code === EXIT.failed ? 'failed' : 'ok');
  ctx.log.info({ runId: record.runId, status: record.status, ms: record.durationMs }, `run record ${ctx.lake.uri.replace(/\/$/, '')}/runs/${record.runId}.json`);
  process.exitCode = code;
}
