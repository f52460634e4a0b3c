/**
 * Progress bars for long steps (decompressing raw objects, training epochs,
 * scoring batches). Shown only to a person: when the log format is `pretty` and
 * the output stream is a terminal. Everywhere else (JSON logs, CI, Kubernetes,
 * redirected stderr) a command logs a line now and then instead
 * ({@link loggedProgress}), and runners called without the CLI get
 * {@link NO_PROGRESS}, whose calls are no-ops; stages call it unconditionally.
 *
 * Bars are drawn with `cli-progress` (https://github.com/npkg/cli-progress) as
 * one `MultiBar` while at least one bar is open. Log lines must not be written
 * over them: pass the {@link Progress} to `createLogger({ progress })`
 * (lib/log.ts), which then writes through {@link Progress.write}, printing
 * above the bars.
 */
import { Format, MultiBar, type Options, type SingleBar } from 'cli-progress';
import type { LogFormat, Logger } from './log';

/** One bar: advance it, then stop it exactly once (in a `finally`: an open bar keeps a timer). */
export interface ProgressBar {
  /** Adds `n` (default 1) units of work done. */
  increment(n?: number): void;
  /** Sets the total when it becomes known or changes (e.g. bytes of the next object). */
  setTotal(total: number): void;
  /** Removes the bar from the terminal; later calls are ignored. */
  stop(): void;
}

/** Factory of bars, created once per process from the CLI's options. */
export interface Progress {
  /** True when bars are drawn (pretty format on a terminal). */
  readonly enabled: boolean;
  /**
   * Starts a bar labelled `label` over `total` units of `unit` (e.g. `objects`,
   * `rows`, `epochs`), at 0.
   */
  bar(label: string, total: number, unit?: string): ProgressBar;
  /** Writes whole lines of text above the open bars (straight to the stream when none is open). */
  write(text: string): void;
}

export interface ProgressOptions {
  format: LogFormat;
  /** Stream the bars draw on; default process.stderr (where logs go too). */
  stream?: NodeJS.WriteStream;
}

const NOOP_BAR: ProgressBar = { increment() {}, setTotal() {}, stop() {} };

/** A {@link Progress} that never draws nor logs, for runners called without the CLI (tests, benches); `write` goes to stderr. */
export const NO_PROGRESS: Progress = {
  enabled: false,
  bar: () => NOOP_BAR,
  write: (text) => void process.stderr.write(text),
};

/** How often, at most, a bar of {@link loggedProgress} logs a line: 15 s. */
export const PROGRESS_LOG_INTERVAL_MS = 15_000;

/**
 * Progress where no bar is drawn (JSON logs, stderr not a terminal): a bar logs
 * an info line at an increment when `everyMs` have passed since it opened or
 * last logged, such as `score: 12000 of 40000 customers (30 %), ETA 35 s`, with
 * the fields `progress: { label, done, total, unit, etaSeconds }`. So a long
 * step without lines of its own (scoring a large customer base) still shows that
 * it moves, and a short one (under `everyMs`) logs nothing. The ETA assumes the
 * rate so far; it is absent before the first unit is done. The share is at most
 * 100 %, as a drawn bar's (more done than the total, or a total of 0).
 * @param now clock in ms since the epoch (tests pass their own).
 */
export function loggedProgress(log: Logger, everyMs = PROGRESS_LOG_INTERVAL_MS, now: () => number = Date.now): Progress {
  return {
    enabled: false,
    write: NO_PROGRESS.write,
    bar(label: string, total: number, unit = ''): ProgressBar {
      const start = now();
      let last = start;
      let done = 0;
      let active = true;
      return {
        increment: (n = 1) => {
          if (!active) return;
          done += n;
          const at = now();
          if (at - last < everyMs) return;
          last = at;
          const etaSeconds = done > 0 ? Math.round(((at - start) / done) * Math.max(0, total - done) / 1000) : undefined;
          const units = unit === '' ? '' : ` ${unit}`;
          const share = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
          log.info(
            { progress: { label, done, total, unit, ...(etaSeconds === undefined ? {} : { etaSeconds }) } },
            `${label}: ${done} of ${total}${units} (${share} %)${etaSeconds === undefined ? '' : `, ETA ${etaSeconds} s`}`,
          );
        },
        setTotal: (t) => {
          total = t;
        },
        stop: () => {
          active = false;
        },
      };
    },
  };
}

/**
 * A MultiBar whose redraw timer never keeps the process alive, and which is
 * stopped (cursor shown again, bars cleared) when the process exits with bars
 * still open, e.g. after an error skipped a `bar.stop()`.
 */
function startMultiBar(stream: NodeJS.WriteStream): MultiBar {
  const multi = new MultiBar({
    stream,
    format: '{label} [{bar}] {percentage}% | {value}/{total}{unit} | ETA {eta_formatted}',
    formatTime: formatEta,
    clearOnComplete: true,
    hideCursor: true,
    barsize: 30,
  });
  multi.stop = multi.stop.bind(multi);
  multi.on('update-post', () => unrefRedrawTimer(multi));
  process.once('exit', multi.stop);
  return multi;
}

/**
 * The ETA of a bar, or `--` while it has none: cli-progress 3.12 holds the
 * string `'0'` until the first increment, and `'NULL'` or `'INF'` while no
 * rate is known, which its own format prints as `0s`, `LLs` and `NFs`.
 */
function formatEta(t: number | string, options: Options, roundToMultipleOf: number): string {
  return typeof t === 'number' ? Format.TimeFormat(t, options, roundToMultipleOf) : '--';
}

/**
 * cli-progress 3.12 keeps its next redraw in the (untyped) field `timer`, set on
 * `create` and after every redraw (`update-post`); unref it so an open bar never
 * holds the event loop.
 */
function unrefRedrawTimer(multi: MultiBar): void {
  (multi as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref();
}

/**
 * Creates the process's progress factory.
 *
 * @returns drawing bars when `format` is `pretty` and `stream.isTTY` is true,
 *   else {@link NO_PROGRESS}.
 * @example
 * const bar = progress.bar('ingest', objects.length, 'objects');
 * try {
 *   for (const o of objects) { await ingestOne(o); bar.increment(); }
 * } finally {
 *   bar.stop();
 * }
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.format !== 'pretty' || stream.isTTY !== true) return NO_PROGRESS;
  let multi: MultiBar | undefined;
  let open = 0;
  return {
    enabled: true,
    write(text: string): void {
      if (multi === undefined) stream.write(text);
      else multi.log(text);
    },
    bar(label: string, total: number, unit = ''): ProgressBar {
      multi ??= startMultiBar(stream);
      const drawn = multi;
      const bar: SingleBar = drawn.create(total, 0, { label, unit: unit === '' ? '' : ` ${unit}` });
      unrefRedrawTimer(drawn);
      open += 1;
      let active = true;
      return {
        increment: (n = 1) => {
          if (active) bar.increment(n);
        },
        setTotal: (t) => {
          if (active) bar.setTotal(t);
        },
        stop: () => {
          if (!active) return;
          active = false;
          drawn.remove(bar); // redraws, printing pending log lines first
          open -= 1;
          if (open === 0) {
            drawn.stop();
            process.removeListener('exit', drawn.stop);
            multi = undefined;
          }
        },
      };
    },
  };
}
