/**
 * gzip benchmark: berserkr's gzip reader (`ingest/gzip.ts`, which walks the
 * members itself to refuse bytes after the last one) against `node:zlib`'s
 * `createGunzip` on the same compressed bytes, fed in the same 64 KiB chunks,
 * rounds alternating; prints the median time of each, MB/s of decompressed
 * bytes and the ratio.
 *
 * Input: the bundled lzop months decompressed and joined (about 45 MB of CSV),
 * gzip-compressed at level 6 (`gzip`'s default) in this process.
 *
 * Usage: `npm run build && node dist/bench/gzip.js [--raw data/online-retail] [--repeat 5]`.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { Readable } from 'stream';
import { createGunzip, gzipSync } from 'zlib';
import { createLzoRegistry, readLzop } from '../ingest';
import { readGzip } from '../ingest/gzip';

const CHUNK = 64 * 1024;

/** `bytes` in chunks of {@link CHUNK}, as a store stream would give them. */
async function* chunked(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}

/** Decompressed bytes counted, and ms taken, by one read. */
async function timed(read: AsyncIterable<Uint8Array>): Promise<{ bytes: number; ms: number }> {
  const start = process.hrtime.bigint();
  let bytes = 0;
  for await (const b of read) bytes += b.length;
  return { bytes, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(argv: string[]): Promise<void> {
  const option = (name: string, fallback: string): string => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? '') : fallback);
  const raw = option('--raw', 'data/online-retail');
  const repeat = Number(option('--repeat', '5'));
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: expected a positive integer, got ${JSON.stringify(option('--repeat', ''))}`);
  const parts: Uint8Array[] = [];
  const codecs = createLzoRegistry();
  for (const file of readdirSync(raw).filter((f) => f.endsWith('.lzo')).sort()) {
    for await (const b of readLzop(chunked(readFileSync(join(raw, file))), { objectKey: file, codecs })) parts.push(b);
  }
  const csv = Buffer.concat(parts);
  const gz = gzipSync(csv);
  console.log(`input: ${(csv.length / 1e6).toFixed(1)} MB of CSV from ${raw}, ${(gz.length / 1e6).toFixed(1)} MB gzipped; ${repeat} rounds, alternating`);
  const berserkr: number[] = [];
  const reference: number[] = [];
  for (let round = 0; round < repeat; round++) {
    const ours = await timed(readGzip(chunked(gz), { objectKey: 'bench.csv.gz' }));
    const theirs = await timed(Readable.from(chunked(gz)).pipe(createGunzip()));
    if (ours.bytes !== csv.length || theirs.bytes !== csv.length) throw new Error(`decompressed ${ours.bytes} and ${theirs.bytes} bytes, expected ${csv.length}`);
    berserkr.push(ours.ms);
    reference.push(theirs.ms);
  }
  const mbps = (ms: number): string => (csv.length / 1e6 / (ms / 1000)).toFixed(0);
  const [b, r] = [median(berserkr), median(reference)];
  console.log(`readGzip (berserkr)   median ${b.toFixed(1)} ms  ${mbps(b)} MB/s`);
  console.log(`createGunzip (zlib)   median ${r.toFixed(1)} ms  ${mbps(r)} MB/s`);
  console.log(`ratio berserkr / zlib: ${(b / r).toFixed(2)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
