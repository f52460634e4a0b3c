/**
 * Logging for every berserkr command: one pino logger, two renderings.
 *
 * - `json`: one JSON object per line on stderr (for machines: Kubernetes, Loki,
 *   CloudWatch). Fields: `level` (label, e.g. `"info"`), `time` (ISO 8601 UTC),
 *   `pid`, `hostname`, `msg`, plus the bindings and merge objects.
 * - `pretty`: the same records rendered by {@link formatPrettyLine} as one readable
 *   line each, e.g. `00:41:02.123 INFO  [ingest] read object key=2011-01.csv.lzo rows=12345`.
 *
 * Secrets never reach the output: values under the keys of {@link SECRET_KEYS}
 * (at the top level and up to two objects deep) are replaced by `[redacted]`
 * through pino's `redact` option (https://getpino.io/#/docs/redaction).
 */
import pino from 'pino';
import type { Progress } from './progress';

/** Output rendering of log records. */
export type LogFormat = 'json' | 'pretty';

/** pino level labels, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The logger type every stage edge and the CLI receive. */
export type Logger = pino.Logger;

/** Where log lines go: anything with `write(line)` (pino's `DestinationStream`). */
export interface LogSink {
  write(chunk: string): unknown;
  /** Set on TTY streams (process.stderr in a terminal); enables colours in `pretty`. */
  isTTY?: boolean;
}

export interface LoggerOptions {
  format: LogFormat;
  /** Minimum level written; default `info`. */
  level?: LogLevel;
  /** Destination of the lines; default process.stderr (file descriptor 2). */
  sink?: LogSink;
  /** ANSI colours in `pretty`; default: sink is a TTY and `NO_COLOR` is unset. */
  colors?: boolean;
  /**
   * Progress bars drawn on the same terminal: when they are enabled, `pretty`
   * lines go through `progress.write` (printed above the bars) instead of `sink`.
   */
  progress?: Progress;
  /** `pretty`: print an error's stack below its line (`--verbose`); default only at level `debug` or `trace`. */
  stacks?: boolean;
}

/**
 * Keys whose values are secrets. Matched exactly (case-sensitive, as pino
 * redaction paths are), so the usual spellings are listed.
 */
export const SECRET_KEYS = [
  'secretAccessKey',
  'SecretAccessKey',
  'AWS_SECRET_ACCESS_KEY',
  'sessionToken',
  'SessionToken',
  'AWS_SESSION_TOKEN',
  'MINIO_ROOT_PASSWORD',
  'authorization',
  'Authorization',
  'password',
  'Password',
  'token',
  'apiKey',
  'credentials',
] as const;

/** Replacement text of a redacted value. */
export const REDACTED = '[redacted]';

/** A log option (format or level) is not one of the accepted values. */
export class LogOptionError extends Error {
  constructor(
    readonly option: 'format' | 'level',
    readonly value: string,
    readonly expected: readonly string[],
  ) {
    super(`invalid log ${option} ${JSON.stringify(value)}: expected one of ${expected.join(', ')}`);
    this.name = 'LogOptionError';
  }
}

const FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/**
 * Parses a `--log-format` value.
 * @throws LogOptionError when `value` is neither `json` nor `pretty`.
 */
export function parseLogFormat(value: string): LogFormat {
  if ((FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new LogOptionError('format', value, FORMATS);
}

/**
 * Parses a `--log-level` value (`trace` … `fatal`, `silent`).
 * @throws LogOptionError on any other value.
 */
export function parseLogLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new LogOptionError('level', value, LOG_LEVELS);
}

/** Redaction paths: each secret key at depth 0, 1 and 2 (e.g. `config.credentials.secretAccessKey`). */
function redactPaths(): string[] {
  return SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
}

/**
 * Creates the process logger.
 *
 * @param options.format `json` (JSON lines) or `pretty` (one readable line per record).
 * @param options.level minimum level, default `info`.
 * @param options.sink destination, default stderr; tests pass an in-memory sink.
 * @param options.progress the process's progress bars, so `pretty` lines never overwrite them.
 * @returns a pino logger; use `logger.child({ stage: 'ingest' })` per stage.
 * @throws LogOptionError when `format` or `level` is not an accepted value
 *   (callers passing raw CLI strings should use {@link parseLogFormat} first).
 * @example
 * const progress = createProgress({ format: 'pretty' });
 * const log = createLogger({ format: 'pretty', progress });
 * log.child({ stage: 'ingest' }).info({ key: '2011-01.csv.lzo', rows: 40_000 }, 'read object');
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = parseLogFormat(options.format);
  const level = parseLogLevel(options.level ?? 'info');
  const pinoOptions: pino.LoggerOptions = {
    level,
    redact: { paths: redactPaths(), censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError },
  };
  if (format === 'json') {
    return pino(pinoOptions, options.sink ?? pino.destination({ dest: 2, sync: true }));
  }
  const progress = options.progress;
  const out: LogSink = progress?.enabled ? { write: (text) => progress.write(text), isTTY: true } : (options.sink ?? process.stderr);
  const colors = options.colors ?? (out.isTTY === true && process.env.NO_COLOR === undefined);
  const stacks = options.stacks ?? (level === 'debug' || level === 'trace');
  const sink: pino.DestinationStream = {
    write: (chunk: string) => {
      for (const line of chunk.split('\n')) if (line !== '') out.write(formatPrettyLine(line, colors, stacks) + '\n');
    },
  };
  return pino({ ...pinoOptions, base: undefined }, sink);
}

/**
 * pino's error serializer (`type`, `message` with the causes' messages appended,
 * `stack`, own fields), plus `cause`: the messages of the error's causes, outermost
 * first, joined by `: ` (absent when it has none).
 */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  if (error instanceof Error && error.cause !== undefined && serialized !== null && typeof serialized === 'object') {
    const causes: string[] = [];
    for (let c: unknown = error.cause; c !== undefined && c !== null && causes.length < 10; c = (c as { cause?: unknown }).cause) {
      causes.push(c instanceof Error ? c.message : String(c));
      if (!(c instanceof Error)) break;
    }
    (serialized as Record<string, unknown>).cause = causes.join(': ');
  }
  return serialized;
}

/**
 * Sends the process's warnings (`process.emitWarning`, e.g. Node deprecations
 * and the AWS SDK's notice about the Node version) through `log` as one `warn`
 * record each (`warning: { name, code }`, the message on one line), instead of
 * Node's plain-text lines on stderr, so JSON logs stay JSON. Replaces earlier
 * `warning` listeners (Node's printer among them). The warnings of worker threads
 * arrive here too (`worker-warnings.ts`); a warning equal to one logged already
 * (same name, code and message: each thread of a pool, or a thread and the main
 * thread, emitting the same notice) is not logged again.
 * @param proc the process (tests pass an emitter of their own).
 */
export function routeProcessWarnings(log: Logger, proc: Pick<NodeJS.EventEmitter, 'on' | 'removeAllListeners'> = process): void {
  const logged = new Set<string>();
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error & { code?: string }) => {
    const message = warning.message.replace(/\s+/g, ' ').trim();
    const key = JSON.stringify([warning.name, warning.code, message]);
    if (logged.has(key)) return;
    logged.add(key);
    log.warn({ warning: { name: warning.name, ...(warning.code === undefined ? {} : { code: warning.code }) } }, message);
  });
}

const LEVEL_COLORS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
/** Fields shown in fixed places (or not at all) by the pretty rendering. */
const PLACED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'stage', 'err']);

/** `key=value`, quoting strings with spaces, `=` or quotes, JSON for objects. */
function renderField(key: string, value: unknown): string {
  if (typeof value === 'string') return `${key}=${/[\s="]/.test(value) || value === '' ? JSON.stringify(value) : value}`;
  if (value === null || typeof value !== 'object') return `${key}=${String(value)}`;
  return `${key}=${JSON.stringify(value)}`;
}

/**
 * Renders one pino JSON line (as produced by {@link createLogger}) for humans:
 * `HH:MM:SS.mmm LEVEL [stage] message key=value …`, time in UTC; an `err` field
 * adds after the message ` err=<type>: <message>` unless the message already says it, and
 * ` (cause: <messages of its causes>)`, all on the one line; with `stacks`, an
 * `error`/`fatal` record's stack follows on the next lines. A line that is not a
 * JSON object is returned unchanged.
 *
 * @param line one JSON log record without the trailing newline.
 * @param colors wrap the level label in ANSI colours.
 * @param stacks print the stacks of errors (`--verbose`).
 */
export function formatPrettyLine(line: string, colors = false, stacks = false): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const label = String(record.level ?? '').toUpperCase().padEnd(5);
  const level = colors ? `${LEVEL_COLORS[String(record.level)] ?? ''}${label}${RESET}` : label;
  const parts = [time, level];
  if (record.stage !== undefined) parts.push(`[${String(record.stage)}]`);
  if (typeof record.msg === 'string' && record.msg !== '') parts.push(record.msg);
  const err = record.err as { type?: string; message?: string; stack?: string; cause?: string } | undefined;
  const hasErr = err !== undefined && err !== null && typeof err === 'object';
  if (hasErr) {
    const message = err.message ?? '';
    const own = typeof err.cause === 'string' && message.endsWith(`: ${err.cause}`) ? message.slice(0, -err.cause.length - 2) : message;
    if (typeof record.msg !== 'string' || !record.msg.includes(own)) parts.push(`err=${err.type ?? 'Error'}: ${own}`);
    if (typeof err.cause === 'string' && err.cause !== '') parts.push(`(cause: ${err.cause})`);
  }
  for (const [key, value] of Object.entries(record)) if (!PLACED.has(key)) parts.push(renderField(key, value));
  let text = parts.filter((p) => p !== '').join(' ');
  if (hasErr && stacks && (record.level === 'error' || record.level === 'fatal') && typeof err.stack === 'string') {
    const stack = err.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`);
    if (stack.length > 0) text += '\n' + stack.join('\n');
  }
  return text;
}
