/**
 * Scoring step: candidate features at the as-of time → calibrated probabilities
 * from a registered model → every scored pair ranked (`scores/<run-id>/`) and the
 * top-K lists (`exports/<run-id>/`), then `exports/latest/` switched to them.
 * Outputs of a run are written under its own run id first; `latest/` changes
 * only after they are complete, its metadata object last.
 */
import { createHash } from 'node:crypto';
import { EventIndex } from '../../features/event-index';
import { tableToParquet } from '../../lib/parquet';
import { LAKE } from '../../lib/schema';
import { scoresCsv, scoresTable } from '../../scoring/export';
import { scoreFeatureSet } from '../../scoring/score';
import { itemOrder, rankPerCustomer, TopK, topKPerCustomer } from '../../scoring/topk';
import { loadModel } from '../../training/registry';
import { CommandContext } from '../context';
import { ScoredPairs } from './evaluate';
import { featuresStep } from './features';

export interface ScoreStepOptions {
  asOf: number;
  horizonDays: number;
  k: number;
  modelId: string;
}

export interface ScoreStepResult {
  lists: TopK;
  /** Every scored candidate pair (feature-set row order) with its rank within the customer. */
  scored: ScoredPairs & { rank: Int32Array };
  exportKey: string;
}

/** Metadata of an export, written beside it as `_metadata.json`. */
export interface ExportMetadata {
  runId: string;
  modelId: string;
  asOf: string;
  horizonDays: number;
  k: number;
  rows: number;
  customers: number;
  /** SHA-256 (hex) of `top-k.csv`. */
  sha256: string;
  files: string[];
}

/** Scores the candidates at `asOf` with model `modelId` and publishes scores and exports. */
export async function scoreStep(ctx: CommandContext, index: EventIndex, o: ScoreStepOptions): Promise<ScoreStepResult> {
  const log = ctx.log.child({ stage: 'scoring' });
  const asOfIso = new Date(o.asOf).toISOString();
  const { events } = index;
  const fs = await featuresStep(ctx, index, o.asOf, o.horizonDays);
  const model = await loadModel(ctx.lake, o.modelId);
  const raw = new Float32Array(fs.n);
  const probability = await ctx.run.step('score', () => scoreFeatureSet(model, fs, { raw }));
  // Calibration may map a range of raw scores to one probability: the raw score keeps the model's order.
  const order = { score: raw, tieKey: itemOrder(events.itemIds) };
  const all = rankPerCustomer(fs.customer, fs.item, probability, order);
  const lists = topKPerCustomer(fs.customer, fs.item, probability, o.k, order);
  log.info({ pairs: fs.n, modelId: o.modelId }, `scored ${fs.n} candidate pairs with model ${o.modelId}`);

  const runId = ctx.run.runId;
  const csv = scoresCsv(lists, events.customerIds, events.itemIds);
  const files = {
    'top-k.csv': csv,
    'top-k.parquet': tableToParquet(scoresTable(lists, events.customerIds, events.itemIds)),
  };
  const metadata: ExportMetadata = {
    runId,
    modelId: o.modelId,
    asOf: asOfIso,
    horizonDays: o.horizonDays,
    k: o.k,
    rows: lists.n,
    customers: new Set(lists.customer).size,
    sha256: createHash('sha256').update(csv).digest('hex'),
    files: Object.keys(files),
  };
  await ctx.run.step('publish', async () => {
    const put = async (key: string, body: Uint8Array | string): Promise<void> => {
      const info = await ctx.lake.put(key, body);
      ctx.run.output(ctx.lake.uri, key, info.etag);
    };
    await put(`${LAKE.scores(runId)}scores.parquet`, tableToParquet(scoresTable(all, events.customerIds, events.itemIds)));
    for (const prefix of [LAKE.exports(runId), LAKE.latestExport]) {
      for (const [name, body] of Object.entries(files)) await put(prefix + name, body);
      await put(`${prefix}_metadata.json`, JSON.stringify(metadata, null, 2) + '\n');
    }
  });
  ctx.run.count('export.rows', lists.n);
  log.info({ key: `${LAKE.exports(runId)}top-k.csv`, rows: lists.n }, `exported top-${o.k} lists of ${metadata.customers} customers`);
  const rank = new Int32Array(fs.n);
  for (let i = 0; i < all.n; i++) rank[all.row[i]] = all.rank[i];
  return { lists, scored: { customer: fs.customer, item: fs.item, probability, rank }, exportKey: `${LAKE.exports(runId)}top-k.csv` };
}
