/**
 * Streaming-memory benchmark of ingest: one raw object whose CSV is ≥ 1 GiB
 * (the 13 bundled months, data lines repeated under one header, compressed with
 * `lzop -1`) is ingested by `ingestAll` in a child process (by default with the
 * encoder threads `berserkr ingest` starts on this machine), which prints its
 * peak resident set size (`VmHWM` of /proc/self/status, all threads included),
 * wall time and MB/s. Target: peak RSS < 512 MiB.
 *
 * Usage: `npm run build && node dist/bench/ingest-1gib.js [--size-mib 1024] [--encode-threads N]`.
 * Needs `lzop` on the PATH and about 2 GiB free in the temp folder for the object
 * (≈ 0.2 GiB) and the lake.
 */
import { execFileSync, spawn } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createLzoRegistry, ingestAll, readLzop } from '../ingest';
import { loadConfig } from '../lib/config';
import { defaultEncoderThreads } from '../lib/parquet-encoder';
import { FileStore } from '../lib/store/file';

const CONFIG = 'config/online-retail.yaml';
const MIB = 1024 * 1024;

/** Peak and current resident set size of this process, bytes (Linux /proc/self/status). */
function rssFromProc(): { peak: number; now: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kib('VmHWM'), now: kib('VmRSS') };
}

/** Child: ingests the object in `rawDir` into `lakeDir` and prints the figures. */
async function child(rawDir: string, lakeDir: string, csvBytes: number, encodeThreads: number): Promise<void> {
  const config = loadConfig(readFileSync(CONFIG, 'utf8'), CONFIG);
  let sampledPeak = 0;
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss)), 50);
  const start = performance.now();
  const result = await ingestAll(new FileStore(rawDir), new FileStore(lakeDir), config, { codecs: createLzoRegistry(), encodeThreads });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  if (result.failed.length > 0) throw result.failed[0].error;
  const { counts, clean } = result.ingested[0].entry;
  const { peak } = rssFromProc();
  console.log(`ingested ${(csvBytes / MIB).toFixed(0)} MiB of CSV (${counts.read.toLocaleString('en')} lines, ${counts.clean.toLocaleString('en')} clean, ${counts.duplicates.toLocaleString('en')} duplicates) into ${clean.length} clean parts in ${seconds.toFixed(1)} s, ${encodeThreads} encoder thread(s) (${(csvBytes / 1e6 / seconds).toFixed(1)} MB/s)`);
  console.log(`peak RSS (VmHWM): ${(peak / MIB).toFixed(0)} MiB; highest sampled rss: ${(sampledPeak / MIB).toFixed(0)} MiB; target < 512 MiB: ${peak < 512 * MIB ? 'met' : 'NOT met'}`);
}

/** Parent: builds the object with lzop, then runs {@link child} in a fresh process so the peak is the ingest's alone. */
async function parent(sizeMib: number, encodeThreads: number): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-1gib-'));
  try {
    const rawDir = join(work, 'raw');
    mkdirSync(rawDir);
    // The bundled months' CSV, header once, then data lines only.
    const raw = new FileStore('data/online-retail');
    const codecs = createLzoRegistry();
    const months: Buffer[] = [];
    for (const o of await raw.list('')) {
      if (!o.key.endsWith('.lzo')) continue;
      const parts: Uint8Array[] = [];
      for await (const b of readLzop(raw.getStream(o.key), { objectKey: o.key, codecs })) parts.push(b);
      months.push(Buffer.concat(parts));
    }
    const headerEnd = months[0].indexOf(0x0a) + 1;
    const header = months[0].subarray(0, headerEnd);
    const body = Buffer.concat(months.map((m) => m.subarray(m.indexOf(0x0a) + 1)));
    const copies = Math.ceil((sizeMib * MIB - header.length) / body.length);
    const csvBytes = header.length + copies * body.length;
    const lzop = spawn('lzop', ['-1', '-o', join(rawDir, 'online-retail-x' + copies + '.csv.lzo')], { stdio: ['pipe', 'inherit', 'inherit'] });
    const exited = new Promise<void>((resolve, reject) => lzop.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lzop exited with ${code}`)))));
    const write = (b: Uint8Array) => new Promise<void>((resolve, reject) => lzop.stdin!.write(b, (e) => (e ? reject(e) : resolve())));
    await write(header);
    for (let i = 0; i < copies; i++) await write(body);
    lzop.stdin!.end();
    await exited;
    console.log(`raw object: ${copies} copies of the ${(body.length / 1e6).toFixed(1)} MB of data lines, ${(csvBytes / MIB).toFixed(0)} MiB of CSV, lzop -1`);
    execFileSync(process.execPath, [__filename, '--child', rawDir, join(work, 'lake'), String(csvBytes), String(encodeThreads)], { stdio: 'inherit' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], argv[2], Number(argv[3]), Number(argv[4]));
  const options = { sizeMib: 1024, encodeThreads: defaultEncoderThreads() };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--size-mib' && /^[1-9]\d*$/.test(value)) options.sizeMib = Number(value);
    else if (flag === '--encode-threads' && /^\d+$/.test(value)) options.encodeThreads = Number(value);
    else throw new Error(`usage: node dist/bench/ingest-1gib.js [--size-mib N] [--encode-threads N], found ${argv.join(' ')}`);
  }
  return parent(options.sizeMib, options.encodeThreads);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
