/**
 * Crash safety of ingest, end to end: the compiled ingest (`dist/`, run by
 * `crash-runner.js` in a child process, in-process or with worker threads) is killed with
 * SIGKILL at several points mid-run against a local-folder lake. After each kill
 * a reader sees only whole objects, each exactly as an uninterrupted run writes
 * it; the next run then finishes with exactly the uninterrupted run's output.
 * Needs `npm run build` first (`make test` builds).
 */
import { ChildProcess, spawn } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Table } from 'apache-arrow';
import { Catalog, type Ledger } from '../../lib/catalog';
import { parquetToTable } from '../../lib/parquet';
import { FileStore } from '../../lib/store/file';
import { DATA } from './helpers';

const ROOT = join(__dirname, '..', '..');
const RUNNER = join(__dirname, 'crash-runner.js');
const FILES = ['2011-02.csv.lzo', '2011-12.csv.lzo'];
const BATCH_LINES = '2000';
const DATASET = 'online-retail';

let work: string;
let rawDir: string;
let configPath: string;

/** Parquet parts (published or not, temp files excluded) under the lake. */
function countParts(lakeDir: string): number {
  if (!existsSync(lakeDir)) return 0;
  return (readdirSync(lakeDir, { recursive: true }) as string[]).filter((p) => p.endsWith('.parquet') && !p.includes('.~tmp.')).length;
}

/** Runs the ingest in a child; when `killAfterParts` is given, SIGKILLs it once that many more parts exist. */
function runIngest(lakeDir: string, killAfterParts?: number, workers = 0): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string }> {
  const start = countParts(lakeDir);
  const child: ChildProcess = spawn(process.execPath, [RUNNER, rawDir, lakeDir, configPath, BATCH_LINES, String(workers)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  let timer: NodeJS.Timeout | undefined;
  if (killAfterParts !== undefined) {
    timer = setInterval(() => {
      if (countParts(lakeDir) - start >= killAfterParts) {
        child.kill('SIGKILL');
        clearInterval(timer);
      }
    }, 1);
  }
  // 'close' comes after 'exit' and after the output streams have ended.
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ signal, code, stdout, stderr });
    }),
  );
}

/** Every column of a table as plain values, for exact comparison. */
function columns(t: Table): Record<string, unknown[]> {
  return Object.fromEntries(t.schema.fields.map((f) => [f.name, Array.from(t.getChild(f.name)!.toArray() as ArrayLike<unknown>)]));
}

/** Rows of `t` whose source_object is `key`, column by column. */
function rowsOf(t: Table, key: string): Record<string, unknown[]> {
  const all = columns(t);
  const keep = all.source_object.map((k) => k === key);
  return Object.fromEntries(Object.entries(all).map(([name, values]) => [name, values.filter((_, i) => keep[i])]));
}

/** Every rejects part the ledger lists, in ledger order, column by column. */
async function rejects(store: FileStore): Promise<Record<string, unknown[]>> {
  const ledger = await new Catalog(store, DATASET).ledger.load();
  const keys = Object.keys(ledger.objects).sort().flatMap((k) => ledger.objects[k].rejects);
  const tables = await Promise.all(keys.map(async (k) => parquetToTable(await store.get(k))));
  expect(tables.length).toBeGreaterThan(0);
  return columns(new Table(tables[0].schema, tables.flatMap((t) => t.batches)));
}

let reference: { clean: Record<string, unknown[]>; table: Table; ledger: Ledger };

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'ingest', 'index.js')) || !existsSync(join(ROOT, 'dist', 'ingest', 'worker.js'))) {
    throw new Error('dist/ingest is missing: run `npm run build` (or `make test`) before this test');
  }
  work = mkdtempSync(join(tmpdir(), 'ingest-crash-'));
  rawDir = join(work, 'raw');
  mkdirSync(rawDir);
  for (const f of FILES) copyFileSync(join(DATA, f), join(rawDir, f));
  // The bundled configuration with duplicates rejected, so runs write rejects parts too.
  configPath = join(work, 'config.yaml');
  const text = readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8');
  expect(text).toMatch(/^ {2}duplicates: keep$/m);
  writeFileSync(configPath, text.replace(/^ {2}duplicates: keep$/m, '  duplicates: reject'));
  const refLake = join(work, 'reference');
  const run = await runIngest(refLake);
  expect(run).toMatchObject({ code: 0, signal: null });
  expect(JSON.parse(run.stdout)).toEqual({ ingested: 2, unchanged: 0, failed: [] });
  const store = new FileStore(refLake);
  const table = await new Catalog(store, DATASET).clean.load();
  reference = { clean: columns(table), table, ledger: await new Catalog(store, DATASET).ledger.load() };
  expect(table.numRows).toBe(FILES.reduce((s, f) => s + reference.ledger.objects[f].counts.clean, 0));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('ingest killed with SIGKILL mid-run', () => {
  it('never shows partial output, and the next run finishes with exactly the uninterrupted output', async () => {
    const lakeDir = join(work, 'lake');
    const lake = new FileStore(lakeDir);
    // Kill points: after the first part, mid-object, and further on (each run starts
    // over; the leftovers of the last are deleted when the objects are published), in-process and with two worker threads.
    const killPoints: [number, number][] = [[1, 0], [6, 2], [14, 0]];
    const published: number[] = [];
    for (const [parts, workers] of killPoints) {
      const run = await runIngest(lakeDir, parts, workers);
      expect(run.signal).toBe('SIGKILL'); // the run really was interrupted
      // A reader sees exactly the objects of the ledger, each whole and equal to the uninterrupted output.
      const ledger = await new Catalog(lake, DATASET).ledger.load();
      const clean = await new Catalog(lake, DATASET).clean.load();
      const keys = Object.keys(ledger.objects).sort();
      published.push(keys.length);
      expect(clean.numRows).toBe(keys.reduce((s, k) => s + ledger.objects[k].counts.clean, 0));
      for (const k of keys) {
        expect(ledger.objects[k].counts).toEqual(reference.ledger.objects[k].counts);
        expect(rowsOf(clean, k)).toEqual(rowsOf(reference.table, k));
      }
    }
    // A run publishes its objects together at its end, so each run killed before then published nothing.
    expect(published).toEqual(killPoints.map(() => 0));

    const last = await runIngest(lakeDir, undefined, 2);
    expect(last).toMatchObject({ code: 0, signal: null });
    const ledger = await new Catalog(lake, DATASET).ledger.load();
    expect(Object.keys(ledger.objects).sort()).toEqual(FILES);
    for (const f of FILES) expect(ledger.objects[f].counts).toEqual(reference.ledger.objects[f].counts);
    expect(columns(await new Catalog(lake, DATASET).clean.load())).toEqual(reference.clean);
    expect(await rejects(lake)).toEqual(await rejects(new FileStore(join(work, 'reference'))));
    // No leftovers of the killed attempts: the lake holds exactly the ledger's parts and the ledger.
    const listed = Object.values(ledger.objects).flatMap((e) => [...e.clean, ...e.rejects]);
    expect((await lake.list('')).map((o) => o.key).sort()).toEqual([...listed, `ledger/${DATASET}.json`].sort());
    // A rerun changes nothing.
    const again = await runIngest(lakeDir);
    expect(JSON.parse(again.stdout)).toEqual({ ingested: 0, unchanged: 2, failed: [] });
  });
});
