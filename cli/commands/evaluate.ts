/**
 * `berserkr evaluate`: the protocol metrics of a published export (top-K lists and
 * all scored pairs) against the truth in the lake, beside the baselines.
 */
import { Command, Option } from 'commander';
import { Table } from 'apache-arrow';
import { EventIndex } from '../../features/event-index';
import { parquetToTable } from '../../lib/parquet';
import { LAKE, SCORES } from '../../lib/schema';
import { ObjectStore } from '../../lib/store/store';
import { RankedLists } from '../../training/metrics';
import { DataCommandOptions, runCommand } from '../command';
import { commonOptions } from '../options';
import { ScoredPairs } from '../steps/evaluate';
import { eventsStep } from '../steps/events';
import { reportEvaluation } from '../steps/report';
import { ExportMetadata } from '../steps/score';

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(Buffer.from(await store.get(key)).toString('utf8')) as T;
}

/**
 * Dense ids of a SCORES table's rows in the events' vocabulary; pairs whose
 * customer or item never appears in the events are dropped (they cannot be in the truth).
 */
function denseRows(table: Table, index: EventIndex): { customer: Int32Array; item: Int32Array; keep: number[] } {
  const customers = new Map(index.events.customerIds.map((id, i) => [id, i]));
  const items = new Map(index.events.itemIds.map((id, i) => [id, i]));
  const c = table.getChild(SCORES.customerId)!;
  const it = table.getChild(SCORES.itemId)!;
  const keep: number[] = [];
  const customer: number[] = [];
  const item: number[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const ci = customers.get(c.get(r) as string);
    const ii = items.get(it.get(r) as string);
    if (ci === undefined || ii === undefined) continue;
    keep.push(r);
    customer.push(ci);
    item.push(ii);
  }
  return { customer: Int32Array.from(customer), item: Int32Array.from(item), keep };
}

/** Registers `evaluate` on `program`. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('compute the protocol metrics (Recall, Precision, NDCG, HitRate, MAP at K; ECE, log loss) of an export beside the baselines')
    .addOption(commonOptions.lake())
    .addOption(commonOptions.config())
    .addOption(new Option('--run <id>', 'run id of the export to evaluate; default: exports/latest/'))
    .action(async (_opts, cmd: Command) => {
      const o = cmd.optsWithGlobals<DataCommandOptions & { run?: string }>();
      await runCommand('evaluate', o, async (ctx) => {
        const prefix = o.run === undefined ? LAKE.latestExport : LAKE.exports(o.run);
        const meta = await readJson<ExportMetadata>(ctx.lake, `${prefix}_metadata.json`);
        const index = await eventsStep(ctx);
        const top = parquetToTable(await ctx.lake.get(`${prefix}top-k.parquet`));
        const t = denseRows(top, index);
        const rank = top.getChild(SCORES.rank)!.toArray() as Int32Array;
        const lists: RankedLists = { customer: t.customer, item: t.item, rank: Int32Array.from(t.keep, (r) => rank[r]) };
        const all = parquetToTable(await ctx.lake.get(`${LAKE.scores(meta.runId)}scores.parquet`));
        const s = denseRows(all, index);
        const p = all.getChild(SCORES.probability)!.toArray() as Float64Array;
        const scored: ScoredPairs = { customer: s.customer, item: s.item, probability: Float32Array.from(s.keep, (r) => p[r]) };
        const rows = await reportEvaluation(ctx, index, Date.parse(meta.asOf), meta.horizonDays, meta.k, { name: meta.modelId, lists, scored });
        if (rows === undefined) throw new Error(`export of run ${meta.runId} is as of ${meta.asOf}: the data does not reach ${meta.horizonDays} days after it, so there is no truth yet`);
      });
    });
}
