/**
 * Scoring step, streamed and sharded. One shard (the whole run is shard 0/1)
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
import { createHash, type Hash } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { buildFeatureSet, prepareCutoff } from '../../features/build';
import { customerItemsInWindow, eventsBefore, EventIndex, knownCustomers, type CustomerItemSets } from '../../features/event-index';
import type { FeatureSet } from '../../features/types';
import type { ExportFile, ExportFormat, ExportMetadata, ShardMarker } from '../../lib/catalog';
import { availableCpus } from '../../lib/cpus';
import { DAY_MS } from '../../lib/schema';
import { checkShardMarkers, exportMetadata } from '../../scoring/commit';
import { exportChunks, scoresTable } from '../../scoring/export';
import { mergeLists } from '../../scoring/merge';
import { scoreFeatureSetOn } from '../../scoring/score';
import { shardCustomers, type ShardSpec } from '../../scoring/shard';
import type { ScoredPairs } from '../../ranking/lists';
import { customerRows, sortedHas } from '../../ranking/ranges';
import { itemOrder, orderByCustomerId, rankPerCustomer, TopK, topKPerCustomer } from '../../ranking/topk';
import { selectBackend } from '../../training/backend';
import { ForwardPool } from '../../training/forward-pool';
import { baselineScores, parseBaselineId } from '../../training/fallback';
import { loadModel } from '../../training/registry';
import { CommandContext } from '../context';
import { canEvaluate } from './evaluate';

/**
 * Default customers per batch. A batch holds its candidate pairs' float32 feature
 * matrix (~200 candidates per customer × 48 features ≈ 37 KiB per customer, so
 * ≈ 90 MiB here) plus their scores and ranks, and up to twice that while the
 * previous batch awaits garbage collection. The cut-off's shared work
 * (popularity, co-occurrence, customer vectors, aggregates) is done once per shard
 * (`prepareCutoff`), so a batch costs only its customers' events and rows:
 * smaller batches cost memory, not time.
 */
export const DEFAULT_BATCH_CUSTOMERS = 2_500;

/**
 * Default threads of the forward pass (this thread and worker threads; the wasm
 * backend computes on one thread): 2, or 1 when only one CPU is available
 * ({@link availableCpus}: the affinity mask capped by a container's CPU quota). Each worker
 * holds a backend and a copy of the weights (~100 MiB). Reads the cgroup quota when called, not at import.
 */
export const defaultForwardThreads = (): number => Math.min(2, availableCpus());

/** Default export formats. */
export const DEFAULT_FORMATS: readonly ExportFormat[] = ['csv', 'parquet'];

export interface ScoreStepOptions {
  asOf: number;
  horizonDays: number;
  k: number;
  modelId: string;
  /** Scoring run id the outputs go under; default the command's run id. Shards of one run share it. */
  runId?: string;
  /** The shard to score; default 0/1 (everything). */
  shard?: ShardSpec;
  /** Export formats [csv, parquet]. */
  formats?: readonly ExportFormat[];
  /** Customers per batch [10,000]. */
  batchCustomers?: number;
  /** Keep this shard's lists and scored pairs in memory for evaluation [true]; false keeps memory flat. */
  collect?: boolean;
  /** Forward-pass threads, this one included [{@link defaultForwardThreads}]. */
  threads?: number;
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

/** Scored and ranked pairs of one customer batch, ordered by customer id. */
interface RankedBatch {
  /** Every scored pair with its rank. */
  all: TopK;
  /** The top K of each customer. */
  top: TopK;
}

/** Scores and ranks customer batches. */
interface Ranker {
  /**
   * The model's part, timed as the step `score` (forward pass and calibration);
   * returns the ordering of the batch, timed as the step `rank`.
   */
  score(fs: FeatureSet, batch: Int32Array): Promise<() => RankedBatch>;
  close(): Promise<void>;
}

/**
 * The ranker of `o.modelId`: a registered model scoring the batch's candidates
 * over `o.threads` forward threads, or, for `baseline:<name>` (the
 * champion/challenger fallback when no model beats the best baseline), that
 * baseline's lists with its calibrated probabilities.
 */
async function openRanker(ctx: CommandContext, index: EventIndex, o: ScoreStepOptions): Promise<Ranker> {
  const { customerIds, itemIds } = index.events;
  const baseline = parseBaselineId(o.modelId);
  if (baseline !== undefined) {
    const lists = baselineScores(index, await ctx.catalog.fallbacks.load(baseline), o.asOf);
    ctx.log.child({ stage: 'scoring' }).warn({ baseline }, `scoring with the ${baseline} baseline: no trained model beat it on validation`);
    // Baseline lists hold customers ascending: a batch customer's rows are one range, found by binary search.
    const rank = (batch: Int32Array): RankedBatch => {
      const ranges = Array.from(batch, (c) => customerRows(lists.customer, c));
      const rows = new Int32Array(ranges.reduce((s, [from, to]) => s + to - from, 0));
      let at = 0;
      for (const [from, to] of ranges) for (let r = from; r < to; r++) rows[at++] = r;
      const top = orderByCustomerId(
        {
          n: rows.length,
          row: rows,
          customer: Int32Array.from(rows, (r) => lists.customer[r]),
          item: Int32Array.from(rows, (r) => lists.item[r]),
          rank: Int32Array.from(rows, (r) => lists.rank[r]),
          probability: Float32Array.from(rows, (r) => lists.probability[r]),
        },
        customerIds,
      );
      return { all: top, top };
    };
    return { score: async (_fs, batch) => () => rank(batch), close: async () => undefined };
  }
  ctx.run.setBackend(await selectBackend());
  const model = await loadModel(ctx.catalog, o.modelId);
  const pool = await ForwardPool.open(model.model, model.preprocessing, model.vocab, { threads: o.threads ?? defaultForwardThreads() });
  const tieKey = itemOrder(itemIds);
  return {
    score: async (fs) => {
      const raw = new Float32Array(fs.n);
      const probability = await scoreFeatureSetOn(pool, model, fs, { raw });
      // Calibration may map a range of raw scores to one probability: the raw score keeps the model's order.
      const order = { score: raw, tieKey };
      return () => ({
        all: orderByCustomerId(rankPerCustomer(fs.customer, fs.item, probability, order), customerIds),
        top: orderByCustomerId(topKPerCustomer(fs.customer, fs.item, probability, o.k, order), customerIds),
      });
    },
    close: () => pool.close(),
  };
}

/**
 * Scores one shard in customer batches and writes its scored-pair parts, its
 * top-K lists and, last, its marker. See the file comment for the layout.
 * @throws DatasetNotFoundError when the model is not registered; FeatureMismatchError
 *   when its features differ from the feature set's.
 */
export async function scoreShardStep(ctx: CommandContext, index: EventIndex, o: ScoreStepOptions): Promise<{ marker: ShardMarker; lists: TopK[]; all: TopK[] }> {
  const log = ctx.log.child({ stage: 'scoring' });
  const runId = o.runId ?? ctx.run.runId;
  const shard = o.shard ?? { index: 0, count: 1 };
  const batchCustomers = o.batchCustomers ?? DEFAULT_BATCH_CUSTOMERS;
  const collect = o.collect ?? true;
  const { events } = index;
  const customers = shardCustomers(events.customerIds, knownCustomers(index, eventsBefore(index, o.asOf)), shard);
  const truth = canEvaluate(index, o.asOf, o.horizonDays) ? customerItemsInWindow(index, o.asOf, o.asOf + o.horizonDays * DAY_MS) : undefined;
  const recall = { found: 0, total: 0 };
  const lists: TopK[] = [];
  const all: TopK[] = [];
  const scoreParts: string[] = [];
  let pairs = 0;
  // The cut-off's shared work, once per shard (none without customers: nothing is known at the as-of time).
  const prepared = customers.length > 0 ? await ctx.run.step('features.prepare', () => prepareCutoff(index, o.asOf)) : undefined;
  const ranker = await openRanker(ctx, index, o);
  try {
    const bar = ctx.progress.bar('score', customers.length);
    for (let from = 0, part = 0; from < customers.length; from += batchCustomers, part++) {
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
    bar.stop();
  } finally {
    await ranker.close();
  }
  const top = concatTopK(lists);
  if (recall.total > 0) ctx.run.metric('features.candidate_recall', recall.found / recall.total);
  ctx.run.count('features.candidates', pairs);
  const marker: ShardMarker = {
    runId,
    shard,
    modelId: o.modelId,
    asOf: new Date(o.asOf).toISOString(),
    horizonDays: o.horizonDays,
    k: o.k,
    formats: [...(o.formats ?? DEFAULT_FORMATS)],
    customers: customers.length,
    pairs,
    rows: top.n,
    lists: ctx.catalog.shards.listsKey(runId, shard),
    scores: scoreParts,
  };
  await ctx.run.step('publish', async () => {
    const info = await ctx.catalog.shards.saveLists(runId, shard, scoresTable(top, events.customerIds, events.itemIds));
    ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
    const m = await ctx.catalog.shards.publishMarker(marker);
    ctx.run.output(ctx.catalog.store.uri, m.key, m.etag);
  });
  log.info(
    { runId, shard: `${shard.index}/${shard.count}`, customers: customers.length, pairs, modelId: o.modelId, candidateRecall: recall.total > 0 ? recall.found / recall.total : undefined },
    `shard ${shard.index}/${shard.count} of run ${runId}: scored ${pairs} candidate pairs of ${customers.length} customers with model ${o.modelId}`,
  );
  return { marker, lists: collect ? lists : [], all };
}

/** The chunks, hashed as they pass. */
async function* hashing(chunks: Iterable<Uint8Array>, hash: Hash, size: { bytes: number }): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    hash.update(chunk);
    size.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Writes a complete export of `table` under `exports/<metadata.runId>/`: each
 * format's file, then the sidecar (with sizes and SHA-256 checksums).
 * @returns the metadata as written.
 */
export async function writeExport(ctx: CommandContext, table: Table, formats: readonly ExportFormat[], base: Omit<ExportMetadata, 'files'>): Promise<ExportMetadata> {
  const files: ExportFile[] = [];
  for (const format of formats) {
    const hash = createHash('sha256');
    const size = { bytes: 0 };
    const info = await ctx.catalog.exports.putFile(base.runId, format, hashing(exportChunks(table, format), hash, size));
    ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
    files.push({ name: ctx.catalog.exports.fileName(format), format, bytes: size.bytes, sha256: hash.digest('hex') });
  }
  const metadata: ExportMetadata = { ...base, files };
  const info = await ctx.catalog.exports.publishMetadata(metadata);
  ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
  return metadata;
}

/**
 * Commits run `runId` scored in `count` shards: checks the N markers agree,
 * merges the shards' lists (customer id, then rank), writes the export and its
 * sidecar, then flips `exports/latest.json` (one PUT, last) unless the pointer
 * already names a later run, and refreshes the `exports/latest/` convenience copy.
 * Idempotent: committing again writes the same bytes.
 * @throws ScoringInputError when a shard's marker is missing or the shards disagree.
 */
export async function commitStep(ctx: CommandContext, runId: string, count: number): Promise<ExportMetadata> {
  return ctx.run.step('commit', async () => {
    const { shards, latest } = ctx.catalog;
    const markers = checkShardMarkers(await shards.loadMarkers(runId), count);
    const parts = await Promise.all(markers.map((m) => shards.loadLists(m)));
    const table = mergeLists(parts, markers.map((m) => m.lists));
    const customers = markers.reduce((s, m) => s + m.customers, 0);
    const base = exportMetadata(markers, [], customers, table.numRows);
    const metadata = await writeExport(ctx, table, markers[0].formats, base);
    const previous = await latest.load();
    if (previous !== undefined && previous.runId > runId) {
      ctx.log.warn({ runId, latest: previous.runId }, `${latest.uri} names the later run ${previous.runId}: run ${runId} is committed but not published as latest`);
      return metadata;
    }
    const info = await latest.publish(runId);
    ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
    // Convenience copy for readers that cannot follow the pointer; each object is atomic, the pair is not switched together.
    for (const f of metadata.files.filter((x) => x.format === 'csv')) await latest.copyFile(runId, f.format);
    await latest.copyMetadata(metadata);
    ctx.run.count('export.rows', metadata.rows);
    ctx.log.info({ runId, rows: metadata.rows, customers, shards: count }, `published export of run ${runId}: top-${metadata.k} lists of ${customers} customers`);
    return metadata;
  });
}

/**
 * Scores one shard (see {@link scoreShardStep}); when its marker completes the
 * run (all N markers present), commits it ({@link commitStep}).
 */
export async function scoreStep(ctx: CommandContext, index: EventIndex, o: ScoreStepOptions): Promise<ScoreStepResult> {
  const shard = o.shard ?? { index: 0, count: 1 };
  const { marker, lists, all } = await scoreShardStep(ctx, index, o);
  const present = new Set((await ctx.catalog.shards.loadMarkers(marker.runId)).filter((m) => m.shard.count === shard.count).map((m) => m.shard.index));
  const committed = present.size === shard.count ? await commitStep(ctx, marker.runId, shard.count) : undefined;
  if (committed === undefined) ctx.log.info({ runId: marker.runId, done: present.size, shards: shard.count }, `${present.size} of ${shard.count} shards done: run ${marker.runId} not committed yet`);
  const ranked = concatTopK(all);
  return {
    runId: marker.runId,
    lists: concatTopK(lists),
    scored: { customer: ranked.customer, item: ranked.item, probability: ranked.probability, rank: ranked.rank },
    marker,
    committed,
    exportUri: ctx.catalog.exports.fileUri(marker.runId, marker.formats[0]),
  };
}
