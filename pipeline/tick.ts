/**
 * One tick of scheduled retraining: ingest new raw objects, then, when new data
 * arrived or objects whose raw object is gone were dropped (in this tick, or after the champion's latest training), there is no
 * champion (or the one the pointer names cannot score: its model or fallback is gone
 * or damaged, of other features or another horizon; or the pointer itself is damaged, which the
 * training's decision then replaces), or the champion has reached its maximum age
 * (`decideRetrain` of lib/schedule.ts), the rest of the pipeline; otherwise the
 * tick only logs that nothing changed.
 */
import { type Champion, DatasetFormatError, type RawObjects } from '../lib/catalog';
import { FEATURE_NAMES } from '../features/build';
import { decideRetrain } from '../lib/schedule';
import type { StageContext } from '../lib/stage-context';
import { ingestStep } from '../ingest/runner';
import { championUnscoreable, damagedPointer } from '../training/champion-check';
import { type PipelineOptions, type PipelineResult, runPipeline } from './runner';

/** Options of {@link retrainTick}: the pipeline's and the champion's maximum age. */
export interface TickOptions extends Omit<PipelineOptions, 'ingested'> {
  /** Retrain when the champion is this old (ms) even without new data. */
  maxModelAgeMs: number;
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/** What a tick did. */
export interface TickResult {
  /** Why it retrained or did not (`decideRetrain`), as logged. */
  reason: string;
  /** Raw objects that failed to ingest. */
  failedObjects: string[];
  /** Objects of other `csv`/`columns` settings than this tick's that stay in the lake (`IngestAllResult.otherConfiguration`): readers refuse the clean data. */
  otherConfiguration: string[];
  /** The pipeline's result when the tick retrained. */
  pipeline?: PipelineResult;
}

/**
 * Runs one tick; counts the new raw objects as `schedule.new_objects` and logs the decision.
 * @throws the errors of the pipeline's runners.
 */
export async function retrainTick(ctx: StageContext, raw: RawObjects, o: TickOptions): Promise<TickResult> {
  const ingest = await ingestStep(ctx, raw, o.ingest);
  // Objects read again are no new data: for missing parts they hold the rows they held; under newer rules their rows may differ.
  const olderRules = new Set(ingest.olderRules.map((r) => r.key));
  const repaired = new Set(ingest.partsMissing.map((r) => r.key));
  const rereadObjects = ingest.ingested.filter((i) => olderRules.has(i.key)).length;
  const newObjects = ingest.ingested.filter((i) => !olderRules.has(i.key) && !repaired.has(i.key)).length;
  // A damaged pointer names no champion: the tick retrains, and the training's decision replaces it (a scheduler recovers by itself).
  let champion: Champion | undefined;
  let damaged: string | undefined;
  try {
    champion = await ctx.catalog.champion.load();
  } catch (error) {
    if (!(error instanceof DatasetFormatError)) throw error;
    damaged = damagedPointer(error);
  }
  // A champion that cannot score (as `score` would find) is no champion: checked only when nothing new makes the tick retrain anyway.
  const unscoreable =
    damaged ??
    (champion === undefined || newObjects + rereadObjects > 0
      ? undefined
      : await championUnscoreable(ctx.catalog, champion, { horizonDays: o.training.horizonDays, featureNames: FEATURE_NAMES, asOf: o.asOf }));
  const ledger = await ctx.catalog.ledger.load();
  const ingestedAt = Object.values(ledger.objects).map((o) => o.ingestedAt);
  const decision = decideRetrain({
    newObjects,
    rereadObjects,
    championPromotedAt: champion?.promotedAt,
    championUnscoreable: unscoreable,
    championChallengedAt: champion?.challengedAt,
    lastIngestedAt: ingestedAt.reduce<string | undefined>((a, b) => (a === undefined || Date.parse(b) > Date.parse(a) ? b : a), undefined),
    lastForgottenAt: ledger.forgottenAt,
    maxModelAgeMs: o.maxModelAgeMs,
    now: (o.now ?? Date.now)(),
  });
  ctx.run.count('schedule.new_objects', newObjects);
  ctx.log[unscoreable === undefined ? 'info' : 'warn']({ retrain: decision.retrain, champion: champion?.modelId ?? null }, decision.reason);
  if (!decision.retrain) return { reason: decision.reason, failedObjects: ingest.failed.map((f) => f.key), otherConfiguration: ingest.otherConfiguration };
  const pipeline = await runPipeline(ctx, raw, { ...o, ingested: ingest, replaceDamagedPointer: true });
  return { reason: decision.reason, failedObjects: pipeline.failedObjects, otherConfiguration: ingest.otherConfiguration, pipeline };
}
