/**
 * Feature engine benchmark: the feature work of one `berserkr run` on one
 * thread, per cut-off of its schedule (six training cut-offs, the validation
 * cut-off and the as-of time): the labelled candidates (`labelledCandidates`,
 * the training's first pass), then the cut-off's shared work (`prepareCutoff`)
 * and every candidate's features (`buildFeatureSet`). With `--before`, the same
 * functions of another build (e.g. the previous commit's `dist/`) on the same
 * event index, rounds alternating: the median of each part, the ratios this
 * build ÷ that one, and whether both give the same bytes (candidates, labels
 * and features, by SHA-256).
 *
 * Usage: `npm run build && node dist/bench/features.js [--lake lake]
 * [--config config/online-retail.yaml] [--as-of 2011-11-09T00:00:00Z]
 * [--repeat 3] [--before <dist of another build>]`. The lake must hold the
 * ingested data (`berserkr ingest --lake …`).
 */
import { createHash } from 'crypto';
import { loadavg } from 'os';
import { resolve } from 'path';
import { performance } from 'perf_hooks';
import type * as Build from '../features/build';
import type { EventIndex } from '../features/event-index';
import type * as Labelled from '../features/labelled-candidates';
import { commonOptions } from '../cli/options';
import { trainingSchedule } from '../training/schedule';
import { lakeEvents } from './lake-events';

const PARTS = ['candidates', 'prepare', 'features'] as const;
type Part = (typeof PARTS)[number];

/** The functions timed, from one build. */
interface Engine {
  labelledCandidates: typeof Labelled.labelledCandidates;
  prepareCutoff: typeof Build.prepareCutoff;
  buildFeatureSet: typeof Build.buildFeatureSet;
}

function engineOf(dist: string): Engine {
  const { labelledCandidates } = require(resolve(dist, 'features', 'labelled-candidates.js')) as typeof Labelled;
  const { prepareCutoff, buildFeatureSet } = require(resolve(dist, 'features', 'build.js')) as typeof Build;
  return { labelledCandidates, prepareCutoff, buildFeatureSet };
}

/** One round over the cut-offs: ms per part and the SHA-256 of everything built. */
function round(engine: Engine, index: EventIndex, cutoffs: readonly number[]): { ms: Record<Part, number>; digest: string } {
  const ms: Record<Part, number> = { candidates: 0, prepare: 0, features: 0 };
  const hash = createHash('sha256');
  const timed = <T>(part: Part, f: () => T): T => {
    const t0 = performance.now();
    const out = f();
    ms[part] += performance.now() - t0;
    return out;
  };
  for (const cutoff of cutoffs) {
    const labelled = timed('candidates', () => engine.labelledCandidates(index, cutoff));
    const prepared = timed('prepare', () => engine.prepareCutoff(index, cutoff));
    const fs = timed('features', () => engine.buildFeatureSet(index, cutoff, { prepared }));
    for (const a of [labelled.customers, labelled.offsets, labelled.label, fs.customer, fs.item, fs.values]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return { ms, digest: hash.digest('hex') };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(argv: string[]): Promise<void> {
  const option = (name: string, fallback: string): string => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? '') : fallback);
  const lake = option('--lake', 'lake');
  const asOf = Date.parse(option('--as-of', '2011-11-09T00:00:00Z'));
  const repeat = Number(option('--repeat', '3'));
  const before = argv.includes('--before') ? option('--before', '') : undefined;
  if (before === '' || before?.startsWith('--')) throw new Error('--before: expected the dist folder of another build, e.g. <checkout>/dist');
  if (!Number.isFinite(asOf)) throw new Error(`--as-of: expected an ISO 8601 time, got ${JSON.stringify(option('--as-of', ''))}`);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: expected a positive integer, got ${JSON.stringify(option('--repeat', ''))}`);
  const { index } = await lakeEvents(lake, option('--config', 'config/online-retail.yaml'));
  const schedule = trainingSchedule(asOf, commonOptions.horizon().defaultValue as number, commonOptions.trainCutoffs().defaultValue as number);
  const cutoffs = [...schedule.train, schedule.validation, asOf];
  const builds: [string, Engine][] = [['this build', engineOf(resolve(__dirname, '..'))]];
  if (before !== undefined) builds.push([`before (${before})`, engineOf(before)]);
  console.log(`${cutoffs.length} cut-offs, ${new Date(cutoffs[0]).toISOString().slice(0, 10)} to ${new Date(asOf).toISOString().slice(0, 10)}; ${repeat} rounds${builds.length > 1 ? ', alternating' : ''}; load ${loadavg()[0].toFixed(2)}`);
  const times = builds.map(() => Object.fromEntries(PARTS.map((p) => [p, [] as number[]])) as Record<Part, number[]>);
  const digests = builds.map(() => new Set<string>());
  for (let r = 0; r < repeat; r++) {
    builds.forEach(([, engine], b) => {
      const { ms, digest } = round(engine, index, cutoffs);
      for (const p of PARTS) times[b][p].push(ms[p]);
      digests[b].add(digest);
    });
  }
  const columns = [...PARTS, 'total'];
  console.log(['build'.padEnd(40), ...columns.map((c) => c.padStart(11))].join(''));
  const medians = times.map((t) => [...PARTS.map((p) => median(t[p])), median(t.candidates.map((_, i) => PARTS.reduce((s, p) => s + t[p][i], 0)))]);
  builds.forEach(([name], b) => console.log([name.padEnd(40), ...medians[b].map((m) => `${m.toFixed(0)} ms`.padStart(11))].join('')));
  if (builds.length > 1) {
    console.log(['ratio this ÷ before'.padEnd(40), ...medians[0].map((m, k) => (m / medians[1][k]).toFixed(2).padStart(11))].join(''));
    const same = digests.every((d) => d.size === 1) && [...digests[0]][0] === [...digests[1]][0];
    console.log(`same candidates, labels and features: ${same ? 'yes' : 'NO'} (sha256 ${[...digests[0]][0].slice(0, 16)}…)`);
    if (!same) process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
