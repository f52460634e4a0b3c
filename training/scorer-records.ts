/**
 * What a champion id names, with the record its scoring reads: a registered model;
 * the blend of one with a baseline (`blend:<model-id>`, its blend record); or a
 * calibrated baseline (`baseline:<name>@<model-id>`, the fallback fit that model's training
 * wrote; `baseline:<name>`, the record of an earlier version), and whether that
 * fallback fits a run's horizon and as-of time. `score` (`scoring/ranker.ts`) and the
 * champion check of the training and of `schedule` (`champion-check.ts`) both read
 * them here, so that what the scheduler takes as able to score is what scoring accepts.
 */
import { type BaselineFallbackRecord, type BlendRecord, type Catalog, type Champion, DatasetError, DatasetFormatError, DatasetNotFoundError } from '../lib/catalog';
import { DAY_MS } from '../lib/schema';
import { ObjectNotFoundError } from '../lib/store/store';
import { ModelMismatchError } from '../scoring/errors';
import { parseBlendId } from './blend';
import { type BaselineName, fallbackFitId, parseFallbackId } from './fallback';

/** What a champion id names, with the record its scoring reads (a model's own files are the caller's to read). */
export type ScorerRecord =
  | { kind: 'model'; modelId: string }
  | { kind: 'blend'; modelId: string; blend: BlendRecord }
  | {
      kind: 'baseline';
      baseline: BaselineName;
      /** The model whose training wrote the fit, in whose folder it is; undefined for the record of an earlier version. */
      fitOf?: string;
      /** Key of the record. */
      key: string;
      fallback: BaselineFallbackRecord;
    };

/**
 * Reads what `id` names: for `baseline:<name>@<model-id>` the fit that model's training wrote,
 * for `baseline:<name>` the record an earlier version kept per baseline (read as before), for
 * `blend:<model-id>` its blend record; for a registered model nothing.
 * @param id a registered model id, `blend:<model-id>`, `baseline:<name>@<model-id>` or `baseline:<name>`.
 * @throws TrainingInputError for a baseline id of an unknown baseline or a malformed model id; DatasetNotFoundError
 *   when the fallback or blend record is missing; DatasetFormatError when it does not validate;
 *   store errors unchanged.
 * @example await loadScorerRecord(catalog, 'blend:20111109T000000000Z-3fa2c01b') // { kind: 'blend', modelId: '20111109T000000000Z-3fa2c01b', blend: { … } }
 */
export async function loadScorerRecord(catalog: Catalog, id: string): Promise<ScorerRecord> {
  const ref = parseFallbackId(id);
  if (ref !== undefined) {
    const { baseline, modelId } = ref;
    const fallback = await catalog.fallbacks.load(baseline, modelId);
    return { kind: 'baseline', baseline, ...(modelId === undefined ? {} : { fitOf: modelId }), key: catalog.fallbacks.key(baseline, modelId), fallback };
  }
  const blendOf = parseBlendId(id);
  if (blendOf !== undefined) return { kind: 'blend', modelId: blendOf, blend: await catalog.blends.load(blendOf) };
  return { kind: 'model', modelId: id };
}

/** What a scoring run scores with, once a baseline named without its fit is resolved ({@link resolveScorerId}). */
export interface ResolvedScorer {
  /** The id to score with, and to record: the one given, or the fit `baseline:<name>` resolved to. */
  id: string;
  /**
   * How `baseline:<name>` was resolved: to the fit the run's other shards scored with (`run`), the one
   * the champion pointer names (`champion`), the fit of the latest validation cut-off among those that
   * fit the run's as-of time and horizon (`latest`), or to the record an earlier version kept per
   * baseline (`legacy`, when no fit of the lake fits the run); undefined when the id given names a
   * definite scorer.
   */
  via?: 'run' | 'champion' | 'latest' | 'legacy';
  /** Set when the champion pointer names the record of an earlier version, which was rewritten since it was chosen: what differs. */
  warning?: string;
  /** Set when the champion pointer names a fit of the baseline that was not taken: why (it does not fit the run, or cannot be read). */
  passedOver?: string;
  /** For `latest`: how the run of the training that wrote the fit ended, when not `ok` (`failed`, `running` …, `unrecorded` without a run record). */
  trainingEnded?: string;
}

/** The question a scoring run asks, which a baseline's fit must answer to score it, and the run's other shards. */
export interface ScoringQuestion {
  /** The as-of time, ms UTC: a fit scores only if the labels it learnt end at or before it. */
  asOf: number;
  /** Horizon H in days: a fit scores only runs of the horizon it was fitted for. */
  horizonDays: number;
  /** The model ids of the run's shard markers (none for a run of its own). */
  runModelIds?: readonly string[];
}

/** Whether `id` names a fallback of `baseline`, in either form (an id that cannot be parsed names none). */
function namesBaseline(id: string, baseline: BaselineName): boolean {
  try {
    return parseFallbackId(id)?.baseline === baseline;
  } catch {
    return false;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Why a fit does not answer the run's question, as a phrase after its name. */
function mismatchText(mismatch: FallbackMismatch, q: ScoringQuestion): string {
  return mismatch.reason === 'horizon'
    ? `gives the probability of a purchase within ${mismatch.horizonDays} days, not within the run's ${q.horizonDays}`
    : `learnt purchases up to ${iso(mismatch.learntUntil)}, after the as-of time ${iso(mismatch.asOf)}`;
}

/**
 * The definite scorer that `id` names. A model id, `blend:<model-id>` and a fit's id
 * `baseline:<name>@<model-id>` name one already. `baseline:<name>` alone, as `score --model`
 * takes it, names a fit of that baseline that answers the run's question (`q`: its as-of time
 * and horizon, {@link fallbackMismatch}), resolved in this order:
 * 1. the fit the scoring run's other shards scored with (`q.runModelIds`, their markers'), so
 *    that every shard of a run scores with one calibration whatever was trained in between
 *    (taken as it is: a shard of other options is refused by the shard check);
 * 2. the fallback the champion pointer names, when it is one of that baseline and fits the run;
 * 3. among the fits of that baseline in the lake that fit the run, the one of the latest
 *    validation cut-off (the newest training breaks ties), those whose training's run ended `ok`
 *    first (a manifest and a run record read per fit tried, in that order);
 * 4. the record an earlier version kept per baseline, `baseline-<name>/fallback.json`, when it
 *    fits the run.
 * When the pointer names such a record of an earlier version (`baseline:<name>` alone), the
 * result warns when the record's validation cut-off is not the pointer's: a later training
 * of that version rewrote it.
 * @throws TrainingInputError for a baseline id of an unknown baseline or a malformed model id;
 *   ModelMismatchError when no fit of the baseline, nor the record of an earlier version, fits the
 *   run: it lists the fits found with their cut-offs and horizons, and says to pass a full id;
 *   DatasetFormatError when the record of an earlier version, read in step 4, does not validate;
 *   store errors unchanged (a damaged champion pointer names nothing here).
 */
export async function resolveScorerId(catalog: Catalog, id: string, q: ScoringQuestion): Promise<ResolvedScorer> {
  const ref = parseFallbackId(id);
  if (ref === undefined || ref.modelId !== undefined) return { id };
  const { baseline } = ref;
  const ofRun = (q.runModelIds ?? []).find((other) => namesBaseline(other, baseline));
  if (ofRun !== undefined) return { id: ofRun, via: 'run' };
  const champion = await catalog.champion.load().catch((error: unknown) => (error instanceof DatasetFormatError ? undefined : Promise.reject(error)));
  let passedOver: Pick<ResolvedScorer, 'passedOver'> = {};
  if (champion !== undefined && namesBaseline(champion.modelId, baseline)) {
    const named = `the fit the champion pointer names, ${champion.modelId},`;
    const record = await loadScorerRecord(catalog, champion.modelId).catch((error: unknown) => (error instanceof DatasetError ? error : Promise.reject(error)));
    if (record instanceof DatasetError) {
      passedOver = { passedOver: `${named} cannot be read: ${record.message}` };
    } else if (record.kind === 'baseline') {
      const mismatch = fallbackMismatch(record.fallback, q);
      if (mismatch === undefined) return { id: champion.modelId, via: 'champion', ...(await rewrittenLegacy(catalog, champion, baseline)) };
      passedOver = { passedOver: `${named} ${mismatchText(mismatch, q)}` };
    }
  }
  const fits = await catalog.fallbacks.fits(baseline);
  const fitting = fits
    .filter((f) => fallbackMismatch(f.fallback, q) === undefined)
    .sort((a, b) => b.fallback.validationCutoff - a.fallback.validationCutoff || (a.modelId < b.modelId ? 1 : a.modelId > b.modelId ? -1 : 0));
  if (fitting.length > 0) {
    const { modelId, ended } = await endedOkFirst(catalog, fitting.map((f) => f.modelId));
    return { id: fallbackFitId(baseline, modelId), via: 'latest', ...passedOver, ...(ended === 'ok' ? {} : { trainingEnded: ended }) };
  }
  const legacy = await catalog.fallbacks.load(baseline).catch((error: unknown) => (error instanceof DatasetNotFoundError ? undefined : Promise.reject(error)));
  if (legacy !== undefined && fallbackMismatch(legacy, q) === undefined) return { id, via: 'legacy', ...passedOver };
  throw new ModelMismatchError(noFitMessage(catalog, baseline, q, fits, legacy));
}

/** Most fits {@link noFitMessage} lists (the newest trainings'). */
const LISTED_FITS = 10;

/**
 * The message of {@link resolveScorerId} when no fit of `baseline`, nor the record of an earlier
 * version (`legacy`, undefined when there is none), fits the run: what was looked for and where,
 * the fits found with their validation cut-offs and horizons, and what to do instead.
 */
function noFitMessage(catalog: Catalog, baseline: BaselineName, q: ScoringQuestion, fits: readonly { modelId: string; fallback: BaselineFallbackRecord }[], legacy: BaselineFallbackRecord | undefined): string {
  const at = iso(q.asOf);
  const fitted = (f: BaselineFallbackRecord): string => `validation cut-off ${iso(f.validationCutoff)}, ${f.horizonDays === undefined ? 'horizon not recorded' : `${f.horizonDays}-day horizon`}`;
  const legacyUri = catalog.uri(catalog.fallbacks.key(baseline));
  const earlier =
    legacy === undefined
      ? `no record of an earlier version (${legacyUri})`
      : `the record of an earlier version (${legacyUri}; ${fitted(legacy)}) ${mismatchText(fallbackMismatch(legacy, q)!, q)}`;
  const head = `--model baseline:${baseline}: no fit of baseline ${baseline} in the lake (${catalog.uri(`${catalog.models.root}*/fallback.json`)}) for the as-of time ${at} and the ${q.horizonDays}-day horizon, and ${earlier}`;
  const train = `berserkr train --as-of ${at} --horizon ${q.horizonDays}`;
  if (fits.length === 0) return `${head}; a training that falls back to the baseline fits one (${train})`;
  const listed = fits.slice(0, LISTED_FITS).map((f) => `${fallbackFitId(baseline, f.modelId)} (${fitted(f.fallback)})`);
  const more = fits.length > LISTED_FITS ? `, … (${fits.length - LISTED_FITS} older)` : '';
  return (
    `${head}; the fits found, newest training first: ${listed.join(', ')}${more}; a fit scores runs of its horizon at as-of times at or after its validation cut-off plus the horizon: `
    + `pass one by its full id, --model baseline:${baseline}@<model-id>, with such an --as-of and --horizon, or train at this as-of time first (${train})`
  );
}

/**
 * Of the fits written by the trainings of `modelIds` (in the order of preference), the first whose
 * training's run ended `ok`, else the first: its manifest names the run (`runId`), whose record
 * says how it ended. Reads a manifest and a run record per fit, until one ended `ok`.
 * @returns the model id and how its training's run ended (`unrecorded` when the manifest or the run
 *   record does not say, `unreadable` when either does not validate).
 * @throws store errors unchanged.
 */
async function endedOkFirst(catalog: Catalog, modelIds: readonly string[]): Promise<{ modelId: string; ended: string }> {
  let first: { modelId: string; ended: string } | undefined;
  for (const modelId of modelIds) {
    const ended = await trainingEnded(catalog, modelId);
    if (ended === 'ok') return { modelId, ended };
    first ??= { modelId, ended };
  }
  return first!;
}

/** How the run of the training that saved model `modelId` ended, as {@link endedOkFirst} reads it. */
async function trainingEnded(catalog: Catalog, modelId: string): Promise<string> {
  const manifest = await catalog.models.readManifest(modelId).catch((error: unknown) => (error instanceof DatasetFormatError ? error : Promise.reject(error)));
  if (manifest instanceof DatasetFormatError) return 'unreadable';
  if (manifest?.runId === undefined) return 'unrecorded';
  const record = await catalog.runs.loadIfValid(manifest.runId).catch((error: unknown) => (error instanceof ObjectNotFoundError ? undefined : Promise.reject(error)));
  if (record === undefined) return 'unrecorded';
  return 'record' in record ? record.record.status : 'unreadable';
}

/**
 * For a champion pointer that names the record of an earlier version, `baseline:<name>` alone:
 * a warning when the record's validation cut-off differs from the pointer's (a later training of
 * that version, a backfill at an earlier as-of time perhaps, rewrote it), which scoring reads as
 * it is. Nothing for a fit, or when either cut-off is missing or the record cannot be read.
 */
async function rewrittenLegacy(catalog: Catalog, champion: Champion, baseline: BaselineName): Promise<Pick<ResolvedScorer, 'warning'>> {
  if (parseFallbackId(champion.modelId)?.modelId !== undefined) return {};
  const chosen = champion.validation.validationCutoff;
  const record = await catalog.fallbacks.load(baseline).catch(() => undefined);
  if (chosen === undefined || record === undefined || record.validationCutoff === chosen) return {};
  return {
    warning:
      `the champion pointer ${catalog.champion.uri} names ${champion.modelId}, fitted at ${iso(chosen)} when it was chosen, and its record ${catalog.uri(catalog.fallbacks.key(baseline))} `
      + `holds a fit at ${iso(record.validationCutoff)}: an earlier version rewrote it at a later training; scoring uses the record as it is, `
      + 'and the next training that falls back fits a fallback of its own id',
  };
}

/** Why a baseline fallback cannot score a run, as {@link fallbackMismatch} finds it. */
export type FallbackMismatch =
  /** It gives the probability of a purchase within `horizonDays`, not within the run's horizon. */
  | { reason: 'horizon'; horizonDays: number }
  /** Its calibration learnt the purchases up to `learntUntil` (ms UTC), after the run's as-of time `asOf` (ms UTC). */
  | { reason: 'learntLater'; learntUntil: number; asOf: number };

/**
 * Whether baseline fallback `fallback` can score a run of horizon `o.horizonDays` at as-of
 * time `o.asOf`: it was fitted for that horizon (a record written before the horizon was kept
 * is taken to be of it), and its calibration's labels, the purchases of
 * [validation cut-off, + H days), end no later than `o.asOf`.
 * @param o.asOf ms UTC; undefined: not checked.
 * @returns undefined when it can score; otherwise why not, the horizon checked first.
 */
export function fallbackMismatch(fallback: BaselineFallbackRecord, o: { horizonDays: number; asOf?: number }): FallbackMismatch | undefined {
  const horizonDays = fallback.horizonDays ?? o.horizonDays;
  if (horizonDays !== o.horizonDays) return { reason: 'horizon', horizonDays };
  const learntUntil = fallback.validationCutoff + horizonDays * DAY_MS;
  if (o.asOf !== undefined && learntUntil > o.asOf) return { reason: 'learntLater', learntUntil, asOf: o.asOf };
  return undefined;
}
