/**
 * Calibration benchmark: at each as-of time, trains the network as
 * `berserkr train` does, calibrates it on the validation cut-off, and prints the
 * expected calibration error (10 equal-width bins) over the top-10 pairs of
 * every known customer (the exported lists) and over all scored pairs, with the
 * mean probability against the share bought in each, for:
 * - `map`: the calibration map alone, as fitted on the validation cut-off;
 * - `map + trend prior shift`: its probabilities moved to the one-step trend of
 *   the base rate (`training/prior-shift.ts`);
 * - `shipped`: that, with the refitted network's scores first brought to the
 *   level of the first phase's (`refitShift`), as `berserkr run` scores;
 * - `top-K map`: a map fitted on the validation cut-off's top-10 pairs only,
 *   for the top-10 pairs (the all-pairs figures stay the map's);
 * - `oracle`: as shipped, but moved to the rate of the horizon itself (an
 *   upper bound that reads the future);
 * - `shipped, isotonic m = …`: as shipped, with the isotonic candidate's pieces
 *   valued by the m-estimate of m pseudo-rows (`fitIsotonic`; m = 0 is plain PAV,
 *   the map before bounded values; the default is `ISOTONIC_PRIOR_ROWS`). The
 *   choice between Platt and isotonic is made again for each m.
 * Each line gives ECE and log loss over the top-10 pairs and over all pairs, the
 * smallest and largest probability of each, and NDCG@10 of the lists.
 * It also prints the base rate of each labelled cut-off and the activity of the
 * 30 days before each (events, orders, active customers), the signals a level
 * forecast can use. The measurements behind `docs/topk-calibration.md`.
 *
 * Usage: `npm run build && node dist/bench/calibration.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-09-10T00:00:00Z,…]
 * [--seed 42]`. The lake must hold ingested clean data reaching the end of
 * each horizon.
 */
import { lakeEvents } from './lake-events';
import { utcDay } from '../lib/format';
import { trainingSchedule } from '../training/schedule';
import { buildFeatureSet } from '../features/build';
import type { FeatureSet } from '../features/types';
import { itemOrder, topKPerCustomer } from '../ranking/topk';
import { applyCalibration, type Calibration, fitCalibration, ISOTONIC_PRIOR_ROWS, logit } from '../training/calibration';
import { baseRate, refitLevelShift, trendPriorShift } from '../training/prior-shift';
import type { EventIndex } from '../features/event-index';
import { expectedCalibrationError, labelPairs, logLoss, rankingMetrics } from '../ranking/metrics';
import { predictRaw } from '../training/predict';
import { trainModel } from '../training/train';
import { buildTruth } from '../evaluation/truth';

/** A bench setting that cannot be used. */
export class CalibrationBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationBenchSetupError';
  }
}

interface Args {
  lake: string;
  config: string;
  asOf: number[];
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml', asOf: ['2011-09-10', '2011-10-10', '2011-11-09'].map((d) => Date.parse(`${d}T00:00:00Z`)), seed: 42 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new CalibrationBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--as-of' && value.split(',').every((v) => Number.isFinite(Date.parse(v)))) args.asOf = value.split(',').map((v) => Date.parse(v));
    else if (flag === '--seed' && /^\d+$/.test(value)) args.seed = Number(value);
    else throw new CalibrationBenchSetupError(`unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --as-of ISO-TIME[,…], --seed N)`);
  }
  return args;
}

const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length === 0 ? 0 : s / a.length;
};
const DAY_MS = 86_400_000;
/** Pseudo-counts of the isotonic map compared: plain PAV, the default, and stronger priors. */
const PRIOR_ROWS = [0, ISOTONIC_PRIOR_ROWS, 20, 200];

/** Smallest and largest value, as `min–max` with 3 significant digits (a largest above 0.999 as `1 − d`). */
function range(a: ArrayLike<number>): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return `${lo.toPrecision(3)}–${hi > 0.999 ? `1 − ${(1 - hi).toPrecision(2)}` : hi.toPrecision(3)}`;
}

/** Purchase events, orders and active customers in [from, to). */
function activity(index: EventIndex, from: number, to: number): string {
  const { time, order, customer } = index.events;
  const orders = new Set<number>();
  const customers = new Set<number>();
  let events = 0;
  for (let i = 0; i < index.nEvents; i++) {
    if (time[i] < from || time[i] >= to) continue;
    events++;
    orders.add(order[i]);
    customers.add(customer[i]);
  }
  return `${events}/${orders.size}/${customers.size}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { config, index } = await lakeEvents(args.lake, args.config);
  const lines: string[] = [];
  for (const asOf of args.asOf) {
    const schedule = trainingSchedule(asOf, 30, 6);
    const build = (t: number): FeatureSet => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30 });
    const labelled = [...schedule.train, schedule.validation].map(build);
    const [train, validation] = [labelled.slice(0, -1), labelled[labelled.length - 1]];
    const test = build(asOf);
    const r = await trainModel(train, validation, { seed: args.seed });
    const { calibration } = fitCalibration(r.validationScores, r.validation.label!, r.validation.customer);
    const raw = predictRaw(r.model, r.preprocessing, r.vocab, test);
    const refitShift = refitLevelShift(r);
    r.model.dispose();
    const tieKey = itemOrder(index.events.itemIds);
    const truth = buildTruth(index, asOf, 30);
    const yAll = labelPairs(test.customer, test.item, truth);
    const rates = labelled.map(baseRate);
    const prior = trendPriorShift(rates);
    // The validation cut-off's top-10 pairs by the first phase's scores, for the top-K map.
    const held = r.validation;
    const heldTop = topKPerCustomer(held.customer, held.item, r.validationScores, 10, { score: r.validationScores, tieKey });
    const heldLabel = new Map<string, number>();
    for (let i = 0; i < held.n; i++) heldLabel.set(`${held.customer[i]} ${held.item[i]}`, held.label![i]);
    const topMap = fitCalibration(
      Float32Array.from(heldTop.probability),
      Uint8Array.from(heldTop.customer, (c, i) => heldLabel.get(`${c} ${heldTop.item[i]}`)!),
      heldTop.customer,
    ).calibration;
    const at = utcDay(asOf);
    lines.push(
      `${at} base rate of the labelled cut-offs, oldest first: ${rates.map((x) => x.toFixed(4)).join(' ')}; forecast ${prior.forecastRate.toFixed(4)}; horizon ${mean(yAll).toFixed(4)}`,
      `           events/orders/active customers in the 30 days before each cut-off and T: ${[...labelled.map((fs) => fs.cutoff), asOf].map((c) => activity(index, c - 30 * DAY_MS, c)).join(' ')}`,
    );
    const both = (c: Calibration): [Calibration, Calibration] => [c, c];
    const variants: [string, Calibration, Calibration][] = [
      [`map (${calibration.method})`, ...both(calibration)],
      ['map + trend prior shift', ...both({ ...calibration, priorShift: prior.shift })],
      [`shipped (+ refit level ${refitShift.toFixed(3)})`, ...both({ ...calibration, refitShift, priorShift: prior.shift })],
      [`top-K map (${topMap.method})`, calibration, topMap],
      ['oracle (+ refit level, shift to horizon)', ...both({ ...calibration, refitShift, priorShift: logit(mean(yAll)) - logit(prior.validationRate) })],
    ];
    for (const m of PRIOR_ROWS) {
      const fitted = fitCalibration(r.validationScores, r.validation.label!, r.validation.customer, m).calibration;
      variants.push([`shipped, isotonic m = ${m} (${fitted.method})`, ...both({ ...fitted, refitShift, priorShift: prior.shift })]);
    }
    for (const [name, all, top] of variants) {
      const p = applyCalibration(all, raw);
      const lists = topKPerCustomer(test.customer, test.item, applyCalibration(top, raw), 10, { score: raw, tieKey });
      const yTop = labelPairs(lists.customer, lists.item, truth);
      lines.push(
        `           ${name.padEnd(36)} top-10 ECE ${expectedCalibrationError(lists.probability, yTop).toFixed(4)} (mean p ${mean(lists.probability).toFixed(4)}, bought ${mean(yTop).toFixed(4)}, log loss ${logLoss(lists.probability, yTop).toFixed(4)}, p ${range(lists.probability)}, NDCG@10 ${rankingMetrics(lists, truth, 10).ndcg.toFixed(4)}); all pairs ECE ${expectedCalibrationError(p, yAll).toFixed(4)} (mean p ${mean(p).toFixed(4)}, bought ${mean(yAll).toFixed(4)}, log loss ${logLoss(p, yAll).toFixed(4)}, p ${range(p)})`,
      );
    }
    process.stderr.write(`${at} done\n`);
  }
  process.stdout.write(`seed ${args.seed}, ${config.name}, horizon 30 days, K = 10:\n${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/calibration: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
