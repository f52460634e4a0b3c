/**
 * What a champion id names, with the record its scoring reads: a registered model;
 * the blend of one with a baseline (`blend:<model-id>`, its blend record); or a
 * calibrated baseline (`baseline:<name>@<model-id>`, the fallback fit that model's training
 * wrote; `baseline:<name>`, the record of an earlier version), and whether that
 * fallback fits a run's horizon and as-of time. `score` (`scoring/ranker.ts`) and the
 * champion check of the training and of `schedule` (`champion-check.ts`) both read
 * them here, so that what the scheduler takes as able to score is what scoring accepts.
 */
import type { BaselineFallbackRecord, BlendRecord, Catalog } from '../lib/catalog';
import { DAY_MS } from '../lib/schema';
import { parseBlendId } from './blend';
import { type BaselineName, parseFallbackId } from './fallback';

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
