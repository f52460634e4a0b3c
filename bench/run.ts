/**
 * Whole-run benchmark: `berserkr run` on a fresh lake, on the bundled data and
 * on a data set with `--scale` times its customers, each in its own process
 * under GNU time; prints every step's time from the run records side by side
 * with the ratio scaled ÷ bundled, then each run's wall time and peak RSS, and
 * the bundled run's wall time against the 60 s reference (a third of the
 * pandas + XGBoost peer's three minutes, `../shared/protocol.md`).
 *
 * The scaled data set copies every line of the bundled months `--scale` times
 * (`bench/scaled-raw.ts`).
 *
 * Usage: `npm run build && node dist/bench/run.js [--scale 10]
 * [--as-of 2011-11-09T00:00:00Z] [--raw data/online-retail] [--skip-scaled]`.
 * Needs `lzop` and GNU time (`/usr/bin/time`); the scaled run needs about
 * 4 GiB of memory at scale 10 (`docs/training-budget.md`, "Memory").
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { RunRecords } from '../lib/catalog';
import { FileStore } from '../lib/store/file';
import { writeScaled } from './scaled-raw';

/** The bundled data set's configuration, which the scaled copy keeps. */
const CONFIG = 'config/online-retail.yaml';
const DATASET = 'online-retail';

/** A bench setting that cannot be used. */
export class RunBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunBenchSetupError';
  }
}

interface Args {
  scale: number;
  asOf: string;
  raw: string;
  scaled: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 10, asOf: '2011-11-09T00:00:00Z', raw: 'data/online-retail', scaled: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--skip-scaled') args.scaled = false;
    else if (flag === '--scale' && /^[2-9]\d*$|^1\d+$/.test(value ?? '')) (args.scale = Number(value)), i++;
    else if (flag === '--as-of' && value !== undefined) (args.asOf = value), i++;
    else if (flag === '--raw' && value !== undefined) (args.raw = value), i++;
    else throw new RunBenchSetupError(`unknown option or bad value: ${flag} ${value ?? ''} (expected --scale N >= 2, --as-of ISO-TIME, --raw DIR, --skip-scaled)`);
  }
  return args;
}

interface RunFigures {
  wallSeconds: number;
  peakRssMib: number;
  steps: Map<string, number>;
}

/** `berserkr run` into a fresh lake under GNU time; the steps from its run record. */
async function timeRun(raw: string, lake: string, asOf: string): Promise<RunFigures> {
  const timeFile = `${lake}.time`;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, 'dist/cli/berserkr.js', 'run', '--raw', raw, '--lake', lake, '--config', CONFIG, '--as-of', asOf, '--log-format', 'json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new RunBenchSetupError(`berserkr run --raw ${raw} exited with ${r.status}: ${r.stderr.toString('utf8').trimEnd().split('\n').slice(-5).join('\n')}`);
  const [wall, rssKib] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  const runs = new RunRecords(new FileStore(lake), DATASET);
  const [runId] = await runs.list({ limit: 1 });
  if (runId === undefined) throw new RunBenchSetupError(`no run record in ${lake}/${runs.root}`);
  const { steps } = await runs.load(runId);
  const byName = new Map<string, number>();
  for (const s of steps) byName.set(s.name, (byName.get(s.name) ?? 0) + s.ms / 1000); // scoring records its steps once per batch of customers
  return { wallSeconds: wall, peakRssMib: rssKib / 1024, steps: byName };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'bench-run-'));
  try {
    const load = loadavg()[0];
    const runs: [string, RunFigures][] = [['bundled', await timeRun(args.raw, join(work, 'lake-1'), args.asOf)]];
    if (args.scaled) {
      const scaledRaw = join(work, `raw-${args.scale}x`);
      mkdirSync(scaledRaw);
      await writeScaled(args.raw, scaledRaw, args.scale);
      runs.push([`${args.scale}x customers`, await timeRun(scaledRaw, join(work, `lake-${args.scale}`), args.asOf)]);
    }
    const names = [...new Set(runs.flatMap(([, f]) => [...f.steps.keys()]))];
    const pad = Math.max(...names.map((n) => n.length), 10);
    const lines = [`${'step'.padEnd(pad)}  ${runs.map(([n]) => n.padStart(14)).join('  ')}${runs.length > 1 ? '   ratio' : ''}`];
    for (const name of names) {
      const s = runs.map(([, f]) => f.steps.get(name));
      const ratio = s.length > 1 && s[0] !== undefined && s[1] !== undefined && s[0] > 0 ? `  ${(s[1] / s[0]).toFixed(2)}x` : '';
      lines.push(`${name.padEnd(pad)}  ${s.map((v) => (v === undefined ? '-' : `${v.toFixed(1)} s`).padStart(14)).join('  ')}${ratio}`);
    }
    lines.push(`${'wall'.padEnd(pad)}  ${runs.map(([, f]) => `${f.wallSeconds.toFixed(1)} s`.padStart(14)).join('  ')}`);
    lines.push(`${'peak RSS'.padEnd(pad)}  ${runs.map(([, f]) => `${f.peakRssMib.toFixed(0)} MiB`.padStart(14)).join('  ')}`);
    const bundled = runs[0][1].wallSeconds;
    lines.push(`bundled run against the 60 s reference (a third of the peer's 180 s): ${bundled.toFixed(1)} s = ${(bundled / 60).toFixed(2)}x; 1-minute load average at start ${load.toFixed(2)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
