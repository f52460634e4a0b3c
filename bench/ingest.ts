/**
 * Ingest benchmark: berserkr against a reference pipeline on the same raw
 * objects, alternating in one bench run, printing wall times, MB/s of
 * (decompressed) CSV and the ratios. berserkr is timed twice: the whole
 * `berserkr ingest` process (start-up, locations, run record included; what a
 * user waits for) and `ingestAll` in this process (the stage alone).
 *
 * Reference, per raw object (the same unit of work as berserkr's): `lzop -dc`
 * (Debian package lzop) into a FIFO read by DuckDB's CSV reader
 * (`@duckdb/node-api`, a dev dependency used only here), with the typing and
 * cleaning of the data-set configuration expressed in SQL (column types, the time
 * format, the text transforms, required columns, lineage `source_object`), written
 * as zstd Parquet. DuckDB uses every core; berserkr one thread plus lzop's.
 *
 * Usage: `npm run build && node dist/bench/ingest.js [--raw data/online-retail]
 * [--config config/online-retail.yaml] [--repeat 3] [--workers 0] [--encode-threads N]`
 * (by default the encoder threads `berserkr ingest` starts on this machine).
 * Needs `lzop` on the PATH.
 */
import { execFileSync, spawn } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createLzoRegistry, ingestAll, readLzop } from '../ingest';
import { keptColumnName, loadConfig } from '../lib/config';
import { ColumnMapping, DatasetConfig } from '../lib/config-types';
import { defaultEncoderThreads } from '../lib/parquet-encoder';
import { FileStore } from '../lib/store/file';

/** A bench setting that cannot be used. */
export class BenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchSetupError';
  }
}

interface Args {
  raw: string;
  config: string;
  repeat: number;
  workers: number;
  encodeThreads: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { raw: 'data/online-retail', config: 'config/online-retail.yaml', repeat: 3, workers: 0, encodeThreads: defaultEncoderThreads() };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new BenchSetupError(`${flag}: expected a value`);
    if (flag === '--raw') args.raw = value;
    else if (flag === '--config') args.config = value;
    else if (flag === '--repeat' && /^[1-9]\d*$/.test(value)) args.repeat = Number(value);
    else if (flag === '--workers' && /^\d+$/.test(value)) args.workers = Number(value);
    else if (flag === '--encode-threads' && /^\d+$/.test(value)) args.encodeThreads = Number(value);
    else throw new BenchSetupError(`unknown option or bad value: ${flag} ${value} (expected --raw DIR, --config FILE, --repeat N, --workers N, --encode-threads N)`);
  }
  return args;
}

/** `M/D/YYYY H:mm`-style token format → DuckDB `strptime` format (`%m/%d/%Y %H:%M`). */
export function strptimeFormat(format: string): string {
  const tokens: [string, string][] = [['YYYY', '%Y'], ['MM', '%m'], ['M', '%m'], ['DD', '%d'], ['D', '%d'], ['HH', '%H'], ['H', '%H'], ['mm', '%M'], ['m', '%M'], ['ss', '%S'], ['s', '%S']];
  let out = '';
  for (let i = 0; i < format.length; ) {
    const t = tokens.find(([k]) => format.startsWith(k, i));
    if (t) {
      out += t[1];
      i += t[0].length;
    } else {
      out += format[i] === '%' ? '%%' : format[i];
      i++;
    }
  }
  return out;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The reference's SQL for one CSV: DuckDB `read_csv` with explicit column types,
 * then the configuration's transforms and required-column filter, to zstd Parquet.
 * @throws BenchSetupError for a configuration the reference cannot express (a zone other than UTC, no header, an encoding other than utf-8 or latin1, number separators).
 */
export function referenceSql(config: DatasetConfig, csvPath: string, objectKey: string, parquetPath: string): string {
  const c = config.columns;
  if (c.time.timezone !== 'UTC') throw new BenchSetupError(`reference pipeline: time zone ${c.time.timezone} is not supported (expected UTC)`);
  if (!config.csv.header) throw new BenchSetupError('reference pipeline: csv.header false is not supported');
  if (config.csv.encoding !== 'utf-8' && config.csv.encoding !== 'latin1') throw new BenchSetupError(`reference pipeline: csv.encoding ${config.csv.encoding} is not supported (expected utf-8 or latin1)`);
  if (config.csv.decimal_separator !== undefined || config.csv.thousands_separator !== undefined) {
    throw new BenchSetupError('reference pipeline: csv.decimal_separator and csv.thousands_separator are not supported');
  }
  const types = new Map<string, string>();
  for (const m of [c.customer, c.item, c.order]) if (m) types.set(m.column, 'VARCHAR');
  for (const k of [...c.keep, ...(c.ignore ?? [])]) types.set(k, 'VARCHAR');
  types.set(c.time.column, 'TIMESTAMP');
  if (c.quantity) types.set(c.quantity.column, 'INTEGER');
  if (c.price) types.set(c.price.column, 'DOUBLE');
  const text = (m: ColumnMapping) => {
    const col = ident(m.column);
    const v = m.transform === 'upper' ? `upper(${col})` : m.transform === 'lower' ? `lower(${col})` : m.transform === 'trim' ? `trim(${col})` : col;
    return `nullif(${v}, '')`;
  };
  const select = [
    `${text(c.customer)} AS customer_id`,
    `${text(c.item)} AS item_id`,
    `${ident(c.time.column)} AS event_time`,
    `${c.quantity ? ident(c.quantity.column) : 'NULL::INTEGER'} AS quantity`,
    `${c.price ? ident(c.price.column) : 'NULL::DOUBLE'} AS unit_price`,
    `${c.order ? text(c.order) : 'NULL::VARCHAR'} AS order_id`,
    ...c.keep.map((k) => `${ident(k)} AS ${ident(keptColumnName(k))}`),
    `${literal(objectKey)} AS source_object`,
  ];
  const required = [c.customer, c.item, c.time, c.quantity, c.price, c.order].filter((m): m is ColumnMapping => m !== undefined && m.required);
  const columns = [...types].map(([k, t]) => `${literal(k)}: ${literal(t)}`).join(', ');
  return `COPY (SELECT ${select.join(', ')}
    FROM read_csv(${literal(csvPath)}, header = true, delim = ${literal(config.csv.delimiter)}, quote = '"', escape = '"',
      strict_mode = false, ignore_errors = true, encoding = ${literal(config.csv.encoding === 'latin1' ? 'latin-1' : 'utf-8')},
      column_types = {${columns}}, timestampformat = ${literal(strptimeFormat(c.time.format))})
    ${required.length ? `WHERE ${required.map((m) => `${ident(m.column)} IS NOT NULL`).join(' AND ')}` : ''})
    TO ${literal(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`;
}

/** Runs the reference on every `.lzo` file of `rawDir`, writing Parquet into `out`; returns wall ms and clean rows. */
async function runReference(rawDir: string, keys: string[], config: DatasetConfig, out: string): Promise<{ ms: number; rows: number }> {
  // Loaded here so that nothing outside this bench needs the dev dependency.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const start = performance.now();
    for (const [i, key] of keys.entries()) {
      const fifo = join(out, `${i}.csv`);
      execFileSync('mkfifo', [fifo]);
      const lzop = spawn('sh', ['-c', 'exec lzop -dc "$1" > "$2"', 'sh', join(rawDir, key), fifo], { stdio: ['ignore', 'ignore', 'inherit'] });
      const exited = new Promise<void>((resolve, reject) => lzop.on('exit', (code) => (code === 0 ? resolve() : reject(new BenchSetupError(`lzop -dc ${key} exited with ${code}`)))));
      await conn.run(referenceSql(config, fifo, key, join(out, `${i}.parquet`)));
      await exited;
    }
    const ms = performance.now() - start;
    const counted = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${literal(join(out, '*.parquet'))})`);
    return { ms, rows: Number(counted.getRows()[0][0]) };
  } finally {
    conn.closeSync();
  }
}

/** Runs berserkr's `ingestAll` of `rawDir` into a fresh lake at `lakeDir`; returns wall ms and clean rows. */
async function runBerserkr(rawDir: string, config: DatasetConfig, args: Args, lakeDir: string): Promise<{ ms: number; rows: number }> {
  rmSync(lakeDir, { recursive: true, force: true });
  const start = performance.now();
  const result = await ingestAll(new FileStore(rawDir), new FileStore(lakeDir), config, { codecs: createLzoRegistry(), workers: args.workers, encodeThreads: args.encodeThreads });
  const ms = performance.now() - start;
  if (result.failed.length > 0) throw new BenchSetupError(`berserkr failed on ${result.failed.map((f) => `${f.key}: ${f.error.message}`).join('; ')}`);
  return { ms, rows: result.ingested.reduce((s, i) => s + i.entry.counts.clean, 0) };
}

/**
 * Runs `berserkr ingest` (this build's CLI) of `rawDir` into a fresh lake at `lakeDir`
 * as a child process with `--encode-threads`; returns the wall ms from spawn to exit
 * and the clean rows it reports (`--output json`).
 */
async function runCli(args: Args, lakeDir: string): Promise<{ ms: number; rows: number }> {
  rmSync(lakeDir, { recursive: true, force: true });
  const cli = join(__dirname, '..', 'cli', 'berserkr.js');
  const argv = [cli, 'ingest', '--raw', args.raw, '--lake', lakeDir, '--config', args.config, '--encode-threads', String(args.encodeThreads), '--output', 'json', '--log-level', 'error'];
  const start = performance.now();
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ms = performance.now() - start;
  if (code !== 0) throw new BenchSetupError(`berserkr ingest exited with ${code}: ${out}`);
  return { ms, rows: (JSON.parse(out) as { rows: { clean: number } }).rows.clean };
}

/**
 * Rows of berserkr's clean parts and of the reference's Parquet that the other
 * lacks (multiset difference both ways, DuckDB `EXCEPT ALL`) over every column the
 * reference writes; event times compared as ms since the epoch.
 */
async function differingRows(lakeDir: string, refDir: string, config: DatasetConfig): Promise<number> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const columns = ['customer_id', 'item_id', 'epoch_ms(event_time)', 'quantity', 'unit_price', 'order_id', ...config.columns.keep.map((k) => ident(keptColumnName(k))), 'source_object'].join(', ');
    const ours = `SELECT ${columns} FROM read_parquet(${literal(join(lakeDir, 'clean', '**', '*.parquet'))})`;
    const ref = `SELECT ${columns} FROM read_parquet(${literal(join(refDir, '*.parquet'))})`;
    const rows = await conn.runAndReadAll(`SELECT (SELECT count(*) FROM (${ours} EXCEPT ALL ${ref})) + (SELECT count(*) FROM (${ref} EXCEPT ALL ${ours}))`);
    return Number(rows.getRows()[0][0]);
  } finally {
    conn.closeSync();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig(readFileSync(args.config, 'utf8'), args.config);
  try {
    execFileSync('lzop', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new BenchSetupError('lzop is not on the PATH (Debian: apt-get install lzop); the reference pipeline needs it');
  }
  const raw = new FileStore(args.raw);
  const keys = (await raw.list('')).filter((o) => o.key.endsWith('.lzo')).map((o) => o.key);
  // Decompressed CSV bytes (this pass also warms the page cache for both runs).
  let csvBytes = 0;
  const codecs = createLzoRegistry();
  for (const key of keys) for await (const block of readLzop(raw.getStream(key), { objectKey: key, codecs })) csvBytes += block.length;
  const mb = csvBytes / 1e6;
  console.log(`ingest bench: ${keys.length} objects from ${args.raw}, ${mb.toFixed(1)} MB of CSV, ${args.repeat} alternating runs each, median shown`);

  const whole: number[] = [];
  const ours: number[] = [];
  const theirs: number[] = [];
  let rows = { cli: 0, berserkr: 0, reference: 0 };
  const work = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const [lakeDir, refDir] = [join(work, 'lake'), join(work, 'reference')];
  let differing: number;
  try {
    for (let r = 0; r < args.repeat; r++) {
      const c = await runCli(args, lakeDir);
      const b = await runBerserkr(args.raw, config, args, lakeDir);
      const d = await runReference(args.raw, keys, config, refDir);
      whole.push(c.ms);
      ours.push(b.ms);
      theirs.push(d.ms);
      rows = { cli: c.rows, berserkr: b.rows, reference: d.rows };
      console.log(`  run ${r + 1}: berserkr ingest ${(c.ms / 1000).toFixed(2)} s, ingestAll ${(b.ms / 1000).toFixed(2)} s, reference ${(d.ms / 1000).toFixed(2)} s`);
    }
    differing = await differingRows(lakeDir, refDir, config);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const [c, b, d] = [median(whole), median(ours), median(theirs)];
  const row = (name: string, ms: number, n: number) => `${name.padEnd(60)} ${(ms / 1000).toFixed(2).padStart(7)} s ${(mb / (ms / 1000)).toFixed(1).padStart(8)} MB/s ${String(n).padStart(10)} clean rows`;
  const threads = `workers ${args.workers}, encode threads ${args.encodeThreads}`;
  console.log(row(`berserkr ingest, whole process (encode threads ${args.encodeThreads})`, c, rows.cli));
  console.log(row(`berserkr ingestAll in-process (${threads})`, b, rows.berserkr));
  console.log(row('lzop -dc | DuckDB read_csv → Parquet', d, rows.reference));
  console.log(`clean rows differing between ingestAll's and the reference's outputs (EXCEPT ALL both ways, all columns): ${differing}`);
  console.log(`ratio whole process / reference: ${(c / d).toFixed(2)}× (target ≤ 1.50×)`);
  console.log(`ratio ingestAll / reference:     ${(b / d).toFixed(2)}×`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
