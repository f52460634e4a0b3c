/**
 * Training benchmark: the training of `berserkr train` on the clean data of a
 * lake, printing the TF.js backend in use, training rows per epoch, training rows
 * per second of `model.fit` wall time (early-stopped training and the three warm
 * refits together), and wall time of each stage.
 *
 * Usage: `npm run build && node dist/bench/train.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-11-09T00:00:00Z]
 * [--train-cutoffs 2] [--epochs 2]`. The lake must hold ingested clean data
 * (`berserkr ingest --lake …`). Early stopping is off (patience = epochs), so
 * every run trains exactly `--epochs` epochs.
 */
import { readFileSync } from 'fs';
import { trainingSchedule } from '../cli/steps/train';
import { buildFeatureSet } from '../features/build';
import { buildEventIndex } from '../features/event-index';
import { purchaseEvents } from '../features/events';
import { readClean } from '../ingest';
import { loadConfig } from '../lib/config';
import { openStore } from '../lib/store/open';
import { DEFAULT_REFIT_EPOCHS, trainModel } from '../training/train';

/** A bench setting that cannot be used. */
export class TrainBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainBenchSetupError';
  }
}

interface Args {
  lake: string;
  config: string;
  asOf: number;
  trainCutoffs: number;
  epochs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml', asOf: Date.parse('2011-11-09T00:00:00Z'), trainCutoffs: 2, epochs: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new TrainBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--as-of' && Number.isFinite(Date.parse(value))) args.asOf = Date.parse(value);
    else if (flag === '--train-cutoffs' && /^[1-9]\d*$/.test(value)) args.trainCutoffs = Number(value);
    else if (flag === '--epochs' && /^[1-9]\d*$/.test(value)) args.epochs = Number(value);
    else {
      throw new TrainBenchSetupError(
        `unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --as-of ISO-TIME, --train-cutoffs N, --epochs N)`,
      );
    }
  }
  return args;
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig(readFileSync(args.config, 'utf8'), args.config);
  let t0 = performance.now();
  const clean = await readClean(openStore(args.lake), config.name);
  if (clean.numRows === 0) throw new TrainBenchSetupError(`no clean data of data set "${config.name}" in lake ${args.lake}: run berserkr ingest --lake ${args.lake} first`);
  const index = buildEventIndex(purchaseEvents(clean, config.purchase));
  const readS = seconds(t0);
  t0 = performance.now();
  const schedule = trainingSchedule(args.asOf, 30, args.trainCutoffs);
  const train = schedule.train.map((t) => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30 }));
  const validation = buildFeatureSet(index, schedule.validation, { withLabels: true, horizonDays: 30 });
  const featuresS = seconds(t0);
  t0 = performance.now();
  const result = await trainModel(train, validation, { maxEpochs: args.epochs, patience: args.epochs, seed: 42 });
  const trainS = seconds(t0);
  const lines = [
    `backend            ${result.backend}`,
    `training cut-offs  ${train.length} (+ validation ${new Date(schedule.validation).toISOString()})`,
    `rows per epoch     ${result.trainRows} (sampled: listwise groups or negative-sampled rows${result.refitted ? ', of the refit on training + validation' : ''}), validation rows ${validation.n}`,
    `epochs             ${result.history.length}${result.refitted ? `, then 3 × ${DEFAULT_REFIT_EPOCHS} of the warm refit and its cross-fit` : ''}`,
    `training rows/s    ${Math.round(result.trainRowsPerSecond)} (model.fit wall time ${result.fitSeconds.toFixed(1)} s)`,
    `wall time          read ${readS.toFixed(1)} s, features ${featuresS.toFixed(1)} s, training incl. validation scoring ${trainS.toFixed(1)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/train: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
