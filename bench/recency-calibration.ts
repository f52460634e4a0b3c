/**
 * Calibration by recency benchmark: reads an export's top-K lists (its
 * `top-k.csv`) and the lake's purchase events, and prints, for the rank-1 pairs
 * and for all exported pairs, grouped by the days from the customer's last
 * purchase before the as-of time T to T, the pairs, the mean probability and
 * the share bought in [T, T + H). A calibration whose probability depends on the
 * rank only gives every group about the same mean, whatever its purchase rate.
 * The measurements behind `docs/promotion.md`, "A customer level for the
 * fallbacks' probabilities".
 *
 * Usage: `npm run build && node dist/bench/recency-calibration.js --lake LAKE
 * --export LAKE/exports/online-retail/RUN/top-k.csv --as-of 2011-11-09T00:00:00Z
 * [--config config/online-retail.yaml] [--horizon 30]`. The lake must hold
 * ingested clean data reaching T + H.
 */
import { readFileSync } from 'fs';
import { customerItemsInWindow, eventsBefore, knownCustomers } from '../features/event-index';
import { customerAggregates } from '../features/aggregates';
import { DAY_MS } from '../lib/schema';
import { setHas } from '../ranking/ranges';
import { lakeEvents } from './lake-events';

/** A bench setting that cannot be used. */
export class RecencyBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecencyBenchSetupError';
  }
}

interface Args {
  lake: string;
  config: string;
  exportCsv: string;
  asOf: number;
  horizonDays: number;
}

function parseArgs(argv: string[]): Args {
  const args: Partial<Args> = { config: 'config/online-retail.yaml', horizonDays: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new RecencyBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--export') args.exportCsv = value;
    else if (flag === '--as-of' && Number.isFinite(Date.parse(value))) args.asOf = Date.parse(value);
    else if (flag === '--horizon' && /^\d+$/.test(value)) args.horizonDays = Number(value);
    else throw new RecencyBenchSetupError(`unknown option or bad value: ${flag} ${value} (expected --lake URI, --export FILE, --as-of ISO-TIME, --config FILE, --horizon DAYS)`);
  }
  if (args.lake === undefined || args.exportCsv === undefined || args.asOf === undefined) throw new RecencyBenchSetupError('--lake, --export and --as-of are required');
  return args as Args;
}

/** Upper ends (days, exclusive) of the recency groups; the last group is open. */
const GROUPS = [30, 90, 180, Infinity];
const groupName = (g: number): string => (g === 0 ? `< ${GROUPS[0]}` : GROUPS[g] === Infinity ? `>= ${GROUPS[g - 1]}` : `${GROUPS[g - 1]}–${GROUPS[g]}`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { index } = await lakeEvents(args.lake, args.config);
  const e = eventsBefore(index, args.asOf);
  const recency = customerAggregates(index, args.asOf, e, knownCustomers(index, e)).daysSinceLast;
  const truth = customerItemsInWindow(index, args.asOf, args.asOf + args.horizonDays * DAY_MS);
  const customerOf = new Map(index.events.customerIds.map((id, c) => [id, c]));
  const itemOf = new Map(index.events.itemIds.map((id, i) => [id, i]));
  // [rank 1, all] × group: pairs, Σ probability, bought.
  const sums = [0, 1].map(() => GROUPS.map(() => ({ n: 0, p: 0, y: 0 })));
  const [header, ...lines] = readFileSync(args.exportCsv, 'utf8').trim().split(/\r?\n/);
  if (header !== 'customer_id,item_id,rank,probability') throw new RecencyBenchSetupError(`${args.exportCsv}: expected the header customer_id,item_id,rank,probability, found ${header}`);
  for (const line of lines) {
    const [customerId, itemId, rank, probability] = line.split(',');
    const c = customerOf.get(customerId);
    if (c === undefined || c >= recency.length) continue; // no purchase before T
    const i = itemOf.get(itemId);
    const y = i !== undefined && setHas(truth, c, i) ? 1 : 0;
    const g = GROUPS.findIndex((end) => recency[c] < end);
    for (const s of Number(rank) === 1 ? [sums[0][g], sums[1][g]] : [sums[1][g]]) {
      s.n++;
      s.p += Number(probability);
      s.y += y;
    }
  }
  console.log(`${args.exportCsv}, as-of ${new Date(args.asOf).toISOString()}, H = ${args.horizonDays} days`);
  console.log('days since last purchase  pairs    rank 1: predicted  observed  |  pairs    all: predicted  observed');
  GROUPS.forEach((_, g) => {
    const [r, a] = [sums[0][g], sums[1][g]];
    const f = (x: number, n: number): string => (n === 0 ? '-' : (x / n).toFixed(3));
    console.log(`${groupName(g).padEnd(24)} ${String(r.n).padStart(6)}  ${f(r.p, r.n).padStart(17)}  ${f(r.y, r.n).padStart(8)}  |  ${String(a.n).padStart(6)}  ${f(a.p, a.n).padStart(14)}  ${f(a.y, a.n).padStart(8)}`);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
