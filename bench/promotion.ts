/**
 * Promotion benchmark: how often the promotion rule's bootstrap
 * (`evaluation/bootstrap.ts`) finds a lead significant when there is none.
 * Per-customer differences are drawn from a population whose mean is 0 (a
 * null), n customers at a time, and each draw is tested at 95 % twice, side by
 * side on the same replicates: with the plain percentile bound (the α-quantile
 * of the replicates, the rule until 2026-12-07) and with the expanded
 * percentile bound the rule uses now. A calibrated test promotes about 5 % of
 * such draws. Populations:
 * - `ties`: 40 % of customers with no difference, the rest U² − U² (symmetric);
 * - `left-skewed`: most customers a little better, a few much worse;
 * - with `--lake`, two of the bundled data's own shapes at a validation cut-off:
 *   repeat's NDCG@10 minus popularity's per customer, centred (a paired
 *   comparison), and repeat's NDCG@10 per customer, centred (the one-sample
 *   test against a recorded figure).
 *
 * Usage: `npm run build && node dist/bench/promotion.js [--lake lake]
 * [--config config/online-retail.yaml] [--cutoff 2011-10-10T00:00:00Z]
 * [--trials 2000] [--n 3,5,10,20,30,100]`. Measurements: `docs/promotion.md`.
 */
import { evaluateAt } from '../evaluation/evaluate';
import { repeatBaseline } from '../evaluation/baselines';
import { pairedBootstrap } from '../evaluation/bootstrap';
import { Prng } from '../lib/prng';
import { utcDay } from '../lib/format';
import { lakeEvents } from './lake-events';

interface Args {
  lake?: string;
  config: string;
  cutoff: number;
  trials: number;
  sizes: number[];
}

/** A bench option that cannot be used. */
export class PromotionBenchUsageError extends Error {
  override readonly name = 'PromotionBenchUsageError';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { config: 'config/online-retail.yaml', cutoff: Date.parse('2011-10-10T00:00:00Z'), trials: 2000, sizes: [3, 5, 10, 20, 30, 100] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--cutoff' && Number.isFinite(Date.parse(value))) args.cutoff = Date.parse(value);
    else if (flag === '--trials' && /^[1-9]\d*$/.test(value)) args.trials = Number(value);
    else if (flag === '--n' && /^\d+(,\d+)*$/.test(value) && value.split(',').every((v) => Number(v) >= 2)) args.sizes = value.split(',').map(Number);
    else throw new PromotionBenchUsageError(`unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --cutoff ISO-TIME, --trials N, --n N[,N…] with each N ≥ 2)`);
  }
  return args;
}

/** A null population: a draw of one customer's difference, mean 0. */
type Draw = (rng: Prng) => number;

/** `f` minus its mean (estimated on a million draws of a fixed seed), so that its mean is 0. */
function centred(f: Draw): Draw {
  const rng = new Prng(99);
  let s = 0;
  for (let i = 0; i < 1_000_000; i++) s += f(rng);
  const mean = s / 1_000_000;
  return (r) => f(r) - mean;
}

/** Draws with replacement from a finite population, centred on its mean. */
function fromPopulation(values: ArrayLike<number>): Draw {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const mean = s / values.length;
  return (rng) => values[rng.int(values.length)] - mean;
}

/** The plain percentile bound of the same replicates `pairedBootstrap` draws (its default R and confidence). */
function plainPercentileLower(d: Float64Array, seed: number, resamples = 1000): number {
  const rng = new Prng(seed);
  const replicates = new Float64Array(resamples);
  for (let j = 0; j < resamples; j++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[rng.int(d.length)];
    replicates[j] = s / d.length;
  }
  return replicates.sort()[Math.ceil(0.05 * resamples - 1e-9) - 1];
}

async function lakePopulations(args: Args): Promise<Record<string, Draw>> {
  const { index } = await lakeEvents(args.lake!, args.config);
  const repeat = repeatBaseline(index, args.cutoff, { k: 10 });
  const [, popularity, repeatRow] = evaluateAt(index, args.cutoff, 30, 10, { name: 'repeat', lists: repeat }, undefined, { perCustomer: true });
  const r = repeatRow.byCustomer!.ndcg;
  const p = popularity.byCustomer!.ndcg;
  const when = utcDay(args.cutoff);
  return {
    [`repeat − popularity ${when}`]: fromPopulation(Float64Array.from(r, (x, i) => x - p[i])),
    [`repeat NDCG ${when}, 1-sample`]: fromPopulation(r),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const populations: Record<string, Draw> = {
    ties: (rng) => (rng.next() < 0.4 ? 0 : rng.next() ** 2 - rng.next() ** 2),
    'left-skewed': centred((rng) => (rng.next() < 0.45 ? 0 : -Math.min(1, -0.35 * Math.log(1 - rng.next())))),
    ...(args.lake === undefined ? {} : await lakePopulations(args)),
  };
  console.log(`false promotions at 95 % over ${args.trials} draws of n customers from a null (1,000 resamples each)`);
  console.log(`${'population'.padEnd(34)} ${'n'.padStart(5)}  plain percentile  expanded percentile`);
  for (const [name, draw] of Object.entries(populations)) {
    for (const n of args.sizes) {
      const rng = new Prng(n * 7919 + 1);
      let plain = 0;
      let expanded = 0;
      for (let t = 0; t < args.trials; t++) {
        const d = Float64Array.from({ length: n }, () => draw(rng));
        if (plainPercentileLower(d, t) > 0) plain++;
        if (pairedBootstrap(d, 0, { seed: t }).lower > 0) expanded++;
      }
      console.log(`${name.padEnd(34)} ${String(n).padStart(5)}  ${(plain / args.trials).toFixed(3).padStart(16)}  ${(expanded / args.trials).toFixed(3).padStart(19)}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof PromotionBenchUsageError ? 2 : 1);
});
