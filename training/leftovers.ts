/**
 * Models that nothing uses or will: `models/<data set>/<model-id>/` left by a training that did not
 * finish. The "save model" step writes `weights.bin`, `model.json`, the card and `manifest.json` last
 * (`registry.ts`), then `blend.json` when scoring blends the model or `fallback.json` when it falls back to
 * a baseline (the fit's id, `baseline:<name>@<model-id>`, names the model, so what names the fit keeps the
 * folder, and the fit goes with it); well after it, `train` writes the
 * champion pointer at the end of its step, and `run` (a `schedule` tick) scores, evaluates, renders its
 * report, commits its export, then writes the pointer and the report. A run that fails or is killed in
 * between leaves a model nothing names; one killed while saving leaves a folder without a manifest,
 * which is no model.
 *
 * A model folder is removed, whole, when all of these hold:
 * - its newest object is older than the caller's age (the lock lease): no run still writes it;
 * - it has no `manifest.json`; or its manifest names the run that saved it (`runId`; for a model saved
 *   before manifests named it, the run records that list its files among their outputs) and that run's
 *   record is `failed`, `killed` or `unknown`, and no export names that run (a run that failed or was
 *   killed after its commit: `berserkr report` reads the card of the model the run trained);
 * - nothing that leads a reader to it names it: a run record `ok`, `partial` or `running` (the run of a
 *   challenger that lost promotion, which its report shows; a `score --model` that used or uses it), or
 *   one that cannot be read; the champion pointer; a sidecar, shard marker or copy of the latest export
 *   (`Catalog.modelPointers`).
 *
 * Kept too: a model whose manifest cannot be read (of a later version, perhaps), one whose run has no
 * record, and one saved before manifests named their run by a run that was killed (its record names
 * nothing it wrote).
 */
import type { LoadedRecord, AbandonedRun } from '../lib/abandoned-runs';
import { type Catalog, DatasetFormatError, MODEL_ID_PATTERN, type Models, modelIdsIn, type RunRecord, runIdsIn } from '../lib/catalog';
import { type LockFence, NO_LOCK_FENCE } from '../lib/stage-context';
import type { ObjectInfo } from '../lib/store/store';

/** How the run that saved a model ended, when that makes the model unused. */
export type EndedStatus = Extract<RunRecord['status'], 'failed' | 'killed' | 'unknown'>;

const ENDED: ReadonlySet<RunRecord['status'] | undefined> = new Set<EndedStatus>(['failed', 'killed', 'unknown']);

/** Whether a run's record (its status; undefined when it has none that can be read) says the run ended without finishing. */
const isEnded = (status: RunRecord['status'] | undefined): status is EndedStatus => ENDED.has(status);

/** What one run record tells of models. */
interface RecordFacts {
  status: RunRecord['status'];
  /** Model ids its text names anywhere (outputs, inputs, parameters, promotion, model id). */
  named: string[];
  /** Model ids whose folders hold objects it lists among its outputs. */
  wrote: string[];
}

/**
 * The run records of a data set as gc reads them once (`finishAbandonedRuns`), kept as what they tell
 * of models: each one's status, the model ids it names and those it wrote; and the ids of those that
 * cannot be read.
 */
export class RecordedModels {
  private readonly records = new Map<string, RecordFacts>();
  private readonly unreadable: string[] = [];

  /** @param models the data set's models, whose folders the records' outputs are matched with. */
  constructor(private readonly models: Models) {}

  /** Takes one record as read: the `onRecord` of `finishAbandonedRuns`. */
  readonly add = (runId: string, loaded: LoadedRecord): void => {
    if ('invalid' in loaded) {
      this.unreadable.push(runId);
      return;
    }
    const { record } = loaded;
    const wrote = record.outputs.map((o) => (o.key.startsWith(this.models.root) ? o.key.slice(this.models.root.length).split('/')[0] : '')).filter((id) => MODEL_ID_PATTERN.test(id));
    this.records.set(runId, { status: record.status, named: [...new Set(modelIdsIn(JSON.stringify(record)))], wrote: [...new Set(wrote)] });
  };

  /** Takes the runs gc finished as `killed` or `unknown` (their records were read as `running`). */
  finished(runs: readonly AbandonedRun[]): void {
    for (const run of runs) {
      const facts = this.records.get(run.runId);
      if (facts !== undefined) facts.status = run.status;
    }
  }

  /** The model ids that the records of runs not ended as failed, killed or unknown name: `ok`, `partial`, `running`. */
  namedByUnended(): Set<string> {
    return new Set([...this.records.values()].filter((r) => !isEnded(r.status)).flatMap((r) => r.named));
  }

  /** The runs whose records list objects of model `modelId` among their outputs. */
  writersOf(modelId: string): string[] {
    return [...this.records].filter(([, r]) => r.wrote.includes(modelId)).map(([runId]) => runId);
  }

  /** The status of run `runId`'s record; undefined when it has none that could be read. */
  statusOf(runId: string): RunRecord['status'] | undefined {
    return this.records.get(runId)?.status;
  }

  /** The ids of the records that could not be read. */
  get unreadableRuns(): readonly string[] {
    return this.unreadable;
  }
}

/** A model removed by {@link removeUnusedModels}. */
export interface RemovedModel {
  modelId: string;
  /** The run that saved it and how it ended; undefined for a folder without a manifest. */
  savedBy?: { runId: string; status: EndedStatus };
  /** Keys removed: the manifest first, then the others in key order. */
  keys: string[];
  /** Their bytes together. */
  bytes: number;
}

/** What {@link removeUnusedModels} did. */
export interface UnusedModels {
  /** The models removed, in model-id order. */
  removed: RemovedModel[];
  /** The errors of the manifests that could not be read, each naming its object: their models were kept. */
  unreadableManifests: DatasetFormatError[];
}

/** A model folder that no record of a run still going or finished names, found unused so far. */
type Candidate = Omit<RemovedModel, 'keys' | 'bytes'> & { objects: ObjectInfo[] };

/**
 * Removes the models of the data set that nothing uses or will (module notes), each whole: its manifest
 * first, so that a removal cut short leaves a folder without one, which the next call removes.
 * Reads one keys-only listing of `models/<data set>/`, the manifests of the old folders that no record of a
 * run still going or finished names, and, only when one of them is unused, what `Catalog.modelPointers` reads
 * and the text of the records that could not be read.
 * @param before ms since the epoch: folders with an object written since are kept.
 * @param recorded the data set's run records, as gc read and finished them.
 * @param on called, to log them, with each manifest that cannot be read as it is found, and with each
 *   model as soon as it is removed, before the next is.
 * @param fence awaited before each model is removed, with its folder's URI (`StageContext.fence`: a caller under
 *   the pipeline lock checks it still holds it, one read of the lock per model removed); default: none.
 * @throws store errors unchanged (objects removed until then stay removed, each given to `on.removed`); the error
 *   of `fence` (LockLostError), that model left whole.
 */
export async function removeUnusedModels(
  catalog: Catalog,
  before: number,
  recorded: RecordedModels,
  on: { unreadableManifest?: (e: DatasetFormatError) => void; removed?: (m: RemovedModel) => void } = {},
  fence: LockFence = NO_LOCK_FENCE,
): Promise<UnusedModels> {
  const { models } = catalog;
  const unreadableManifests: DatasetFormatError[] = [];
  const named = recorded.namedByUnended();
  const candidates: Candidate[] = [];
  // In model-id order: the listing is in key order.
  for (const [modelId, objects] of await models.byModel()) {
    if (named.has(modelId) || objects.some((o) => o.lastModified >= before)) continue;
    if (!models.isPublished(modelId, objects)) {
      candidates.push({ modelId, objects });
      continue;
    }
    const manifest = await models.readManifest(modelId).catch((error: unknown) => (error instanceof DatasetFormatError ? error : Promise.reject(error)));
    if (manifest instanceof DatasetFormatError) {
      on.unreadableManifest?.(manifest);
      unreadableManifests.push(manifest);
      continue;
    }
    const writers = manifest?.runId !== undefined ? [manifest.runId] : recorded.writersOf(modelId);
    const statuses = writers.map((runId) => recorded.statusOf(runId));
    if (writers.length === 0 || !statuses.every(isEnded)) continue;
    // A run that committed its export and then failed (its report or pointer not written) keeps its model for good:
    // one HEAD of its sidecar here spares every later gc the reading of all the exports' objects below.
    if (await catalog.exports.isCommitted(writers[0])) continue;
    candidates.push({ modelId, objects, savedBy: { runId: writers[0], status: statuses[0] } });
  }
  if (candidates.length === 0) return { removed: [], unreadableManifests };

  const pointed = new Set<string>();
  const pointedRuns = new Set<string>();
  for await (const { text } of catalog.modelPointers()) {
    for (const id of modelIdsIn(text)) pointed.add(id);
    for (const id of runIdsIn(text)) pointedRuns.add(id);
  }
  for (const runId of recorded.unreadableRuns) for (const id of modelIdsIn((await catalog.runs.loadText(runId)) ?? '')) pointed.add(id);

  const removed: RemovedModel[] = [];
  for (const c of candidates) {
    if (pointed.has(c.modelId) || (c.savedBy !== undefined && pointedRuns.has(c.savedBy.runId))) continue;
    await fence(catalog.uri(models.prefix(c.modelId)));
    const m = await removeModel(models, c);
    on.removed?.(m);
    removed.push(m);
  }
  return { removed, unreadableManifests };
}

/**
 * Deletes the objects of one model: its manifest first (the model no longer exists for a reader), then the others in key order.
 * @throws store errors unchanged (objects removed until then stay removed).
 */
async function removeModel(models: Models, c: Candidate): Promise<RemovedModel> {
  const manifest = models.key(c.modelId, 'manifest.json');
  const keys = c.objects.map((o) => o.key).sort((a, b) => (a === manifest ? -1 : b === manifest ? 1 : a < b ? -1 : 1));
  for (const key of keys) await models.delete(key);
  return { modelId: c.modelId, ...(c.savedBy === undefined ? {} : { savedBy: c.savedBy }), keys, bytes: c.objects.reduce((sum, o) => sum + o.size, 0) };
}
