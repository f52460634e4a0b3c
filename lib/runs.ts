/**
 * Recording runs (design.md, "Run record"): every berserkr command leaves
 * `runs/<run-id>.json` in the lake saying what it read (keys + ETags), wrote,
 * counted and measured, with which code and configuration, so any output can be
 * traced back to its inputs and reproduced.
 *
 * A {@link RunRecorder} writes the record with status `running` when the command
 * starts ({@link RunRecorder.begin}), accumulates steps while it runs and
 * writes the final record at the end through the catalog's run records
 * (`catalog/run-records.ts`, which holds the schema and reads them back; each
 * write a single atomic `put`). A record still `running` after its process is
 * gone is a run that never finished (SIGKILL, out of memory, power loss):
 * `abandoned-runs.ts` finishes it as `killed` or `unknown`.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertRunId } from './catalog/run-id';
import { RunRecordSchema, type RunRecord, type RunRecords } from './catalog/run-records';
import type { ObjectInfo } from './store/store';

export type RunStatus = RunRecord['status'];
/** The statuses a run finishes itself with. */
export type FinishStatus = Extract<RunStatus, 'ok' | 'partial' | 'failed'>;
export type CodeVersion = RunRecord['code'];
export type RunParams = RunRecord['params'];

/** No usable package.json at or above the folder where the code version is looked up. */
export class CodeVersionError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`code version from ${path}: ${detail}`);
    this.name = 'CodeVersionError';
  }
}

/** A recorder used after {@link RunRecorder.finish}, or finished twice. */
export class RunRecorderStateError extends Error {
  constructor(readonly runId: string, action: string) {
    super(`run ${runId} is already finished: cannot ${action}`);
    this.name = 'RunRecorderStateError';
  }
}

/**
 * Formats a run id from a start time and a suffix.
 * @param startedAtMs start time, ms since the Unix epoch (UTC); the id keeps whole seconds.
 * @param suffix 6 lower-case hex characters (random by default in {@link RunRecorder}).
 * @throws InvalidRunIdError when the result is not a run id (bad suffix, year outside 0000–9999).
 * @example formatRunId(Date.UTC(2011, 10, 9), '3fa9c1') // '20111109T000000Z-3fa9c1'
 */
export function formatRunId(startedAtMs: number, suffix: string): string {
  const iso = new Date(startedAtMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const id = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z-${suffix}`;
  return assertRunId(id);
}

function git(args: string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5000 }, (error, stdout) => resolve(error ? null : stdout.trim()));
  });
}

/** What `git describe --dirty` appends for a checkout whose tracked files differ from its commit. */
const DIRTY = '-dirty';

/**
 * The code version of this installation: `version` from the nearest
 * `package.json` at or above `from`, and the git commit of that folder with
 * whether tracked files differ from it. `BERSERKR_GIT_COMMIT` in `env` wins
 * over git (container images have no `.git`; the Dockerfile sets it from a
 * build argument, `git describe --always --dirty --abbrev=40 --exclude='*'`):
 * a `-dirty` suffix there sets `dirty`, else `dirty` is null (unknown); commit
 * and dirty are null when neither is available.
 *
 * @param options.from folder to start from; default this module's folder.
 * @param options.env environment; default `process.env`.
 * @throws CodeVersionError when no package.json is found at or above `from`, or
 *   the nearest one is not JSON or has no string `version`.
 */
export async function detectCodeVersion(options: { from?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CodeVersion> {
  const env = options.env ?? process.env;
  const { dir, version } = packageVersion(options.from);
  const pinned = env.BERSERKR_GIT_COMMIT;
  if (pinned !== undefined && pinned !== '') {
    return pinned.endsWith(DIRTY) && pinned.length > DIRTY.length ? { version, commit: pinned.slice(0, -DIRTY.length), dirty: true } : { version, commit: pinned, dirty: null };
  }
  const commit = await git(['rev-parse', 'HEAD'], dir);
  const status = commit === null ? null : await git(['status', '--porcelain', '--untracked-files=no'], dir);
  return { version, commit, dirty: status === null ? null : status !== '' };
}

/**
 * `version` of the nearest `package.json` at or above `from` (default this
 * module's folder), and the folder holding it.
 * @throws CodeVersionError as {@link detectCodeVersion}.
 */
export function packageVersion(from: string = __dirname): { dir: string; version: string } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      let pkg: { version?: unknown };
      try {
        pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
      } catch (error) {
        throw new CodeVersionError(file, `expected JSON, ${(error as Error).message}`);
      }
      if (typeof pkg.version !== 'string') throw new CodeVersionError(file, `expected a string "version", found ${JSON.stringify(pkg.version)}`);
      return { dir, version: pkg.version };
    }
    if (dirname(dir) === dir) throw new CodeVersionError(from, 'no package.json found at or above it');
  }
}

/** What a command starts with. */
export interface RunStart {
  command: string;
  params?: RunParams;
  code: CodeVersion;
  /** The data-set configuration used: its path and configuration hash (`configHash` of lib/config.ts). */
  config?: { path: string; sha256: string };
  /** Clock, ms since the epoch; default `Date.now` (tests pass a fixed one). */
  now?: () => number;
  /** Run id suffix, 6 lower-case hex; default 3 random bytes. */
  suffix?: string;
}

/**
 * Accumulates one run's record and writes it to `runs/<run-id>.json`.
 *
 * @example
 * const run = new RunRecorder({ command: 'ingest', code: await detectCodeVersion(), config: { path, sha256: configHash(config) } });
 * try {
 *   const result = await run.step('ingest', () => ingestAll(raw, lake, config, options));
 *   run.count('ingest.read', result.read);
 * } finally {
 *   await run.finish(catalog.runs); // status `failed` when a step threw
 * }
 */
export class RunRecorder {
  /** `YYYYMMDDTHHMMSSZ-<6 hex>`, sortable by start time. */
  readonly runId: string;
  /** Start time, ms since the epoch: the run record's `startedAt`, of which the run id keeps whole seconds. */
  readonly startedAtMs: number;
  private readonly now: () => number;
  private readonly start: RunStart;
  private readonly inputs = new Map<string, RunRecord['inputs'][number]>();
  private readonly skipped = new Map<string, NonNullable<RunRecord['skipped']>[number]>();
  private readonly outputs = new Map<string, RunRecord['outputs'][number]>();
  private readonly rows: Record<string, number> = {};
  private readonly metrics: Record<string, number> = {};
  private readonly steps: RunRecord['steps'] = [];
  private readonly errors: RunRecord['errors'] = [];
  private backend: string | null = null;
  private modelId: string | undefined;
  private promotion: RunRecord['promotion'];
  private finished = false;

  constructor(start: RunStart) {
    this.start = start;
    this.now = start.now ?? Date.now;
    this.startedAtMs = this.now();
    this.runId = formatRunId(this.startedAtMs, start.suffix ?? randomBytes(3).toString('hex'));
  }

  private assertOpen(action: string): void {
    if (this.finished) throw new RunRecorderStateError(this.runId, action);
  }

  /**
   * Runs `fn` as a named, timed step. A throwing step is recorded as `failed`
   * with its error, and the error is rethrown unchanged.
   */
  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    this.assertOpen(`start step ${name}`);
    const t0 = this.now();
    const entry: RunRecord['steps'][number] = { name, startedAt: new Date(t0).toISOString(), ms: 0, status: 'ok' };
    this.steps.push(entry);
    try {
      return await fn();
    } catch (error) {
      entry.status = 'failed';
      if (!this.finished) this.fail(error, name);
      throw error;
    } finally {
      entry.ms = Math.max(0, this.now() - t0);
    }
  }

  /** Records objects read from the store `store` (its root URI); a key seen again keeps the latest ETag. */
  input(store: string, objects: Pick<ObjectInfo, 'key' | 'etag'> | Pick<ObjectInfo, 'key' | 'etag'>[]): void {
    this.assertOpen('record an input');
    for (const o of Array.isArray(objects) ? objects : [objects]) this.inputs.set(`${store}\n${o.key}`, { store, key: o.key, etag: o.etag });
  }

  /** Records an object of the store `store` that the run did not take, and why; a key seen again keeps the latest reason. */
  skip(store: string, key: string, reason: string): void {
    this.assertOpen('record a skipped object');
    this.skipped.set(`${store}\n${key}`, { store, key, reason });
  }

  /** Records an object written to the store `store`, with its ETag when known. */
  output(store: string, key: string, etag: string | null = null): void {
    this.assertOpen('record an output');
    this.outputs.set(`${store}\n${key}`, { store, key, etag });
  }

  /**
   * Adds `n` rows to the counter `name` (counters start at 0, so one call sets it).
   * @throws RangeError when `n` is not a non-negative integer.
   */
  count(name: string, n: number): void {
    this.assertOpen('count rows');
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`row count ${name}: expected a non-negative integer, found ${n}`);
    this.rows[name] = (this.rows[name] ?? 0) + n;
  }

  /**
   * Sets metric `name` (e.g. `ndcg@10`).
   * @throws RangeError when `value` is not finite (JSON cannot hold NaN or Infinity).
   */
  metric(name: string, value: number): void {
    this.assertOpen('set a metric');
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name}: expected a finite number, found ${value}`);
    this.metrics[name] = value;
  }

  /** Sets the model the run scored with and the `model.*` metrics are of (a model id, `blend:<model-id>` or `baseline:<name>@<model-id>`). */
  setModel(modelId: string): void {
    this.assertOpen('set the model');
    this.modelId = modelId;
  }

  /** Sets the champion/challenger decision of a run that trained (see `RunRecord.promotion`). */
  setPromotion(promotion: NonNullable<RunRecord['promotion']>): void {
    this.assertOpen('set the promotion decision');
    this.promotion = { ...promotion };
  }

  /** Sets the compute backend name (e.g. `wasm`). */
  setBackend(name: string): void {
    this.assertOpen('set the backend');
    this.backend = name;
  }

  /** Records an error; `step` names where it happened (null when outside a step). */
  fail(error: unknown, step: string | null = null): void {
    this.assertOpen('record an error');
    const e = error instanceof Error ? error : new Error(String(error));
    this.errors.push({ step, name: e.name, message: e.message });
  }

  /**
   * The record as it stands. `status` defaults to `failed` when an error was
   * recorded, else `ok`; `finishedAt` is now, or null for `running`.
   * @throws ZodError when the record breaks {@link RunRecordSchema} (e.g. an empty command).
   */
  snapshot(status?: FinishStatus | 'running'): RunRecord {
    const finishedAtMs = status === 'running' ? null : Math.max(this.startedAtMs, this.now());
    const record: RunRecord = {
      schema: 'berserkr.run/1',
      runId: this.runId,
      command: this.start.command,
      params: { ...(this.start.params ?? {}) },
      startedAt: new Date(this.startedAtMs).toISOString(),
      finishedAt: finishedAtMs === null ? null : new Date(finishedAtMs).toISOString(),
      durationMs: finishedAtMs === null ? null : finishedAtMs - this.startedAtMs,
      status: status ?? (this.errors.length > 0 ? 'failed' : 'ok'),
      process: { host: hostname(), pid: process.pid },
      code: { ...this.start.code },
      config: this.start.config ? { ...this.start.config } : null,
      backend: this.backend,
      inputs: [...this.inputs.values()],
      skipped: [...this.skipped.values()],
      outputs: [...this.outputs.values()],
      rows: { ...this.rows },
      steps: this.steps.map((s) => ({ ...s })),
      metrics: { ...this.metrics },
      ...(this.modelId === undefined ? {} : { modelId: this.modelId }),
      ...(this.promotion === undefined ? {} : { promotion: { ...this.promotion } }),
      errors: this.errors.map((e) => ({ ...e })),
    };
    return RunRecordSchema.parse(record);
  }

  /**
   * Writes the record as it stands with status `running` to `runs/<run-id>.json`
   * of `records`, so a run that never reaches {@link finish} still leaves a trace.
   * @returns the record written.
   * @throws RunRecorderStateError after finish; store errors from `put`.
   */
  async begin(records: RunRecords): Promise<RunRecord> {
    this.assertOpen('begin');
    const record = this.snapshot('running');
    await records.save(record);
    return record;
  }

  /**
   * Writes the record to `runs/<run-id>.json` of `records` (one atomic `put`,
   * replacing the `running` one of {@link begin}) and closes the recorder.
   * @returns the record written.
   * @throws RunRecorderStateError when called twice; store errors from `put`.
   */
  async finish(records: RunRecords, status?: FinishStatus): Promise<RunRecord> {
    this.assertOpen('finish');
    const record = this.snapshot(status);
    this.finished = true;
    await records.save(record);
    return record;
  }
}
