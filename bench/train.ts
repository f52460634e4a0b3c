/**
 * Training-throughput benchmark: the training of `berserkr train` (default
 * budget, `--epochs` passes and the refit, `--members` members) on the clean
 * data of a lake, once on one thread and once on `--threads` threads (every
 * CPU by default), side by side: training rows per second of every member
 * (wall time of the whole training), the ratio of the two, and the held-out
 * validation NDCG@10 of each (equal up to float summation order: the threads
 * train the members at once, or split each step with `--members 1`, they do
 * not change the network). Then the machine's ceiling for that ratio: the
 * one-thread training in two processes at once, with no synchronisation at
 * all; their summed rows per second against the one-thread run alone.
 *
 * Usage: `npm run build && node dist/bench/train.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-11-09T00:00:00Z]
 * [--train-cutoffs 6] [--epochs 3] [--members N] [--threads N] [--groups-per-step N] [--no-ceiling]`.
 * The lake must hold ingested clean data (`berserkr ingest --lake …`).
 */
import { execFile } from 'child_process';
import { lakeEvents } from './lake-events';
import { trainingSchedule } from '../training/schedule';
import { buildFeatureSet } from '../features/build';
import { availableCpus } from '../lib/cpus';
import { DEFAULT_BUDGET, DEFAULT_MEMBERS, trainModel } from '../training/train';

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
  members: number;
  threads: number;
  groupsPerStep: number;
  /** Measure the two-process ceiling. */
  ceiling: boolean;
  /** Run only the one-thread training and print its rows per second (a ceiling process). */
  solo: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml', asOf: Date.parse('2011-11-09T00:00:00Z'), trainCutoffs: 6, epochs: 3, members: DEFAULT_MEMBERS, threads: availableCpus(), groupsPerStep: DEFAULT_BUDGET.groupsPerStep, ceiling: true, solo: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--no-ceiling' || flag === '--solo') {
      args[flag === '--solo' ? 'solo' : 'ceiling'] = flag === '--solo';
      i--;
      continue;
    }
    if (value === undefined) throw new TrainBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--as-of' && Number.isFinite(Date.parse(value))) args.asOf = Date.parse(value);
    else if (flag === '--train-cutoffs' && /^[1-9]\d*$/.test(value)) args.trainCutoffs = Number(value);
    else if (flag === '--epochs' && /^[1-9]\d*$/.test(value)) args.epochs = Number(value);
    else if (flag === '--members' && /^[1-9]\d*$/.test(value)) args.members = Number(value);
    else if (flag === '--threads' && /^[1-9]\d*$/.test(value)) args.threads = Number(value);
    else if (flag === '--groups-per-step' && /^[1-9]\d*$/.test(value)) args.groupsPerStep = Number(value);
    else {
      throw new TrainBenchSetupError(
        `unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --as-of ISO-TIME, --train-cutoffs N, --epochs N, --members N, --threads N, --groups-per-step N, --no-ceiling)`,
      );
    }
  }
  return args;
}

/** Runs this bench with `--solo` in two processes at once; the rows per second each printed. */
function twoProcesses(argv: string[]): Promise<number[]> {
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [__filename, ...argv, '--solo'], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
        if (error !== null) reject(new TrainBenchSetupError(`ceiling process failed: ${stderr.trim() || error.message}`));
        else resolve((JSON.parse(stdout.trim().split('\n').pop()!) as { rowsPerSecond: number }).rowsPerSecond);
      });
    });
  return Promise.all([one(), one()]);
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let t0 = performance.now();
  const { index } = await lakeEvents(args.lake, args.config);
  const readS = seconds(t0);
  t0 = performance.now();
  const schedule = trainingSchedule(args.asOf, 30, args.trainCutoffs);
  const train = schedule.train.map((t) => buildFeatureSet(index, t, { withLabels: true, horizonDays: 30 }));
  const validation = buildFeatureSet(index, schedule.validation, { withLabels: true, horizonDays: 30 });
  const featuresS = seconds(t0);
  const runs = [];
  for (const threads of args.solo ? [1] : [1, args.threads]) {
    t0 = performance.now();
    const result = await trainModel(train, validation, { epochs: args.epochs, members: args.members, seed: 42, threads, budget: { groupsPerStep: args.groupsPerStep } });
    runs.push({ threads: result.threads, wall: seconds(t0), result });
    result.model.dispose();
  }
  if (args.solo) {
    process.stdout.write(`${JSON.stringify({ rowsPerSecond: runs[0].result.trainRowsPerSecond })}\n`);
    return;
  }
  const [one, many] = runs;
  const ceiling = args.ceiling ? await twoProcesses(process.argv.slice(2)) : undefined;
  const rows = one.result.history.filter((h) => h.member === 0).map((h) => `${h.phase} ${h.epoch}: ${h.groups} groups, ${h.rows} rows`).join('; ');
  const lines = [
    `backend            ${one.result.backend}, ${args.members} member(s), ${args.groupsPerStep} groups per step`,
    `training cut-offs  ${train.length} (+ validation ${new Date(schedule.validation).toISOString()}, ${validation.n} rows)`,
    `epochs             ${rows} (each member)`,
    `wall time          read ${readS.toFixed(1)} s, features ${featuresS.toFixed(1)} s`,
    ...runs.map((r) => `${`${r.threads} thread(s)`.padEnd(19)}${Math.round(r.result.trainRowsPerSecond)} rows/s (training ${r.result.fitSeconds.toFixed(1)} s, trainModel ${r.wall.toFixed(1)} s), validation NDCG@10 ${r.result.validationNdcg10.toFixed(4)}`),
    `ratio              ${(many.result.trainRowsPerSecond / one.result.trainRowsPerSecond).toFixed(2)}x rows/s with ${many.threads} threads against 1`,
    ...(ceiling === undefined
      ? []
      : [
          `ceiling            ${ceiling.map((r) => Math.round(r)).join(' + ')} rows/s: two one-thread trainings in two processes at once, no synchronisation`,
          `                   ${(ceiling.reduce((a, b) => a + b, 0) / one.result.trainRowsPerSecond).toFixed(2)}x the one-thread run alone; the threads reach ${((many.result.trainRowsPerSecond / ceiling.reduce((a, b) => a + b, 0)) * 100).toFixed(0)} % of it`,
        ]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/train: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
