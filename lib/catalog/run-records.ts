/**
 * Run records, `runs/<data set>/<run-id>.json`: what each command of a data set read (keys and ETags),
 * wrote, counted and measured, with which code and configuration. The
 * recorder that builds them is `lib/runs.ts`.
 */
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { DatasetFormatError } from './errors';
import { JsonObject, type JsonSpec, loadTextIfExists } from './json';
import { assertRunId, RUN_ID_PATTERN } from './run-id';
import { objectUri } from './uri';

const isoTime = z.string().datetime({ offset: false });
const count = z.number().int().nonnegative();

/**
 * Schema of `runs/<data set>/<run-id>.json` (version `berserkr.run/1`). Adding optional
 * fields keeps version 1; renaming or removing one needs version 2.
 */
export const RunRecordSchema = z
  .object({
    schema: z.literal('berserkr.run/1'),
    runId: z.string().regex(RUN_ID_PATTERN),
    /** CLI command, e.g. `run`, `ingest`, `score`. */
    command: z.string().min(1),
    /** Resolved options of the command (as-of, top-K, shard, URIs without credentials …). */
    params: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])),
    startedAt: isoTime,
    /** null while the run is `running`, and for runs that never finished (`killed`, `unknown`). */
    finishedAt: isoTime.nullable(),
    /** finishedAt − startedAt, ms; null when finishedAt is. */
    durationMs: count.nullable(),
    /**
     * `ok`, `failed`, `partial` (finished with exit 3: some raw objects failed, named in `errors`); `running` from its start until it finishes; `killed` when its
     * process was found gone, `unknown` when it was found to have stopped without
     * finishing (on another host) — both without a finish time.
     */
    status: z.enum(['ok', 'partial', 'failed', 'running', 'killed', 'unknown']),
    /** The process that ran it. Absent in records of older versions. */
    process: z.object({ host: z.string(), pid: z.number().int() }).optional(),
    /** package.json version and git commit (null outside a git checkout). */
    code: z.object({ version: z.string(), commit: z.string().nullable(), dirty: z.boolean().nullable() }),
    /**
     * The data-set configuration file and its configuration hash (`configHash` of lib/config.ts: SHA-256 of the
     * canonical JSON of the validated configuration, as in the ledger and model manifests); records of earlier
     * versions hold the SHA-256 of the file's text.
     */
    config: z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
    /** Compute backend, e.g. `tensorflow`, `wasm`, `cpu`; null when no model ran. */
    backend: z.string().nullable(),
    /** Objects read: store root URI, key, ETag. */
    inputs: z.array(z.object({ store: z.string(), key: z.string(), etag: z.string() })),
    /** Objects under a read prefix that the run did not take (e.g. a raw `.csv` among `.lzo` objects), with why. Absent in records of older versions. */
    skipped: z.array(z.object({ store: z.string(), key: z.string(), reason: z.string() })).optional(),
    /** Objects written: store root URI, key, ETag when the store returned one. */
    outputs: z.array(z.object({ store: z.string(), key: z.string(), etag: z.string().nullable() })),
    /** Row counts by name, e.g. `ingest.read`, `ingest.clean`, `ingest.rejected`. */
    rows: z.record(count),
    /** Timed steps in start order, duration in ms. */
    steps: z.array(z.object({ name: z.string(), startedAt: isoTime, ms: count, status: z.enum(['ok', 'failed']) })),
    /**
     * Metrics by stable name: `model.ndcg@10`, `model.ece`, `baseline.repeat.ndcg@10`,
     * `validation.challenger.ndcg@10` … (records of earlier versions put the model id
     * where `model` now stands).
     */
    metrics: z.record(z.number()),
    /** The model the run scored with and the `model.*` metrics are of (a model id, `blend:<model-id>` or `baseline:<name>@<model-id>`, the fit `score --model baseline:<name>` resolved to; `baseline:<name>` in records of earlier versions); absent when none scored or was evaluated, and in records of earlier versions. */
    modelId: z.string().optional(),
    /**
     * The champion/challenger decision of a run that trained (`training/promotion.ts`): the challenger's model id,
     * the outcome (`promoted`, `kept-champion`, or what scoring fell back to: `baseline`, `blend`), what scoring uses
     * after it (a model id, `baseline:<name>@<model-id>` or `blend:<model-id>`; `baseline:<name>` in records of earlier versions) and the decision text with its figures.
     * Absent in runs that did not train and in records of earlier versions.
     */
    promotion: z
      .object({
        challengerId: z.string(),
        outcome: z.enum(['promoted', 'kept-champion', 'baseline', 'blend']),
        championId: z.string(),
        decision: z.string(),
      })
      .optional(),
    errors: z.array(z.object({ step: z.string().nullable(), name: z.string(), message: z.string() })),
  })
  .strict();

/** One run record, as written to `runs/<data set>/<run-id>.json`. */
export type RunRecord = z.infer<typeof RunRecordSchema>;

const SPEC: JsonSpec<RunRecord> = { what: 'run record', schema: RunRecordSchema, indent: 2, newline: true };

/** The run records of one data set of the lake. */
export class RunRecords {
  /** Folder of the data set's run records and reports: `runs/<data set>/`. */
  readonly root: string;

  /**
   * @param store the lake
   * @param dataset the data set's name, e.g. `online-retail`.
   */
  constructor(
    readonly store: ObjectStore,
    readonly dataset: string,
  ) {
    this.root = `runs/${dataset}/`;
  }

  private object(runId: string): JsonObject<RunRecord> {
    return new JsonObject(this.store, this.key(runId), SPEC);
  }

  /**
   * Key of run `runId`'s record.
   * @example records.key('20111109T000000Z-3fa9c1') // 'runs/online-retail/20111109T000000Z-3fa9c1.json'
   * @throws InvalidRunIdError when `runId` is not a run id.
   */
  key(runId: string): string {
    return `${this.root}${assertRunId(runId)}.json`;
  }

  /** `<lake uri>/runs/<data set>/<run-id>.json`. */
  uri(runId: string): string {
    return objectUri(this.store, this.key(runId));
  }

  /** Writes `record` to `runs/<data set>/<record.runId>.json` (one atomic put, replacing the run's earlier record). */
  save(record: RunRecord): Promise<ObjectInfo> {
    return this.object(record.runId).save(record);
  }

  /**
   * Run ids found under `runs/<data set>/`, newest first by start second (the
   * ids of one second in the order of their random suffix). Keys that are not
   * `runs/<data set>/<run-id>.json` are ignored.
   * @param options.limit at most this many ids (the newest).
   */
  async list(options: { limit?: number } = {}): Promise<string[]> {
    const ids: string[] = [];
    for (const { key } of await this.store.list(this.root)) {
      const id = key.slice(this.root.length, -'.json'.length);
      if (key.endsWith('.json') && RUN_ID_PATTERN.test(id)) ids.push(id);
    }
    ids.sort().reverse();
    return options.limit === undefined ? ids : ids.slice(0, options.limit);
  }

  /**
   * Reads and validates `runs/<data set>/<run-id>.json`.
   * @throws InvalidRunIdError when `runId` is not a run id.
   * @throws ObjectNotFoundError (from the store) when the run does not exist.
   * @throws DatasetFormatError when the object is not JSON, breaks {@link RunRecordSchema}
   *   (the message names the first bad field), or holds another run's id.
   */
  async load(runId: string): Promise<RunRecord> {
    const object = this.object(runId);
    const record = await object.load();
    if (record.runId !== runId) throw new DatasetFormatError('run record', object.uri, `expected runId ${runId}, found ${record.runId}`);
    return record;
  }

  /**
   * The text of run `runId`'s record as stored, not validated (for a reader that must
   * see what a record it cannot validate names), or `undefined` when it does not exist.
   * @throws InvalidRunIdError when `runId` is not a run id; store errors unchanged.
   */
  async loadText(runId: string): Promise<string | undefined> {
    return loadTextIfExists(this.store, this.key(runId));
  }

  /**
   * Reads run `runId`'s record as {@link load} does, for listings that skip a record
   * they cannot read rather than stop at it.
   * @returns `{ record }`, or `{ invalid }`, the DatasetFormatError naming the object,
   *   when it is not JSON, breaks {@link RunRecordSchema} or holds another run's id.
   * @throws as {@link load} for an invalid run id, a missing record and store errors.
   */
  async loadIfValid(runId: string): Promise<{ record: RunRecord } | { invalid: DatasetFormatError }> {
    try {
      return { record: await this.load(runId) };
    } catch (error) {
      if (error instanceof DatasetFormatError) return { invalid: error };
      throw error;
    }
  }
}
