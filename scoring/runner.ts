/**
 * The scoring runner, streamed and sharded. One shard (the whole run is shard 0/1)
 * takes its customers known at the as-of time in ascending id order, in batches
 * of `batchCustomers`: per batch it builds the candidate features, scores them
 * with the registered model (the forward pass over `threads` threads,
 * `training/forward-pool.ts`), ranks every pair and writes them as one Parquet
 * part of `scores/<run-id>/`, keeping only the batch's top-K lists. Memory
 * follows the batch (plus the event index and the shard's top-K), not the
 * customer base. Then the shard writes its lists and its `_SUCCESS` marker; the
 * commit (by the last shard to finish, or `berserkr score --commit`) merges the
 * N shards' lists into `exports/<run-id>/top-k.<format>` + `_metadata.json` and
 * flips `exports/latest.json` last. Layout: the catalog's `scores.ts`,
 * `shards.ts`, `exports.ts` and `latest.ts` (`lib/catalog/`).
 */
import { buildFeatureSet, prepareCutoff } from '../features/build';
import { canEvaluate, customerItemsInWindow, eventsBefore, EventIndex, knownCustomers, type CustomerItemSets } from '../features/event-index';
import { customerRows, sortedHas } from '../ranking/ranges';
import type { FeatureSet } from '../features/types';
import { exportFormats, objectUri, shardName, type Catalog, type ExportFormat, type ExportMetadata, type Shard, type ShardMarker } from '../lib/catalog';
import { runIdStart } from '../lib/catalog/run-id';
import { checkStop, RunInterruptedError } from '../lib/interrupt';
import { DAY_MS } from '../lib/schema';
import type { StageContext } from '../lib/stage-context';
import type { TopK } from '../ranking/topk';
import { AsOfAfterDataError, AsOfBeforeDataError } from '../features/errors';
import { RunIdRefusedError, ScoringInputError } from './errors';
import { checkCommittedShard, checkShardFits, type ShardPlan } from './commit';
import { scoresTable } from './export';
import { commitStep, publishLatest } from './publish-export';
import { openRanker } from './ranker';
import { resolveScorerId } from '../training/scorer-records';
import { parseFallbackId } from '../training/fallback';
import type { ScoredPairs } from '../ranking/lists';
import { DEFAULT_BATCH_CUSTOMERS, DEFAULT_FORMATS } from './settings';
import { eventsDigest } from './events-digest';
import { shardCustomers, type ShardSpec } from './shard';


export interface ScoreStepOptions {
  asOf: number;
  horizonDays: number;
  k: number;
  /**
   * A model id, `blend:<model-id>`, a fallback fit's `baseline:<name>@<model-id>`, or `baseline:<name>`
   * alone, which scoring resolves to a fit for `asOf` and `horizonDays` (`resolveScorerId`); the
   * shard's marker, the export's sidecar and the run record name what it resolved to.
   */
  modelId: string;
  /** Scoring run id the outputs go under; default the command's run id. Shards of one run share it. */
  runId?: string;
  /** The shard to score; default 0/1 (everything). */
  shard?: ShardSpec;
  /** Export formats [csv, parquet]; Parquet, the canonical file, is written whatever is asked ({@link exportFormats}). */
  formats?: readonly ExportFormat[];
  /** Customers per batch [{@link DEFAULT_BATCH_CUSTOMERS}]. */
  batchCustomers?: number;
  /** Keep this shard's lists and scored pairs in memory for evaluation [true]; false keeps memory flat. */
  collect?: boolean;
  /** Forward-pass threads, this one included [`defaultForwardThreads` of `ranker.ts`]. */
  threads?: number;
  /**
   * Commit the run when this shard completes it [true]. False leaves the commit to the
   * caller ({@link commitStep}), so that work after the scoring (an evaluation, a
   * report) can fail or be stopped with nothing published.
   */
  commit?: boolean;
}

export interface ScoreStepResult {
  runId: string;
  /** This shard's top-K lists in dense ids, customers in id order (empty when `collect` is false). */
  lists: TopK;
  /** This shard's scored candidate pairs with their rank within the customer (empty when `collect` is false). */
  scored: ScoredPairs & { rank: Int32Array };
  marker: ShardMarker;
  /** The committed export, when this shard completed the run. */
  committed?: ExportMetadata;
  /**
   * The run's export, when run id `runId` was committed before this shard started and the
   * shard matches it (a retry of a shard that finished): the shard scored and wrote nothing.
   */
  alreadyCommitted?: ExportMetadata;
  /** URI of the run's first export file (`<lake>/exports/<run-id>/top-k.csv` with the default formats). */
  exportUri: string;
}

/** Concatenation of TopK parts, in order. */
function concatTopK(parts: readonly TopK[]): TopK {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const out: TopK = { n, row: new Int32Array(n), customer: new Int32Array(n), item: new Int32Array(n), rank: new Int32Array(n), probability: new Float32Array(n) };
  let o = 0;
  for (const p of parts) {
    for (const key of ['row', 'customer', 'item', 'rank', 'probability'] as const) out[key].set(p[key].subarray(0, p.n), o);
    o += p.n;
  }
  return out;
}

/** True purchases in the horizon of the batch's customers, and how many are candidate rows of `fs`. */
function candidateHits(fs: FeatureSet, truth: CustomerItemSets, customers: Int32Array): { found: number; total: number } {
  let found = 0;
  let total = 0;
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i];
    const [from, to] = customerRows(fs.customer, c);
    for (let p = truth.offsets[c]; p < truth.offsets[c + 1]; p++) {
      total++;
      if (sortedHas(fs.item, truth.items[p], from, to)) found++;
    }
  }
  return { found, total };
}

/** Longest a given run id's start time may lie ahead of the clock (clock skew between machines), ms. */
const RUN_ID_SKEW_MS = 10 * 60_000;

/**
 * Checks that the start time of run id `runId` given on the command line is not in the
 * future: such a run would sort after every later run, so no later run of the same
 * as-of time could be published as latest.
 * @throws RunIdRefusedError quoting the run id.
 */
function checkRunIdStart(runId: string, now: number): void {
  const start = runIdStart(runId);
  if (start > now + RUN_ID_SKEW_MS) {
    throw new RunIdRefusedError(
      `run id ${runId} starts at ${new Date(start).toISOString()}, after now (${new Date(now).toISOString()}): run ids are UTC start times, e.g. "$(date -u +%Y%m%dT%H%M%SZ)-$(openssl rand -hex 3)"`,
    );
  }
}

/**
 * The sidecar of run `plan.runId` and the shard's marker in it, when the run is committed
 * already and shard `plan.shard` matches it ({@link checkCommittedShard}): a retry of a
 * shard that finished, which has nothing to do. Undefined when the run is not committed.
 * @throws RunIdRefusedError when the run is committed and the shard does not match it
 *   (a committed run is never rewritten in place).
 */
async function committedShard(catalog: Catalog, plan: ShardPlan): Promise<{ meta: ExportMetadata; marker: ShardMarker } | undefined> {
  const { runId } = plan;
  if (!(await catalog.exports.isCommitted(runId))) return undefined;
  const meta = await catalog.exports.loadMetadata(runId);
  const marker = checkCommittedShard(plan, meta, await catalog.shards.loadMarkers(runId), {
    metadata: catalog.exports.metadataUri(runId),
    marker: (shard) => objectUri(catalog.store, catalog.shards.markerKey(runId, shard)),
  });
  return { meta, marker };
}

/**
 * Checks that the data reach near enough to the as-of time T for lists at T: the last
 * purchase is at most one horizon (H days) before it. Data that end a few days before T
 * (scoring at the present time, data that arrive daily) are what a production schedule
 * scores. Further after the data, the H days and more before T hold none, which the
 * features take for days without purchases.
 * @param time purchase event times, ms UTC, ascending, not empty.
 * @param asOf T, ms UTC.
 * @param horizonDays H.
 * @throws AsOfAfterDataError naming the as-of time, the last purchase, the latest as-of
 *   time the data allow, and what to do.
 */
export function checkDataReach(time: Float64Array | readonly number[], asOf: number, horizonDays: number): void {
  const last = time[time.length - 1];
  const latest = last + horizonDays * DAY_MS;
  if (asOf <= latest) return;
  const iso = (ms: number): string => new Date(ms).toISOString();
  throw new AsOfAfterDataError(
    `the as-of time ${iso(asOf)} is ${((asOf - last) / DAY_MS).toFixed(1)} days after the data, whose last purchase is at ${iso(last)}: `
      + `more than the ${horizonDays}-day horizon without data, which the features would take for days without purchases; `
      + `pass an --as-of up to ${iso(latest)} (or none: just after the last purchase), or ingest the newer data first`,
  );
}

/**
 * Checks that shard `plan.shard` fits the markers its run holds already ({@link checkShardFits}),
 * naming the lake's URIs of the marker in conflict and of the run's folders.
 * @throws ShardConflictError when it does not.
 */
async function checkShardFitsRun(catalog: Catalog, plan: ShardPlan): Promise<void> {
  const { runId } = plan;
  checkShardFits(plan, await catalog.shards.loadMarkers(runId), {
    marker: (shard) => objectUri(catalog.store, catalog.shards.markerKey(runId, shard)),
    folders: [catalog.exports.uri(runId), objectUri(catalog.store, catalog.scores.prefix(runId))],
  });
}

/** The marker's `dataUntil`: the time of the last purchase before `asOf`, when there is one. */
function dataUntil(index: EventIndex, asOf: number): Pick<ShardMarker, 'dataUntil'> {
  const n = eventsBefore(index, asOf);
  return n === 0 ? {} : { dataUntil: new Date(index.events.time[n - 1]).toISOString() };
}

/**
 * Removes what an earlier attempt at this shard of a given run id left (a killed or
 * retried shard): its marker first, so that no commit takes the shard as done, then
 * its lists and scored parts, which this attempt may write fewer of.
 */
async function removeEarlierAttempt(ctx: StageContext, runId: string, shard: Shard): Promise<void> {
  const parts = await ctx.catalog.scores.shardKeys(runId, shard);
  await ctx.catalog.shards.remove(runId, shard);
  for (const key of parts) await ctx.catalog.scores.delete(key);
  if (parts.length > 0) ctx.log.child({ stage: 'scoring' }).info({ runId, shard: shardName(shard), parts: parts.length }, `removed ${parts.length} scored part(s) of an earlier attempt at ${shardName(shard)} of run ${runId}`);
}

/**
 * Scores one shard in customer batches and writes its scored-pair parts, its
 * top-K lists and, last, its marker. See the file comment for the layout.
 * A shard of a given `runId` committed already that matches the committed run
 * ({@link checkCommittedShard}) scores and writes nothing: it returns the run's
 * sidecar as `alreadyCommitted` and its marker there.
 * Before anything is written, `o.modelId` is resolved to a definite scorer ({@link resolveScorer}):
 * `baseline:<name>` alone becomes a fit of that baseline that answers the run's as-of time and
 * horizon, the one the run's finished shards scored with (their markers) first, else the champion
 * pointer's when it fits, else the fit of the latest validation cut-off that fits
 * (`resolveScorerId`); the marker, the sidecar and the run record (`setModel`) name the fit.
 * Shards that start before any other shard of the run finished resolve each on their own: give
 * parallel shards the full id.
 * @throws DatasetNotFoundError when the model is not registered; FeatureMismatchError
 *   when its features differ from the feature set's; ModelMismatchError when what scores learnt
 *   past the as-of time or was fitted for another horizon (`openRanker`). Before anything is written:
 *   ModelMismatchError when `baseline:<name>` resolves to no fit for the as-of time and horizon
 *   (the message lists the fits found); TrainingInputError for an id of an unknown baseline;
 *   RunIdRefusedError when a given `runId` starts in the future, or is committed already
 *   and the shard does not match the committed run;
 *   AsOfBeforeDataError when no customer is known at the as-of time (before the first
 *   purchase); AsOfAfterDataError when the as-of time is more than a horizon after the
 *   data ({@link checkDataReach}); ShardConflictError when the run's other shards were
 *   scored as another split or with other options or events ({@link checkShardFits}).
 */
export async function scoreShardStep(
  ctx: StageContext,
  index: EventIndex,
  o: ScoreStepOptions,
): Promise<{ marker: ShardMarker; lists: TopK[]; all: TopK[]; alreadyCommitted?: ExportMetadata }> {
  const log = ctx.log.child({ stage: 'scoring' });
  if (o.runId !== undefined) checkRunIdStart(o.runId, Date.now());
  const runId = o.runId ?? ctx.run.runId;
  const shard = o.shard ?? { index: 0, count: 1 };
  const batchCustomers = o.batchCustomers ?? DEFAULT_BATCH_CUSTOMERS;
  const collect = o.collect ?? true;
  const { events } = index;
  const asOf = new Date(o.asOf).toISOString();
  const known = knownCustomers(index, eventsBefore(index, o.asOf));
  if (known === 0) {
    if (events.time.length === 0) throw new ScoringInputError(`no customer is known at as-of ${asOf}, so there is nothing to score: no purchase event`);
    throw new AsOfBeforeDataError(
      `no customer is known at as-of ${asOf}, so there is nothing to score: the first purchase is at ${new Date(events.time[0]).toISOString()}; pass a later --as-of, or ingest older data first`,
    );
  }
  checkDataReach(events.time, o.asOf, o.horizonDays);
  const formats = exportFormats(o.formats ?? DEFAULT_FORMATS);
  const digest = eventsDigest(index, o.asOf);
  const modelId = await resolveScorer(ctx, o, o.runId === undefined ? [] : (await ctx.catalog.shards.loadMarkers(runId)).map((m) => m.modelId));
  // Every refusal above and here comes before the first write, the removal of an earlier attempt.
  if (o.runId !== undefined) {
    const plan: ShardPlan = { runId, shard, modelId, modelGiven: o.modelId, asOf, horizonDays: o.horizonDays, k: o.k, formats, events: digest };
    const done = await committedShard(ctx.catalog, plan);
    if (done !== undefined) return { marker: done.marker, lists: [], all: [], alreadyCommitted: done.meta };
    await checkShardFitsRun(ctx.catalog, plan);
    await removeEarlierAttempt(ctx, runId, shard);
  }
  const customers = shardCustomers(events.customerIds, known, shard);
  const truth = canEvaluate(index, o.asOf, o.horizonDays) ? customerItemsInWindow(index, o.asOf, o.asOf + o.horizonDays * DAY_MS) : undefined;
  const recall = { found: 0, total: 0 };
  const lists: TopK[] = [];
  const all: TopK[] = [];
  const scoreParts: string[] = [];
  let pairs = 0;
  // The cut-off's shared work, once per shard (none for a shard without customers).
  const prepared = customers.length > 0 ? await ctx.run.step('features.prepare', () => prepareCutoff(index, o.asOf)) : undefined;
  const ranker = await openRanker(ctx, index, { ...o, modelId });
  const bar = ctx.progress.bar('score', customers.length, 'customers');
  const batches = Math.ceil(customers.length / batchCustomers);
  let part = 0;
  try {
    for (let from = 0; from < customers.length; from += batchCustomers, part++) {
      if (part > 0) await checkStop(ctx.signal, 'score', `after ${part} of ${batches} customer batches`, unpublishedParts(part));
      const batch = customers.subarray(from, from + batchCustomers);
      const fs = await ctx.run.step('features', () => buildFeatureSet(index, o.asOf, { horizonDays: o.horizonDays, customers: batch, prepared }));
      if (truth !== undefined) {
        const h = candidateHits(fs, truth, batch);
        recall.found += h.found;
        recall.total += h.total;
      }
      const rank = await ctx.run.step('score', () => ranker.score(fs, batch));
      const ranked = await ctx.run.step('rank', rank);
      const info = await ctx.run.step('publish', async () => {
        const written = await ctx.catalog.scores.save(runId, shard, part, scoresTable(ranked.all, events.customerIds, events.itemIds));
        ctx.run.output(ctx.catalog.store.uri, written.key, written.etag);
        return written;
      });
      scoreParts.push(info.key);
      lists.push(ranked.top);
      if (collect) all.push(ranked.all);
      pairs += fs.n;
      bar.increment(batch.length);
    }
  } catch (error) {
    throw stoppedAfterParts(error, scoreParts.length, `in customer batch ${part + 1} of ${batches}`);
  } finally {
    bar.stop();
    await ranker.close();
  }
  const top = concatTopK(lists);
  if (recall.total > 0) ctx.run.metric('features.candidate_recall', recall.found / recall.total);
  ctx.run.count('features.candidates', pairs);
  const marker: ShardMarker = {
    runId,
    shard,
    modelId,
    asOf,
    horizonDays: o.horizonDays,
    k: o.k,
    formats,
    customers: customers.length,
    pairs,
    rows: top.n,
    lists: ctx.catalog.shards.listsKey(runId, shard),
    scores: scoreParts,
    events: digest,
    commandRunId: ctx.run.runId,
    ...dataUntil(index, o.asOf),
    // The command's own run starts when the command did; a given run id holds its start to the second only.
    ...(o.runId === undefined ? { startedAt: new Date(ctx.run.startedAtMs).toISOString() } : {}),
  };
  await ctx.run
    .step('publish', async () => {
      const info = await ctx.catalog.shards.saveLists(runId, shard, scoresTable(top, events.customerIds, events.itemIds));
      ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
      const m = await ctx.catalog.shards.publishMarker(marker);
      ctx.run.output(ctx.catalog.store.uri, m.key, m.etag);
    })
    .catch((error: unknown) => {
      throw stoppedAfterParts(error, scoreParts.length, `after its ${batches} customer batches`);
    });
  log.info(
    { runId, shard: `${shard.index}/${shard.count}`, customers: customers.length, pairs, modelId, candidateRecall: recall.total > 0 ? recall.found / recall.total : undefined },
    `shard ${shard.index}/${shard.count} of run ${runId}: scored ${pairs} candidate pairs of ${customers.length} customers with model ${modelId}`,
  );
  return { marker, lists: collect ? lists : [], all };
}

/**
 * Scores one shard (see {@link scoreShardStep}); when its marker completes the
 * run (all N markers present), commits it ({@link commitStep}) unless `o.commit` is false.
 * A shard of a run committed already that matches it returns the run's export as
 * `alreadyCommitted`, with no lists, having written nothing but the latest pointer and its
 * copies when the commit died before it published them (see `publishLatest`).
 */
export async function scoreStep(ctx: StageContext, index: EventIndex, o: ScoreStepOptions): Promise<ScoreStepResult> {
  const shard = o.shard ?? { index: 0, count: 1 };
  const { marker, lists, all, alreadyCommitted } = await scoreShardStep(ctx, index, o);
  const exportUri = ctx.catalog.exports.fileUri(marker.runId, marker.formats[0]);
  if (alreadyCommitted !== undefined) {
    // The commit that wrote the sidecar may have died before it flipped the pointer: finish it (no write when it did).
    await publishLatest(ctx, alreadyCommitted);
    ctx.log.child({ stage: 'scoring' }).info(
      { runId: marker.runId, shard: shardName(shard), export: ctx.catalog.exports.uri(marker.runId) },
      `shard ${shard.index}/${shard.count} of run ${marker.runId} is committed already, scored as this attempt would (${ctx.catalog.exports.metadataUri(marker.runId)}): nothing to score; export ${ctx.catalog.exports.uri(marker.runId)}`,
    );
    const none = concatTopK([]);
    return { runId: marker.runId, lists: none, scored: { customer: none.customer, item: none.item, probability: none.probability, rank: none.rank }, marker, alreadyCommitted, exportUri };
  }
  const present = new Set((await ctx.catalog.shards.loadMarkers(marker.runId)).filter((m) => m.shard.count === shard.count).map((m) => m.shard.index));
  const committed = o.commit !== false && present.size === shard.count ? await commitStep(ctx, marker.runId, shard.count) : undefined;
  if (committed === undefined && o.commit !== false) ctx.log.info({ runId: marker.runId, done: present.size, shards: shard.count }, `${present.size} of ${shard.count} shards done: run ${marker.runId} not committed yet`);
  const ranked = concatTopK(all);
  return {
    runId: marker.runId,
    lists: concatTopK(lists),
    scored: { customer: ranked.customer, item: ranked.item, probability: ranked.probability, rank: ranked.rank },
    marker,
    committed,
    exportUri,
  };
}

/**
 * What a scoring run stopped after writing `parts` scores parts leaves in the lake, as the
 * outcome of its stop error (`lib/interrupt.ts`): parts no reader follows, since the
 * run's export is not committed (`leftovers.ts`).
 */
function unpublishedParts(parts: number): string {
  const one = parts === 1;
  return `the ${parts} scores part${one ? '' : 's'} written so far ${one ? 'is' : 'are'} not published (no export of the run is committed; \`berserkr gc\` removes ${one ? 'it' : 'them'} once old enough, and a retry of the shard under its --run-id replaces ${one ? 'it' : 'them'}), and nothing of the remaining steps was written`;
}

/**
 * `error` told again when it is a stop the run recorder raised before one of the steps
 * of a shard that has written `parts` > 0 scores parts (its outcome would say nothing of
 * the step was written): stopped during step `score` at `where`, before that step,
 * with {@link unpublishedParts}. Any other error is returned as it is.
 */
function stoppedAfterParts(error: unknown, parts: number, where: string): unknown {
  if (!(error instanceof RunInterruptedError) || error.during !== undefined || parts === 0) return error;
  return new RunInterruptedError('score', error.why, `${where}, before its step "${error.step}"`, unpublishedParts(parts));
}

/**
 * The definite scorer of `o.modelId` ({@link resolveScorerId}): `baseline:<name>` alone resolves to
 * a fit that answers the run's question (as-of time and horizon), the one the run's other shards
 * scored with (`runModelIds`, their markers' model ids) first, so that the shards of a run that start
 * after one of them finished score with one calibration; logged when resolved, with why the champion
 * pointer's fit was passed over, and with a warning when the champion pointer names a record of an
 * earlier version that was rewritten since. The run record names what it resolved to.
 * @returns the id to score with and to record in the shard's marker and the export's sidecar.
 * @throws as {@link resolveScorerId}: ModelMismatchError when no fit of the baseline fits the run.
 */
async function resolveScorer(ctx: StageContext, o: ScoreStepOptions, runModelIds: readonly string[]): Promise<string> {
  const id = o.modelId;
  const resolved = await resolveScorerId(ctx.catalog, id, { asOf: o.asOf, horizonDays: o.horizonDays, runModelIds });
  ctx.run.setModel(resolved.id);
  const log = ctx.log.child({ stage: 'scoring' });
  if (resolved.warning !== undefined) log.warn({ champion: resolved.id }, resolved.warning);
  const passedOver = resolved.passedOver === undefined ? '' : `; ${resolved.passedOver}`;
  const fields = { given: id, modelId: resolved.id, via: resolved.via, ...(resolved.passedOver === undefined ? {} : { passedOver: resolved.passedOver }), ...(resolved.trainingEnded === undefined ? {} : { trainingEnded: resolved.trainingEnded }) };
  if (resolved.via === 'legacy') {
    log.info(fields, `${id} scores with the record of an earlier version, ${ctx.catalog.uri(ctx.catalog.fallbacks.key(parseFallbackId(id)!.baseline))}: no fit of the baseline in the lake fits the run${passedOver}`);
  } else if (resolved.via !== undefined && resolved.id !== id) {
    const how = {
      run: "the fit the run's other shards scored with",
      champion: 'the fit the champion pointer names',
      latest: `the fit of the latest validation cut-off that fits the as-of time and horizon${resolved.trainingEnded === undefined ? '' : ` (its training's run: ${resolved.trainingEnded})`}`,
    }[resolved.via];
    log.info(fields, `${id} resolved to ${resolved.id}, ${how}${passedOver}`);
  }
  return resolved.id;
}

/**
 * The model a scoring run uses: `modelId` when given, else the data set's champion's.
 * @throws NotInLakeError when neither is there (nothing trained yet for the data set), naming the data sets the lake holds.
 */
export async function resolveModelId(catalog: Catalog, modelId: string | undefined): Promise<string> {
  return modelId ?? (await catalog.requireChampion()).modelId;
}
