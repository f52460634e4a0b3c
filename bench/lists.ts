/**
 * What the exported top-K lists are made of, beside the repeat baseline's
 * lists at the same as-of time (`evaluation/list-composition.ts`): places
 * holding repeat items and items new to the customer with their precision, and
 * the customers' past items by days since their last purchase: how often each
 * recency class is bought in the horizon and how much of it the lists hold.
 * The measurements behind "Where the remaining NDCG is" in
 * `docs/training-budget.md`.
 *
 * Usage: `npm run build && node dist/bench/lists.js [--lake lake]
 * [--config config/online-retail.yaml] [--run <run-id>]` (default: the latest
 * export). The lake must hold the clean data up to the end of the horizon.
 */
import { lakeEvents } from './lake-events';
import { repeatBaseline } from '../evaluation/baselines';
import { listComposition, type ListComposition } from '../evaluation/list-composition';
import { readPublished } from '../evaluation/published';
import { buildTruth } from '../evaluation/truth';
import { Catalog } from '../lib/catalog';
import { openStore } from '../lib/store/open';

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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { config, index } = await lakeEvents(args.lake, args.config);
  const { meta, lists } = await readPublished(new Catalog(openStore(args.lake), config.name), index, args.run);
  const asOf = Date.parse(meta.asOf);
  const truth = buildTruth(index, asOf, meta.horizonDays);
  console.log(`${config.name}, as-of ${meta.asOf}, horizon ${meta.horizonDays} days, top-${meta.k} lists`);
  print(`export of run ${meta.runId} (model ${meta.modelId})`, listComposition(index, lists, truth));
  print('repeat baseline', listComposition(index, repeatBaseline(index, asOf, { k: meta.k }), truth));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
