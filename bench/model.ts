/**
 * Model benchmark: trains the network under several training settings on the
 * same feature sets, each with several seeds, and prints per seed the held-out
 * validation candidate NDCG@10 and the `online-retail-30d` metrics at the as-of
 * time (calibrated on the validation cut-off and moved to the forecast base rate,
 * as `berserkr run` does), then per
 * setting the mean and range over the seeds. The measurements behind the
 * defaults of `training/train.ts` (`docs/training-budget.md`).
 *
 * Usage: `npm run build && node dist/bench/model.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-11-09T00:00:00Z]
 * [--train-cutoffs 6] [--cutoff-step 30] [--seeds 42,1,2] [--variants default,no-refit,…] [--candidates knnM=50,popularN=200]`
 * (`default` is `berserkr train`'s; `--candidates` sets options of the candidate
 * generation, `CandidateOptions` of `features/candidates.ts`, for every feature set). The lake must hold ingested clean data
 * reaching the end of the horizon after the as-of time.
 */
import { evaluateAt, formatMetricsTable, type SystemMetrics } from '../evaluation/evaluate';
import { lakeEvents } from './lake-events';
import { trainingSchedule } from '../training/schedule';
import { buildFeatureSet } from '../features/build';
import type { CandidateOptions } from '../features/candidates';
import { itemOrder, topKPerCustomer } from '../ranking/topk';
import { applyCalibration, fitCalibration } from '../training/calibration';
import { baseRate, refitLevelShift, trendPriorShift } from '../training/prior-shift';
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
  default: {},
  'no-refit': { refit: false },
  'refit-1': { refitEpochs: 1 },
  'epochs-2': { epochs: 2 },
  'epochs-6': { epochs: 6 },
  'groups-4096': { budget: { groupsPerEpoch: 4096 } },
  'groups-16384': { budget: { groupsPerEpoch: 16384 } },
  'groups-24576': { budget: { groupsPerEpoch: 24576 } },
  'negative-share-0.25': { budget: { negativeGroupShare: 0.25 } },
  'group-rows-128': { budget: { groupRows: 128, groupsPerStep: 16 } },
  'step-16': { budget: { groupsPerStep: 16 } },
  'step-64': { budget: { groupsPerStep: 64 } },
  'lambda-0.6': { lambda: 0.6 },
  'lambda-1': { lambda: 1 },
  'lr-0.003': { learningRate: 0.003 },
  'hidden-128-64': { model: { hidden: [128, 64] } },
  'item-embedding-32': { model: { itemEmbedding: 32 } },
  'no-customer-embedding': { model: { customerEmbedding: 0 } },
};

interface Args {
  lake: string;
  config: string;
  asOf: number;
  trainCutoffs: number;
  /** Days between training cut-offs; default the horizon (30). */
  cutoffStep: number;
  seeds: number[];
  variants: string[];
  candidates: CandidateOptions;
}

/** The numeric options of candidate generation that `--candidates` may set. */
const CANDIDATE_OPTIONS = ['popularN', 'popularityWindowDays', 'copurchaseM', 'recentOrders', 'neighbours', 'knnM', 'knnNeighbours', 'knnQueryItems', 'knnPostings'] as const;

/** `name=value,…` → candidate options, or undefined when a name is unknown or a value not a whole number. */
function candidateOptions(text: string): CandidateOptions | undefined {
  const options: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [name, value] = pair.split('=');
    if (!(CANDIDATE_OPTIONS as readonly string[]).includes(name) || !/^\d+$/.test(value ?? '')) return undefined;
    options[name] = Number(value);
  }
  return options;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml', asOf: Date.parse('2011-11-09T00:00:00Z'), trainCutoffs: 6, cutoffStep: 30, seeds: [42, 1, 2], variants: ['default'], candidates: {} };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new ModelBenchSetupError(`${flag}: expected a value`);
    const candidates = flag === '--candidates' ? candidateOptions(value) : undefined;
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--as-of' && Number.isFinite(Date.parse(value))) args.asOf = Date.parse(value);
    else if (flag === '--train-cutoffs' && /^[1-9]\d*$/.test(value)) args.trainCutoffs = Number(value);
    else if (flag === '--cutoff-step' && /^[1-9]\d*$/.test(value)) args.cutoffStep = Number(value);
    else if (flag === '--seeds' && /^\d+(,\d+)*$/.test(value)) args.seeds = value.split(',').map(Number);
    else if (flag === '--variants' && value.split(',').every((v) => v in VARIANTS)) args.variants = value.split(',');
    else if (candidates !== undefined) args.candidates = candidates;
    else {
      throw new ModelBenchSetupError(
        `unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --as-of ISO-TIME, --train-cutoffs N, --cutoff-step DAYS, --seeds N[,N…], --variants ${Object.keys(VARIANTS).join('|')}[,…], --candidates ${CANDIDATE_OPTIONS.join('|')}=N[,…])`,
      );
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { config, index } = await lakeEvents(args.lake, args.config);
  const schedule = trainingSchedule(args.asOf, 30, args.trainCutoffs, args.cutoffStep);
  const build = (t: number) => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30, ...args.candidates });
  const train = schedule.train.map(build);
  const validation = build(schedule.validation);
  const test = build(args.asOf);
  const rows: SystemMetrics[] = [];
  const summary: string[] = [];
  for (const name of args.variants) {
    const runs: SystemMetrics[] = [];
    for (const seed of args.seeds) {
      const t0 = performance.now();
      const r = await trainModel(train, validation, { ...VARIANTS[name], seed });
      const seconds = (performance.now() - t0) / 1000;
      const { calibration: fitted } = fitCalibration(r.validationScores, r.validation.label!, r.validation.customer);
      const refitShift = refitLevelShift(r);
      const calibration = { ...fitted, refitShift, priorShift: trendPriorShift([...train, validation].map(baseRate)).shift };
      const raw = predictRaw(r.model, r.preprocessing, r.vocab, test);
      const probability = applyCalibration(calibration, raw);
      const lists = topKPerCustomer(test.customer, test.item, probability, 10, { score: raw, tieKey: itemOrder(index.events.itemIds) });
      const row = evaluateAt(index, args.asOf, 30, 10, { name: `${name} seed ${seed}`, lists, scored: { customer: test.customer, item: test.item, probability } })[0];
      runs.push(row);
      rows.push(row);
      process.stderr.write(`${row.system}: validation NDCG@10 ${r.validationNdcg10.toFixed(4)}, NDCG@10 ${row.ndcg.toFixed(4)}, ${seconds.toFixed(1)} s on ${r.threads} thread(s)\n`);
      r.model.dispose();
    }
    const stat = (f: (m: SystemMetrics) => number): string => {
      const v = runs.map(f);
      return `${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(4)} [${Math.min(...v).toFixed(4)}, ${Math.max(...v).toFixed(4)}]`;
    };
    summary.push(`${name.padEnd(22)} NDCG@10 ${stat((m) => m.ndcg)}, Recall@10 ${stat((m) => m.recall)}, ECE ${stat((m) => m.ece!)}, ECE@10 ${stat((m) => m.eceTopK!)} over seeds ${args.seeds.join(', ')}`);
  }
  process.stdout.write(`at the as-of time ${new Date(args.asOf).toISOString()} (${config.name}, 30-day horizon):\n${formatMetricsTable(rows)}\nmean [min, max]:\n${summary.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/model: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
