/**
 * What the exported top-K lists are made of, beside the repeat baseline's
 * lists at the same as-of time (`evaluation/list-composition.ts`): places
 * holding repeat items and items new to the customer with their precision, and
 * the customers' past items by days since their last purchase: how often each
 * recency class is bought in the horizon and how much of it the lists hold.
 * The measurements behind "Where the remaining NDCG is" in
 * `docs/training-budget.md`. Then, for the export's rank-1 pairs and all its
 * pairs grouped by the days from the customer's last purchase to the as-of time,
 * the mean probability beside the share bought in the horizon: a calibration of
 * the rank alone gives every group about the same mean, whatever its purchase
 * rate (`docs/promotion.md`, "A customer level for the fallbacks' probabilities").
 *
 * Usage: `npm run build && node dist/bench/lists.js [--lake lake]
 * [--config config/online-retail.yaml] [--run <run-id>]` (default: the latest
 * export). The lake must hold the clean data up to the end of the horizon.
 */
import { lakeEvents } from './lake-events';
import { customerAggregates } from '../features/aggregates';
import { customerItemsInWindow, type EventIndex, eventsBefore, knownCustomers } from '../features/event-index';
import { repeatBaseline } from '../evaluation/baselines';
import { listComposition, type ListComposition } from '../evaluation/list-composition';
import { readPublished } from '../evaluation/published';
import { buildTruth } from '../evaluation/truth';
import { Catalog } from '../lib/catalog';
import { DAY_MS } from '../lib/schema';
import { openStore } from '../lib/store/open';
import type { RankedLists, ScoredPairs } from '../ranking/lists';
import { setHas } from '../ranking/ranges';

/** A bench setting that cannot be used. */
export class ListsBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListsBenchSetupError';
  }
}

interface Args {
  lake: string;
  config: string;
  run?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new ListsBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--run') args.run = value;
    else throw new ListsBenchSetupError(`unknown option: ${flag} ${value} (expected --lake URI, --config FILE, --run RUN-ID)`);
  }
  return args;
}

const share = (part: number, whole: number): string => (whole === 0 ? '-' : (part / whole).toFixed(3));
const cell = (v: string | number, width: number): string => String(v).padStart(width);

function print(name: string, c: ListComposition): void {
  console.log(`\n${name}: ${c.customers} evaluated customers`);
  console.log(`${'places'.padEnd(14)}${cell('places', 9)}${cell('hits', 8)}${cell('precision', 11)}`);
  console.log(`${'repeat items'.padEnd(14)}${cell(c.repeatPlaces, 9)}${cell(c.repeatHits, 8)}${cell(share(c.repeatHits, c.repeatPlaces), 11)}`);
  console.log(`${'new items'.padEnd(14)}${cell(c.newPlaces, 9)}${cell(c.newHits, 8)}${cell(share(c.newHits, c.newPlaces), 11)}`);
  console.log(`past items by days since the last purchase:`);
  console.log(`${'days'.padEnd(14)}${cell('pairs', 9)}${cell('bought', 8)}${cell('rate', 7)}${cell('listed', 8)}${cell('hits', 7)}${cell('precision', 11)}${cell('bought listed', 15)}`);
  for (const { fromDays, toDays, counts: k } of c.byRecency) {
    const days = `[${fromDays}, ${Number.isFinite(toDays) ? toDays : '∞'})`;
    console.log(
      `${days.padEnd(14)}${cell(k.pairs, 9)}${cell(k.bought, 8)}${cell(share(k.bought, k.pairs), 7)}${cell(k.listed, 8)}${cell(k.listedBought, 7)}${cell(share(k.listedBought, k.listed), 11)}${cell(share(k.listedBought, k.bought), 15)}`,
    );
  }
}

/** Upper ends (days, exclusive) of the recency groups of {@link printCalibrationByRecency}; the last is open. */
const RECENCY_GROUPS = [30, 90, 180, Infinity];

/** The lists' mean probability and share bought in [T, T + H) by the customer's days since the last purchase before T, rank 1 and all ranks. */
function printCalibrationByRecency(index: EventIndex, lists: RankedLists & ScoredPairs, asOf: number, horizonDays: number): void {
  const e = eventsBefore(index, asOf);
  const recency = customerAggregates(index, asOf, e, knownCustomers(index, e)).daysSinceLast;
  const truth = customerItemsInWindow(index, asOf, asOf + horizonDays * DAY_MS);
  // [rank 1, all] × group: pairs, Σ probability, bought.
  const sums = [0, 1].map(() => RECENCY_GROUPS.map(() => ({ n: 0, p: 0, y: 0 })));
  for (let row = 0; row < lists.rank.length; row++) {
    const c = lists.customer[row];
    const g = RECENCY_GROUPS.findIndex((end) => recency[c] < end);
    const y = setHas(truth, c, lists.item[row]) ? 1 : 0;
    for (const s of lists.rank[row] === 1 ? [sums[0][g], sums[1][g]] : [sums[1][g]]) {
      s.n++;
      s.p += lists.probability[row];
      s.y += y;
    }
  }
  console.log(`\nprobability by days since the customer's last purchase (every known customer's list):`);
  console.log(`${'days'.padEnd(14)}${cell('rank-1 pairs', 13)}${cell('predicted', 11)}${cell('bought', 8)}${cell('all pairs', 11)}${cell('predicted', 11)}${cell('bought', 8)}`);
  RECENCY_GROUPS.forEach((end, g) => {
    const [r, a] = [sums[0][g], sums[1][g]];
    const days = `[${g === 0 ? 0 : RECENCY_GROUPS[g - 1]}, ${Number.isFinite(end) ? end : '∞'})`;
    console.log(`${days.padEnd(14)}${cell(r.n, 13)}${cell(share(r.p, r.n), 11)}${cell(share(r.y, r.n), 8)}${cell(a.n, 11)}${cell(share(a.p, a.n), 11)}${cell(share(a.y, a.n), 8)}`);
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { config, index } = await lakeEvents(args.lake, args.config);
  const { meta, lists } = await readPublished(new Catalog(openStore(args.lake), config.name), index, args.run);
  const asOf = Date.parse(meta.asOf);
  const truth = buildTruth(index, asOf, meta.horizonDays);
  console.log(`${config.name}, as-of ${meta.asOf}, horizon ${meta.horizonDays} days, top-${meta.k} lists`);
  print(`export of run ${meta.runId} (model ${meta.modelId})`, listComposition(index, lists, truth));
  print('repeat baseline', listComposition(index, repeatBaseline(index, asOf, { k: meta.k }), truth));
  printCalibrationByRecency(index, lists, asOf, meta.horizonDays);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
