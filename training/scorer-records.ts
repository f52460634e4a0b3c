/**
 * What a champion id names, with the record its scoring reads: a registered model;
 * the blend of one with a baseline (`blend:<model-id>`, its blend record); or a
 * calibrated baseline (`baseline:<name>@<model-id>`, the fallback fit that model's training
 * wrote; `baseline:<name>`, the record of an earlier version), and whether that
 * fallback fits a run's horizon and as-of time. `score` (`scoring/ranker.ts`) and the
 * champion check of the training and of `schedule` (`champion-check.ts`) both read
 * them here, so that what the scheduler takes as able to score is what scoring accepts.
 */
import { type BaselineFallbackRecord, type BlendRecord, type Catalog, type Champion, DatasetFormatError } from '../lib/catalog';
import { DAY_MS } from '../lib/schema';
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
   * the champion pointer names (`champion`), the newest fit of the baseline in the lake (`newest`), or
   * to the record an earlier version kept per baseline (`legacy`, when the lake holds no fit of it);
   * undefined when the id given names a definite scorer.
   */
  via?: 'run' | 'champion' | 'newest' | 'legacy';
  /** Set when the champion pointer names the record of an earlier version, which was rewritten since it was chosen: what differs. */
  warning?: string;
}

/** Whether `id` names a fallback of `baseline`, in either form (an id that cannot be parsed names none). */
function namesBaseline(id: string, baseline: BaselineName): boolean {
  try {
    return parseFallbackId(id)?.baseline === baseline;
  } catch {
    return false;
  }
}

/**
 * The definite scorer that `id` names. A model id, `blend:<model-id>` and a fit's id
 * `baseline:<name>@<model-id>` name one already. `baseline:<name>` alone, as `score --model`
 * takes it, names the baseline's fit, resolved in this order:
 * 1. the fit the scoring run's other shards scored with (`runModelIds`, their markers'), so
 *    that every shard of a run scores with one calibration whatever was trained in between;
 * 2. the fallback the champion pointer names, when it is one of that baseline;
 * 3. the newest fit of that baseline in the lake (by its id, the time of its training);
 * 4. the record an earlier version kept per baseline, `baseline-<name>/fallback.json` (read
 *    as before; {@link loadScorerRecord} fails naming it when it does not exist either).
 * When the pointer names such a record of an earlier version (`baseline:<name>` alone), the
 * result warns when the record's validation cut-off is not the pointer's: a later training
 * of that version rewrote it.
 * @param runModelIds the model ids of the run's shard markers (none for a run of its own).
 * @throws TrainingInputError for a baseline id of an unknown baseline or a malformed model id;
 *   store errors unchanged (a damaged champion pointer names nothing here).
 */
export async function resolveScorerId(catalog: Catalog, id: string, runModelIds: readonly string[] = []): Promise<ResolvedScorer> {
  const ref = parseFallbackId(id);
  if (ref === undefined || ref.modelId !== undefined) return { id };
  const { baseline } = ref;
  const ofRun = runModelIds.find((other) => namesBaseline(other, baseline));
  if (ofRun !== undefined) return { id: ofRun, via: 'run' };
  const champion = await catalog.champion.load().catch((error: unknown) => (error instanceof DatasetFormatError ? undefined : Promise.reject(error)));
  if (champion !== undefined && namesBaseline(champion.modelId, baseline)) return { id: champion.modelId, via: 'champion', ...(await rewrittenLegacy(catalog, champion, baseline)) };
  const newest = await catalog.fallbacks.newest(baseline);
  if (newest !== undefined) return { id: fallbackFitId(baseline, newest), via: 'newest' };
  return { id, via: 'legacy' };
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
  const iso = (ms: number): string => new Date(ms).toISOString();
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
