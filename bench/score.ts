/**
 * Scoring benchmark: berserkr's streamed scoring path (`scoreStep`: the
 * cut-off's shared feature work once, then per customer batch features → forward
 * pass and calibration → ranking → scored-pair Parquet parts → top-K lists →
 * commit of the CSV and Parquet export) on a data set scaled up from the real
 * one, at 1/4, 1/2 and the full size, each in its own child process so peak RSS
 * (`VmHWM` of /proc/self/status) is per size: of the whole child, and of the
 * score step alone (the peak is reset before it). Prints one row per size and the
 * ratios between consecutive sizes; the 1-minute load average is printed with
 * each row, since other work on the machine moves the wall-clock figures.
 *
 * Usage: `npm run build && node dist/bench/score.js [--lake lake]
 * [--config config/online-retail.yaml] [--customers 200000] [--items 20000]
 * [--batch-customers N] [--threads N] [--seed 1]`. The lake must hold the
 * ingested real data (`berserkr ingest --lake …`): its purchase events give the
 * distributions. `--batch-customers` and `--threads` (the forward pass's) default
 * to the score step's defaults.
 *
 * The scaled data set is drawn from the real distributions: each synthetic
 * customer copies a random real customer's number of orders and first-order time,
 * later orders follow real inter-order gaps (days), basket sizes follow real
 * basket sizes, and each basket line re-buys one of the customer's own earlier
 * items with the real repeat share, else draws an item from the real popularity
 * curve stretched to `--items` items. The model is the production architecture
 * (`buildModel` with the merged spec of the default ensemble, untrained weights, preprocessing fitted
 * on the scaled data) saved in a temporary lake: the forward pass costs the
 * same as a trained one's. Customers scale with the size; items stay fixed.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeatureSet, FEATURE_NAMES } from '../features/build';
import { buildEventIndex, EventIndex } from '../features/event-index';
import { purchaseEvents } from '../features/events';
import type { PurchaseEvents } from '../features/types';
import { Catalog } from '../lib/catalog';
import { loadConfig } from '../lib/config';
import type { DatasetConfig } from '../lib/config-types';
import { createLogger } from '../lib/log';
import { NO_PROGRESS } from '../lib/progress';
import { RunRecorder } from '../lib/runs';
import { NO_LOCK_FENCE, type StageContext } from '../lib/stage-context';
import { DAY_MS } from '../lib/schema';
import { openStore } from '../lib/store/open';
import { scoreStep } from '../scoring/runner';
import { DEFAULT_BATCH_CUSTOMERS, defaultForwardThreads } from '../scoring/settings';
import { selectBackend } from '../training/backend';
import { mergedSpec } from '../training/ensemble';
import { DEFAULT_MEMBERS } from '../training/train';
import { buildModel, DEFAULT_MODEL_SPEC } from '../training/model';
import { fitPreprocessing } from '../training/preprocess';
import { saveModel } from '../training/registry';
import { Prng } from '../lib/prng';
import { lowerBound } from '../ranking/ranges';

/** A bench setting that cannot be used. */
export class ScoreBenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoreBenchSetupError';
  }
}

interface Args {
  lake: string;
  config: string;
  customers: number;
  items: number;
  batchCustomers: number;
  threads: number;
  seed: number;
  /** Internal: the child's size fraction. */
  fraction?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { lake: 'lake', config: 'config/online-retail.yaml', customers: 200_000, items: 20_000, batchCustomers: DEFAULT_BATCH_CUSTOMERS, threads: defaultForwardThreads(), seed: 1 };
  const ints: Record<string, 'customers' | 'items' | 'batchCustomers' | 'threads' | 'seed'> = {
    '--customers': 'customers',
    '--items': 'items',
    '--batch-customers': 'batchCustomers',
    '--threads': 'threads',
    '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new ScoreBenchSetupError(`${flag}: expected a value`);
    if (flag === '--lake') args.lake = value;
    else if (flag === '--config') args.config = value;
    else if (flag in ints && /^[1-9]\d*$/.test(value)) args[ints[flag]] = Number(value);
    else if (flag === '--fraction' && Number(value) > 0 && Number(value) <= 1) args.fraction = Number(value);
    else throw new ScoreBenchSetupError(`unknown option or bad value: ${flag} ${value} (expected --lake URI, --config FILE, --customers N, --items N, --batch-customers N, --threads N, --seed N)`);
  }
  return args;
}

/** Empirical distributions of the real purchase events. */
interface RealDistributions {
  /** Per real customer: number of orders and first-order time (ms). */
  orders: Int32Array;
  firstTime: Float64Array;
  /** Days between consecutive orders of a customer. */
  gapDays: Float64Array;
  /** Lines (events) per order. */
  basketSize: Int32Array;
  /** Event count per real item, descending. */
  popularity: Float64Array;
  /** Share of events whose item the customer bought before. */
  repeatShare: number;
  /** Last event time (ms). */
  end: number;
}

function realDistributions(index: EventIndex): RealDistributions {
  const { events } = index;
  const orders = new Int32Array(index.nCustomers);
  const firstTime = new Float64Array(index.nCustomers).fill(Infinity);
  const gaps: number[] = [];
  const lastOrderTime = new Float64Array(index.nCustomers).fill(NaN);
  const basketSize = new Int32Array(index.nOrders);
  for (let o = 0; o < index.nOrders; o++) {
    const from = index.byOrder.offsets[o];
    const to = index.byOrder.offsets[o + 1];
    basketSize[o] = to - from;
  }
  const seenOrder = new Uint8Array(index.nOrders);
  const seenPair = new Set<number>();
  let repeats = 0;
  for (let e = 0; e < index.nEvents; e++) {
    const c = events.customer[e];
    if (seenPair.has(c * index.nItems + events.item[e])) repeats++;
    else seenPair.add(c * index.nItems + events.item[e]);
    if (seenOrder[events.order[e]] === 1) continue;
    seenOrder[events.order[e]] = 1;
    orders[c]++;
    firstTime[c] = Math.min(firstTime[c], events.time[e]);
    if (!Number.isNaN(lastOrderTime[c])) gaps.push((events.time[e] - lastOrderTime[c]) / DAY_MS);
    lastOrderTime[c] = events.time[e];
  }
  const popularity = Float64Array.from({ length: index.nItems }, (_, i) => index.byItem.offsets[i + 1] - index.byItem.offsets[i]).sort().reverse();
  return {
    orders,
    firstTime,
    gapDays: Float64Array.from(gaps),
    basketSize: basketSize.filter((b) => b > 0),
    popularity,
    repeatShare: repeats / index.nEvents,
    end: events.time[index.nEvents - 1],
  };
}

/** An append-only typed column (capacity doubles), so millions of events never sit in plain arrays. */
class GrowingColumn<T extends Int32Array | Float64Array> {
  private data: T;
  length = 0;

  constructor(private readonly make: new (n: number) => T) {
    this.data = new make(1 << 16);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new this.make(2 * this.length);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The values pushed, in a buffer of their size. */
  values(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/**
 * Purchase events of `customers` synthetic customers and `items` items drawn
 * from `real` (see the file comment), in the PurchaseEvents contract: sorted by
 * time (ties by customer, then item), dense ids by first appearance.
 */
function scaledEvents(real: RealDistributions, customers: number, items: number, rng: Prng): PurchaseEvents {
  const pick = <T extends { length: number; [i: number]: number }>(a: T): number => a[Math.floor(rng.next() * a.length)];
  // Orders: (time, customer), then sorted by time.
  const orderTime: number[] = [];
  const orderCustomer: number[] = [];
  for (let c = 0; c < customers; c++) {
    const template = Math.floor(rng.next() * real.orders.length);
    let t = real.firstTime[template];
    for (let k = 0; k < real.orders[template] && t <= real.end; k++) {
      orderTime.push(Math.floor(t));
      orderCustomer.push(c);
      t += Math.max(1, pick(real.gapDays)) * DAY_MS;
    }
  }
  const byTime = Int32Array.from(orderTime.keys()).sort((a, b) => orderTime[a] - orderTime[b] || orderCustomer[a] - orderCustomer[b]);
  // Popularity stretched to `items`, as a cumulative distribution.
  const cumulative = new Float64Array(items);
  for (let j = 0, s = 0; j < items; j++) cumulative[j] = s += real.popularity[Math.floor((j * real.popularity.length) / items)];
  const drawItem = (): number => {
    return lowerBound(cumulative, rng.next() * cumulative[items - 1], 0, items - 1);
  };
  const own: number[][] = Array.from({ length: customers }, () => []);
  const cols = { customer: new GrowingColumn(Int32Array), item: new GrowingColumn(Int32Array), time: new GrowingColumn(Float64Array), order: new GrowingColumn(Int32Array) };
  const customerDense = new Int32Array(customers).fill(-1);
  const itemDense = new Int32Array(items).fill(-1);
  const customerIds: string[] = [];
  const itemIds: string[] = [];
  byTime.forEach((o, orderIndex) => {
    const c = orderCustomer[o];
    const basket = new Set<number>();
    const size = pick(real.basketSize);
    for (let k = 0; k < size; k++) basket.add(own[c].length > 0 && rng.next() < real.repeatShare ? own[c][Math.floor(rng.next() * own[c].length)] : drawItem());
    if (customerDense[c] < 0) customerDense[c] = customerIds.push(`C${String(c).padStart(7, '0')}`) - 1;
    for (const it of [...basket].sort((a, b) => a - b)) {
      if (itemDense[it] < 0) itemDense[it] = itemIds.push(`I${String(it).padStart(6, '0')}`) - 1;
      if (!own[c].includes(it)) own[c].push(it);
      cols.customer.push(customerDense[c]);
      cols.item.push(itemDense[it]);
      cols.time.push(orderTime[o]);
      cols.order.push(orderIndex);
    }
  });
  const n = cols.customer.length;
  return {
    customer: cols.customer.values(),
    item: cols.item.values(),
    time: cols.time.values(),
    quantity: new Float32Array(n).fill(1),
    spend: new Float32Array(n).fill(2.5),
    order: cols.order.values(),
    customerIds,
    itemIds,
  };
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

/** Bytes of the purchase events' typed columns and of their index: the part of memory that grows with events. */
function indexBytes(index: EventIndex): number {
  const { customer, item, time, quantity, spend, order } = index.events;
  const csrs = [index.byCustomer, index.byItem, index.byOrder];
  return [customer, item, time, quantity, spend, order, index.day, ...csrs.flatMap((c) => [c.offsets, c.events])].reduce((s, a) => s + a.byteLength, 0);
}

/** 1-minute load average (Linux). */
function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Resets this process's peak RSS to its current RSS (Linux ≥ 4.0: `5` in /proc/self/clear_refs). */
function resetPeakRss(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

/** Peak resident set size of this process in bytes (`VmHWM`, Linux). */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** One size, in this process: prints one JSON line of figures. */
/** The real data's distributions (the clean table is garbage once they are read). */
async function readDistributions(args: Args, config: DatasetConfig): Promise<RealDistributions> {
  const clean = await new Catalog(openStore(args.lake), config.name).clean.load();
  if (clean.numRows === 0) throw new ScoreBenchSetupError(`no clean data of data set "${config.name}" in lake ${args.lake}: run berserkr ingest --lake ${args.lake} first`);
  return realDistributions(buildEventIndex(purchaseEvents(clean, config.purchase)));
}

async function child(args: Args): Promise<void> {
  const fraction = args.fraction!;
  const config = loadConfig(readFileSync(args.config, 'utf8'), args.config);
  const real = await readDistributions(args, config);
  let t0 = performance.now();
  const events = scaledEvents(real, Math.round(args.customers * fraction), args.items, new Prng(args.seed));
  const index = buildEventIndex(events);
  const generateS = seconds(t0);
  const asOf = events.time[events.time.length - 1] + 1;

  const dir = await mkdtemp(join(tmpdir(), 'berserkr-bench-score-'));
  try {
    const catalog = new Catalog(openStore(dir), config.name);
    const backend = await selectBackend();
    const sample = buildFeatureSet(index, asOf, { customers: Int32Array.from({ length: Math.min(2000, index.nCustomers) }, (_, i) => i) });
    const member = { ...DEFAULT_MODEL_SPEC, hidden: [...DEFAULT_MODEL_SPEC.hidden], features: FEATURE_NAMES.length, customers: index.nCustomers, items: index.nItems };
    const spec = mergedSpec(Array.from({ length: DEFAULT_MEMBERS }, () => member));
    const modelId = 'bench-untrained';
    await saveModel(catalog, {
      modelId,
      backend,
      configHash: 'bench',
      featureNames: [...FEATURE_NAMES],
      vocab: { customers: index.nCustomers, items: index.nItems },
      spec,
      preprocessing: fitPreprocessing([sample]),
      calibration: { method: 'platt', a: 1, b: 0 },
      metrics: {},
      history: [],
      model: buildModel(spec),
    });
    const ctx: StageContext = {
      log: createLogger({ format: 'json', level: 'warn' }),
      progress: NO_PROGRESS,
      catalog,
      config,
      run: new RunRecorder({ command: 'bench-score', code: { version: 'bench', commit: null, dirty: false } }),
      signal: new AbortController().signal,
      fence: NO_LOCK_FENCE,
    };
    const setupPeak = peakRss();
    resetPeakRss();
    t0 = performance.now();
    const result = await scoreStep(ctx, index, { asOf, horizonDays: 30, k: 10, modelId, batchCustomers: args.batchCustomers, threads: args.threads, collect: false });
    const wallS = seconds(t0);
    const steps = ctx.run.snapshot().steps;
    const stepS = (...names: string[]): number => steps.filter((s) => names.includes(s.name)).reduce((s, x) => s + x.ms, 0) / 1000;
    const figures: Figures = {
      fraction,
      backend,
      threads: args.threads,
      customers: result.marker.customers,
      items: index.nItems,
      events: index.nEvents,
      pairs: result.marker.pairs,
      generateS,
      wallS,
      prepareS: stepS('features.prepare'),
      featuresS: stepS('features.prepare', 'features'),
      forwardS: stepS('score'),
      rankS: stepS('rank'),
      writeS: stepS('publish', 'commit'),
      scoringPeakRss: peakRss(),
      peakRss: Math.max(setupPeak, peakRss()),
      indexBytes: indexBytes(index),
      load: loadAverage(),
    };
    process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One size's figures (times in seconds of the score step's timed steps). */
interface Figures {
  fraction: number;
  backend: string;
  threads: number;
  customers: number;
  items: number;
  events: number;
  pairs: number;
  /** Building the scaled data set and its index (not scoring). */
  generateS: number;
  /** The whole score step. */
  wallS: number;
  /** The cut-off's shared feature work (once). */
  prepareS: number;
  /** All feature building: the shared work and every batch's. */
  featuresS: number;
  /** Forward pass and calibration. */
  forwardS: number;
  /** Ranking every pair and the top K. */
  rankS: number;
  /** Scored-pair parts, lists and the committed export. */
  writeS: number;
  /** Peak RSS of the whole child: generation, index, model, scoring. */
  peakRss: number;
  /** Peak RSS while the score step runs (the peak is reset before it). */
  scoringPeakRss: number;
  /** Events and their index (`indexBytes`). */
  indexBytes: number;
  load: number;
}

function runChild(argv: string[], fraction: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const p = fork(__filename, [...argv, '--fraction', String(fraction)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Figures) : reject(new Error(`size ${fraction}: child exited ${code}`))));
  });
}

const MIB = 2 ** 20;

/** Columns of the table: header, width, value of a size's figures. */
const COLUMNS: [string, number, (f: Figures) => string][] = [
  ['size', 5, (f) => String(f.fraction)],
  ['customers', 9, (f) => String(f.customers)],
  ['events', 9, (f) => String(f.events)],
  ['pairs', 10, (f) => String(f.pairs)],
  ['features s', 10, (f) => f.featuresS.toFixed(1)],
  ['(shared s)', 10, (f) => f.prepareS.toFixed(1)],
  ['forward pairs/s', 15, (f) => String(Math.round(f.pairs / f.forwardS))],
  ['rank s', 6, (f) => f.rankS.toFixed(1)],
  ['write s', 7, (f) => f.writeS.toFixed(1)],
  ['wall s', 6, (f) => f.wallS.toFixed(1)],
  ['end-to-end pairs/s', 18, (f) => String(Math.round(f.pairs / f.wallS))],
  ['peak RSS MiB', 12, (f) => String(Math.round(f.peakRss / MIB))],
  ['scoring peak MiB', 16, (f) => String(Math.round(f.scoringPeakRss / MIB))],
  ['(index MiB)', 11, (f) => String(Math.round(f.indexBytes / MIB))],
  ['load', 5, (f) => f.load.toFixed(2)],
];

/** Growth from one size to the next: how customers, pairs, time and memory scale. */
function ratios(a: Figures, b: Figures): string {
  const r = (x: number, y: number): string => `×${(y / x).toFixed(2)}`;
  return (
    `${a.fraction} → ${b.fraction}: customers ${r(a.customers, b.customers)}, pairs ${r(a.pairs, b.pairs)}, ` +
    `features s ${r(a.featuresS, b.featuresS)}, forward s ${r(a.forwardS, b.forwardS)}, wall s ${r(a.wallS, b.wallS)}, ` +
    `peak RSS ${r(a.peakRss, b.peakRss)}, scoring peak − index ${r(a.scoringPeakRss - a.indexBytes, b.scoringPeakRss - b.indexBytes)}`
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.fraction !== undefined) return child(args);
  const sizes: Figures[] = [];
  for (const fraction of [0.25, 0.5, 1]) {
    const f = await runChild(argv, fraction);
    if (sizes.length === 0) {
      process.stdout.write(`backend ${f.backend}, ${f.threads} forward thread(s), ${f.items} items, batches of ${args.batchCustomers} customers\n`);
      process.stdout.write(COLUMNS.map(([h, w]) => h.padStart(w)).join('  ') + '\n');
    }
    sizes.push(f);
    process.stdout.write(COLUMNS.map(([, w, v]) => v(f).padStart(w)).join('  ') + '\n');
  }
  for (let i = 1; i < sizes.length; i++) process.stdout.write(ratios(sizes[i - 1], sizes[i]) + '\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench/score: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
