/**
 * Model benchmark: trains the network under several training designs on the same
 * feature sets and prints, side by side, the validation candidate NDCG@10 each
 * selected on and the `online-retail-30d` metrics at the as-of time (calibrated on
 * the validation cut-off, as `berserkr run` does). The measurements behind the
 * defaults of `training/train.ts`.
 *
 * Usage: `npm run build && node dist/bench/model.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-11-09T00:00:00Z]
 * [--train-cutoffs 6] [--seed 42] [--variants pointwise,listwise,listwise-128+average,listwise+average,listwise+average+refit]`
 * (the last is `berserkr train`'s default).
 * The lake must hold ingested clean data reaching the end of the horizon after the
 * as-of time. Each variant trains up to 12 epochs with early stopping (patience 2).
 */
import { readFileSync } from 'fs';
import { evaluateAt, formatMetricsTable } from '../cli/steps/evaluate';
import { trainingSchedule } from '../cli/steps/train';
import { buildFeatureSet } from '../features/build';
import { buildEventIndex } from '../features/event-index';
import { purchaseEvents } from '../features/events';
import { readClean } from '../ingest';
import { loadConfig } from '../lib/config';
import { openStore } from '../lib/store/open';
import { itemOrder, topKPerCustomer } from '../scoring/topk';
import { applyCalibration, fitCalibration } from '../training/calibration';
import { predictRaw } from '../training/predict';
import { trainModel, type TrainOptions } from '../training/train';

/** A bench setting that cannot be used. */
export class ModelBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelBenchSetupError';
  }
}

/** The training designs compared. */
const VARIANTS: Record<string, TrainOptions> = {
  pointwise: { listwise: false, averageWeights: false, refit: false },
  listwise: { averageWeights: false, refit: false },
  'listwise-128+average': { listwise: { groupSize: 128, lambda: 0.3 }, refit: false },
  'listwise+average': { refit: false },
  'listwise+average+refit': {},
};

interface Args {
  lake: string;
  config: string;
  asOf: number;
  trainCutoffs: number;
  seed: number;
  variants: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml', asOf: Date.parse('2011-11-09T00:00:00Z'), trainCutoffs: 6, seed: 42, variants: Object.keys(VARIANTS) };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new ModelBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--as-of' && Number.isFinite(Date.parse(value))) args.asOf = Date.parse(value);
    else if (flag === '--train-cutoffs' && /^[1-9]\d*$/.test(value)) args.trainCutoffs = Number(value);
    else if (flag === '--seed' && /^\d+$/.test(value)) args.seed = Number(value);
    else if (flag === '--variants' && value.split(',').every((v) => v in VARIANTS)) args.variants = value.split(',');
    else {
      throw new ModelBenchSetupError(
        `unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --as-of ISO-TIME, --train-cutoffs N, --seed N, --variants ${Object.keys(VARIANTS).join('|')}[,…])`,
      );
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig(readFileSync(args.config, 'utf8'), args.config);
  const clean = await readClean(openStore(args.lake), config.name);
  if (clean.numRows === 0) throw new ModelBenchSetupError(`no clean data of data set "${config.name}" in lake ${args.lake}: run berserkr ingest --lake ${args.lake} first`);
  const index = buildEventIndex(purchaseEvents(clean, config.purchase));
  const schedule = trainingSchedule(args.asOf, 30, args.trainCutoffs);
  const build = (t: number) => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30 });
  const train = schedule.train.map(build);
  const validation = build(schedule.validation);
  const test = build(args.asOf);
  const rows = [];
  const lines: string[] = [];
  for (const name of args.variants) {
    const t0 = performance.now();
    const r = await trainModel(train, validation, { ...VARIANTS[name], seed: args.seed });
    const seconds = (performance.now() - t0) / 1000;
    const { calibration } = fitCalibration(r.calibrationScores, validation.label!, validation.customer);
    const raw = predictRaw(r.model, r.preprocessing, r.vocab, test);
    const probability = applyCalibration(calibration, raw);
    const lists = topKPerCustomer(test.customer, test.item, probability, 10, { score: raw, tieKey: itemOrder(index.events.itemIds) });
    rows.push(evaluateAt(index, args.asOf, 30, 10, { name, lists, scored: { customer: test.customer, item: test.item, probability } })[0]);
    const best = r.history[r.bestEpoch - 1];
    lines.push(
      `${name.padEnd(22)} validation NDCG@10 ${best.validationNdcg10.toFixed(4)}, log loss ${best.validationLogLoss.toFixed(4)} (epoch ${r.bestEpoch} of ${r.history.length}); ${r.trainRows} rows/epoch, ${seconds.toFixed(0)} s, ${r.backend}`,
    );
    r.model.dispose();
  }
  process.stdout.write(`${lines.join('\n')}\nat the as-of time ${new Date(args.asOf).toISOString()} (online-retail-30d):\n${formatMetricsTable(rows)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/model: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
