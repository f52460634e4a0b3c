/**
 * Calibration benchmark: at each as-of time, trains the network as
 * `berserkr train` does, calibrates it on the validation cut-off as `berserkr
 * run` does, and prints the expected calibration error (10 equal-width bins)
 * over the top-10 pairs of every known customer (the exported lists) and over
 * all scored pairs, with the mean probability against the share bought in each.
 * Then the same after moving every logit by one constant so that the mean
 * probability over the scored pairs meets a base rate: the validation
 * cut-off's (`last`), its ratio trend over the cut-off before it (`trend`), and
 * the rate of the horizon itself (`oracle`, an upper bound that reads the
 * future). The measurements behind `docs/topk-calibration.md`.
 *
 * Usage: `npm run build && node dist/bench/calibration.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-09-10T00:00:00Z,…]
 * [--seed 42]`. The lake must hold ingested clean data reaching the end of
 * each horizon.
 */
import { lakeEvents } from './lake-events';
import { trainingSchedule } from '../training/schedule';
import { buildFeatureSet } from '../features/build';
import type { FeatureSet } from '../features/types';
import { itemOrder, topKPerCustomer } from '../ranking/topk';
import { applyCalibration, fitCalibration } from '../training/calibration';
import { expectedCalibrationError, labelPairs } from '../ranking/metrics';
import { predictRaw } from '../training/predict';
import { trainModel } from '../training/train';
import { buildTruth } from '../training/truth';

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
const logit = (p: number): number => Math.log(Math.max(1e-7, p) / Math.max(1e-7, 1 - p));
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The constant δ (bisection over [−3, 3]) with mean σ(logit(p) + δ) = target. */
function interceptShift(p: Float32Array, target: number): number {
  let lo = -3;
  let hi = 3;
  for (let it = 0; it < 50; it++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (let i = 0; i < p.length; i++) s += sigmoid(logit(p[i]) + mid);
    if (s / p.length < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { index } = await lakeEvents(args.lake, args.config);
  const lines: string[] = [];
  for (const asOf of args.asOf) {
    const schedule = trainingSchedule(asOf, 30, 6);
    const build = (t: number): FeatureSet => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30 });
    const train = schedule.train.map(build);
    const validation = build(schedule.validation);
    const test = build(asOf);
    const r = await trainModel(train, validation, { seed: args.seed });
    const { calibration } = fitCalibration(r.validationScores, r.validation.label!, r.validation.customer);
    const raw = predictRaw(r.model, r.preprocessing, r.vocab, test);
    r.model.dispose();
    const p = applyCalibration(calibration, raw);
    const top = topKPerCustomer(test.customer, test.item, p, 10, { score: raw, tieKey: itemOrder(index.events.itemIds) });
    const truth = buildTruth(index, asOf, 30);
    const yTop = labelPairs(top.customer, top.item, truth);
    const yAll = labelPairs(test.customer, test.item, truth);
    const rate = (fs: FeatureSet): number => mean(fs.label!);
    const rLast = rate(validation);
    const rBefore = rate(train[train.length - 1]);
    const at = new Date(asOf).toISOString().slice(0, 10);
    lines.push(
      `${at} ${calibration.method.padEnd(8)} top-10 ECE ${expectedCalibrationError(top.probability, yTop).toFixed(4)} (mean p ${mean(top.probability).toFixed(4)}, bought ${mean(yTop).toFixed(4)}); all pairs ECE ${expectedCalibrationError(p, yAll).toFixed(4)} (mean p ${mean(p).toFixed(4)}, bought ${mean(yAll).toFixed(4)})`,
      `           base rate of the labelled cut-offs, oldest first: ${[...train, validation].map((fs) => rate(fs).toFixed(4)).join(' ')}`,
    );
    for (const [name, target] of [
      ['last', rLast],
      ['trend', (rLast * rLast) / rBefore],
      ['oracle', mean(yAll)],
    ] as const) {
      const delta = interceptShift(p, target);
      const shift = (v: Float32Array): Float32Array => Float32Array.from(v, (x) => sigmoid(logit(x) + delta));
      const q = shift(top.probability);
      lines.push(
        `           shifted to ${name.padEnd(6)} ${target.toFixed(4)} (δ ${delta >= 0 ? '+' : ''}${delta.toFixed(3)}): top-10 ECE ${expectedCalibrationError(q, yTop).toFixed(4)} (mean p ${mean(q).toFixed(4)}), all pairs ECE ${expectedCalibrationError(shift(p), yAll).toFixed(4)}`,
      );
    }
    process.stderr.write(`${at} done\n`);
  }
  process.stdout.write(`seed ${args.seed}, protocol online-retail-30d, horizon 30 days, K = 10:\n${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/calibration: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
