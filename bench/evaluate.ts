/**
 * Memory of evaluating a sharded export: `berserkr evaluate --run-id` of a run scored
 * with `score --shard i/N`, in its own process under GNU time, on a data set with
 * `--scale` times the bundled customers (`bench/scaled-raw.ts`, gzip objects). With `--before`, the
 * same command of another build (e.g. the previous commit's `dist/`) on the same lake,
 * rounds alternating, side by side: peak RSS and wall time of the whole command (start-up
 * and events included), their ratios this build ÷ that one, and whether both print the
 * same metrics. Then, as the shard that commits a backfill evaluates with its events held,
 * the evaluation alone: in a child process that indexes the events, collects the garbage
 * and resets its peak RSS, `evaluateCommitted` of each build: how far the peak rose
 * above the RSS it started from, the RSS it leaves and its time.
 *
 * The lake: the scaled copy ingested, a model trained with a small budget (one training
 * cut-off, one epoch of `--train-groups` groups, one member: any model scores the same
 * candidate pairs, which is what the evaluation reads), and the champion it leaves scoring
 * the `--shards` shards of one run at the as-of time, whose last shard commits it.
 *
 * Usage: `npm run build && node dist/bench/evaluate.js [--scale 10] [--shards 4]
 * [--as-of 2011-11-09T00:00:00Z] [--raw data/online-retail] [--train-groups 512]
 * [--repeat 1] [--before <dist of another build>] [--lake <folder to keep> [--run-id <its run>]]`
 * (with `--run-id`, the lake `--lake` holds already, from an earlier run of the bench).
 * Needs GNU time (`/usr/bin/time`).
 */
import { randomBytes } from 'crypto';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { loadavg, tmpdir } from 'os';
import { join, resolve } from 'path';
import { performance } from 'perf_hooks';
import type * as Runner from '../evaluation/runner';
import { Catalog } from '../lib/catalog';
import { createLogger } from '../lib/log';
import { NO_PROGRESS } from '../lib/progress';
import { NO_LOCK_FENCE } from '../lib/stage-context';
import { RunRecorder } from '../lib/runs';
import { FileStore } from '../lib/store/file';
import { lakeEvents } from './lake-events';
import { writeScaled } from './scaled-raw';

const CONFIG = 'config/online-retail.yaml';
const DATASET = 'online-retail';
/** This build's command line. */
const THIS_BUILD = 'dist';

/** A bench setting that cannot be used, or a step of the set-up that failed. */
export class EvaluateBenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluateBenchError';
  }
}

interface Args {
  scale: number;
  shards: number;
  asOf: string;
  raw: string;
  trainGroups: number;
  repeat: number;
  before?: string;
  lake?: string;
  runId?: string;
  /** The child that measures the evaluation alone: the build's dist, the lake and the run. */
  child?: { dist: string; lake: string; runId: string };
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 10, shards: 4, asOf: '2011-11-09T00:00:00Z', raw: 'data/online-retail', trainGroups: 512, repeat: 1 };
  const count = (value: string | undefined): number | undefined => (/^[1-9]\d*$/.test(value ?? '') ? Number(value) : undefined);
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const n = count(value);
    if (flag === '--scale' && n !== undefined) args.scale = n;
    else if (flag === '--shards' && n !== undefined) args.shards = n;
    else if (flag === '--train-groups' && n !== undefined) args.trainGroups = n;
    else if (flag === '--repeat' && n !== undefined) args.repeat = n;
    else if (flag === '--as-of' && value !== undefined) args.asOf = value;
    else if (flag === '--raw' && value !== undefined) args.raw = value;
    else if (flag === '--before' && value !== undefined && existsSync(join(value, 'cli', 'berserkr.js'))) args.before = resolve(value);
    else if (flag === '--lake' && value !== undefined) args.lake = resolve(value);
    else if (flag === '--run-id' && value !== undefined) args.runId = value;
    else if (flag === '--child' && argv[i + 3] !== undefined) (args.child = { dist: value, lake: argv[i + 2], runId: argv[i + 3] }), (i += 2);
    else {
      throw new EvaluateBenchError(
        `unknown option or bad value: ${flag} ${value ?? ''} (expected --scale N, --shards N, --train-groups N, --repeat N, --as-of ISO-TIME, --raw DIR, --before DIST-DIR holding cli/berserkr.js, --lake DIR, --run-id ID)`,
      );
    }
    i++;
  }
  if (args.runId !== undefined && args.lake === undefined) throw new EvaluateBenchError('--run-id names a run of the lake --lake names: pass both');
  return args;
}

/** Runs `berserkr <args>` of the build in `dist` with the lake and configuration; its stdout. @throws EvaluateBenchError when it fails. */
function berserkr(dist: string, lake: string, args: string[], timeFile?: string): string {
  const command = [join(dist, 'cli', 'berserkr.js'), ...args, '--lake', lake, '--config', CONFIG, '--log-format', 'json'];
  const r = timeFile === undefined
    ? spawnSync(process.execPath, command, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 })
    : spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, ...command], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new EvaluateBenchError(`berserkr ${args.join(' ')} (${dist}) exited with ${r.status}: ${r.stderr.toString('utf8').trimEnd().split('\n').slice(-3).join('\n')}`);
  return r.stdout.toString('utf8');
}

/** Builds the lake: the scaled data ingested, a small model trained, and run `runId` scored in `args.shards` shards and committed. */
async function buildLake(args: Args, work: string, lake: string, runId: string): Promise<void> {
  let raw = args.raw;
  if (args.scale > 1) {
    raw = join(work, `raw-${args.scale}x`);
    mkdirSync(raw);
    await writeScaled(args.raw, raw, args.scale, 'gzip');
  }
  berserkr(THIS_BUILD, lake, ['ingest', '--raw', raw]);
  berserkr(THIS_BUILD, lake, ['train', '--as-of', args.asOf, '--train-cutoffs', '1', '--epochs', '1', '--train-groups', String(args.trainGroups), '--members', '1']);
  for (let i = 0; i < args.shards; i++) berserkr(THIS_BUILD, lake, ['score', '--as-of', args.asOf, '--shard', `${i}/${args.shards}`, '--run-id', runId]);
}

interface Evaluation {
  wallSeconds: number;
  peakRssMib: number;
  /** The metrics its JSON summary prints. */
  metrics: Record<string, number>;
}

/** `berserkr evaluate --run-id` of the build in `dist`, under GNU time. */
function timeEvaluate(dist: string, lake: string, runId: string): Evaluation {
  const timeFile = `${lake}.time`;
  const { metrics } = JSON.parse(berserkr(dist, lake, ['evaluate', '--run-id', runId, '--output', 'json'], timeFile)) as { metrics: Record<string, number> };
  const [wall, rssKib] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  rmSync(timeFile, { force: true });
  return { wallSeconds: wall, peakRssMib: rssKib / 1024, metrics };
}

/** Resident set size of this process (`VmRSS`), or its peak since the last reset (`VmHWM`), in MiB (Linux). */
function rssMib(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

/** What the child measures of one evaluation with the events held. */
interface Alone {
  /** RSS once the events are indexed and the garbage collected, MiB. */
  startMib: number;
  /** Peak RSS during `evaluateCommitted` above `startMib` (0 or less when it stays below), MiB. */
  growthMib: number;
  /** RSS once it returned, MiB. */
  endMib: number;
  seconds: number;
}

/**
 * In this process (started with `--expose-gc`): indexes the lake's events, collects the
 * garbage, resets the peak RSS (`5` in /proc/self/clear_refs, Linux ≥ 4.0) and runs
 * `evaluateCommitted` of the build in `dist` on run `runId`; prints its {@link Alone} as one JSON line.
 */
async function child({ dist, lake, runId }: NonNullable<Args['child']>): Promise<void> {
  const { config, index } = await lakeEvents(lake, CONFIG);
  const catalog = new Catalog(new FileStore(lake), config.name);
  const meta = await catalog.exports.loadMetadata(runId);
  const { evaluateCommitted } = require(resolve(dist, 'evaluation', 'runner.js')) as typeof Runner;
  const run = new RunRecorder({ command: 'bench-evaluate', code: { version: 'bench', commit: null, dirty: false } });
  const ctx = { log: createLogger({ format: 'json', level: 'warn' }), progress: NO_PROGRESS, catalog, config, run, signal: new AbortController().signal, fence: NO_LOCK_FENCE };
  (globalThis as { gc?: () => void }).gc?.();
  const startMib = rssMib('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5');
  const t0 = performance.now();
  await evaluateCommitted(ctx, index, meta);
  const seconds = (performance.now() - t0) / 1000;
  const alone: Alone = { startMib, growthMib: rssMib('VmHWM') - startMib, endMib: rssMib('VmRSS'), seconds };
  process.stdout.write(`${JSON.stringify(alone)}\n`);
}

/** {@link child} of the build in `dist` in its own process. */
function timeAlone(dist: string, lake: string, runId: string): Alone {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', dist, lake, runId], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new EvaluateBenchError(`evaluateCommitted of ${dist} exited with ${r.status}: ${r.stderr.toString('utf8').trimEnd().split('\n').slice(-3).join('\n')}`);
  return JSON.parse(r.stdout.toString('utf8')) as Alone;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child !== undefined) return child(args.child);
  const work = mkdtempSync(join(tmpdir(), 'bench-evaluate-'));
  const lake = args.lake ?? join(work, 'lake');
  try {
    const runId = args.runId ?? `20000101T000000Z-${randomBytes(3).toString('hex')}`;
    const t0 = Date.now();
    if (args.runId === undefined) await buildLake(args, work, lake, runId);
    const meta = await new Catalog(new FileStore(lake), DATASET).exports.loadMetadata(runId);
    process.stdout.write(
      `lake ${lake}: run ${runId} as of ${meta.asOf} in ${meta.shards} shards: ${meta.pairs} scored pairs in ${meta.scores.length} parts, `
        + `${meta.rows} list rows${args.runId === undefined ? ` (${args.scale}x customers, set-up ${((Date.now() - t0) / 1000).toFixed(0)} s)` : ''}\n`,
    );
    const builds: [string, string][] = [['this build', THIS_BUILD], ...(args.before === undefined ? [] : [['before', args.before] as [string, string]])];
    const command = new Map<string, Evaluation[]>(builds.map(([name]) => [name, []]));
    const alone = new Map<string, Alone[]>(builds.map(([name]) => [name, []]));
    const load: number[] = [];
    for (let round = 0; round < args.repeat; round++) {
      for (const [name, dist] of round % 2 === 0 ? [...builds].reverse() : builds) {
        command.get(name)!.push(timeEvaluate(dist, lake, runId));
        alone.get(name)!.push(timeAlone(dist, lake, runId));
      }
      load.push(loadavg()[0]);
    }
    const rows: [string, (name: string) => number, number][] = [
      ['berserkr evaluate: peak RSS MiB', (name) => median(command.get(name)!.map((x) => x.peakRssMib)), 0],
      ['                   wall s', (name) => median(command.get(name)!.map((x) => x.wallSeconds)), 1],
      ['evaluation alone:  RSS at start MiB', (name) => median(alone.get(name)!.map((x) => x.startMib)), 0],
      ['                   peak growth MiB', (name) => median(alone.get(name)!.map((x) => x.growthMib)), 0],
      ['                   RSS at end MiB', (name) => median(alone.get(name)!.map((x) => x.endMib)), 0],
      ['                   s', (name) => median(alone.get(name)!.map((x) => x.seconds)), 1],
    ];
    const pad = Math.max(...rows.map(([label]) => label.length)) + 2;
    const lines = [`median of ${args.repeat}`.padEnd(pad) + builds.map(([name]) => name.padStart(12)).join('') + (builds.length > 1 ? '  this ÷ before' : '')];
    for (const [label, of, digits] of rows) {
      const v = builds.map(([name]) => of(name));
      lines.push(label.padEnd(pad) + v.map((x) => x.toFixed(digits).padStart(12)).join('') + (v.length > 1 ? `${(v[0] / v[1]).toFixed(2).padStart(14)}x` : ''));
    }
    const [mine, theirs] = builds.map(([name]) => command.get(name)![0].metrics);
    if (theirs !== undefined) {
      const differ = Object.keys({ ...mine, ...theirs }).filter((k) => !Object.is(mine[k], theirs[k]));
      lines.push(differ.length === 0 ? `metrics: the same ${Object.keys(mine).length} figures, bit for bit` : `metrics differ: ${differ.map((k) => `${k} ${mine[k]} vs ${theirs[k]}`).join(', ')}`);
    }
    lines.push(`model.ece ${mine['model.ece']}, model.logLoss ${mine['model.logLoss']}; 1-minute load average after each round: ${load.map((x) => x.toFixed(2)).join(', ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/evaluate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
