/**
 * Hostile raw objects: decompression bombs and records over the limit fail their
 * object quickly, publish nothing, and keep memory bounded, whatever the
 * compression (lzop, gzip, zstd). The memory tests run the compiled ingest
 * (`dist/`, `npm run build` first) in a child process.
 */
import { execFile } from 'child_process';
import { gzipSync } from 'zlib';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CsvRecordTooLongError } from '../../ingest/csv';
import { DEFAULT_MAX_BLOCK_SIZE, LzopFormatError } from '../../ingest/lzop';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { IngestAllOptions, ingestAll } from '../../ingest/run';
import { loadConfig } from '../../lib/config';
import { MemoryStore } from '../helpers/memory-store';
import { lzo1xRun, lzopFile, zstdFrame } from './helpers';

const config = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');
const MIB = 1024 * 1024;
const HEADER = new TextEncoder().encode('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n');
const headerBytes = (text: string) => Buffer.concat([HEADER, new TextEncoder().encode(text)]);

/** Ingests `bytes` as `key` into an empty lake; returns the outcome and the lake's keys. */
async function ingestOne(key: string, bytes: Uint8Array, options: Partial<IngestAllOptions> = {}) {
  const raw = new MemoryStore(MIB);
  const lake = new MemoryStore();
  await raw.put(key, bytes);
  const result = await ingestAll(raw, lake, config, { codecs: createLzoRegistry(), attemptId: () => 'a1', ...options });
  return { result, lakeKeys: [...lake.objects.keys()] };
}

describe('decompression bombs', () => {
  it('defaults the block limit to 1 MiB, 4x the 256 KiB blocks lzop writes', () => {
    expect(DEFAULT_MAX_BLOCK_SIZE).toBe(MIB);
  });

  it('refuses a 263 KB object declaring one 64 MiB block of newlines at the block header, before decoding it', async () => {
    const bomb = lzopFile([{ dstLen: 64 * MIB, data: lzo1xRun(Uint8Array.of(0x0a), 64 * MIB - 1) }]);
    expect(bomb.length).toBeLessThan(264_000);
    const started = process.hrtime.bigint();
    const { result, lakeKeys } = await ingestOne('bomb.csv.lzo', bomb);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
    expect(result.ingested).toEqual([]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0].error).toBeInstanceOf(LzopFormatError);
    expect(result.failed[0].error.message).toBe('bomb.csv.lzo: block size over the limit at byte 48: expected dst_len <= 1048576, found 67108864');
    expect(lakeKeys).toEqual([]);
  });

  it('refuses a 21-byte zstd object declaring a 1 GiB window at its frame header, before allocating it', async () => {
    const bomb = zstdFrame([{ rle: 0x0a, size: 128 * 1024 }], { windowLog: 30 });
    const { result, lakeKeys } = await ingestOne('bomb.csv.zst', bomb);
    expect(result.failed.map((f) => f.error.message)).toEqual(['bomb.csv.zst: zstd data cannot be read at byte 4: window of 1073741824 bytes over the limit of 8388608 bytes (zstd --long or --ultra levels write such frames)']);
    expect(lakeKeys).toEqual([]);
  });
});

/** 8 MiB of CSV: the header, then empty lines (8 Mi less the header's length), as each compression writes it. */
function newlineBombs(): { key: string; bytes: Uint8Array }[] {
  const first = headerBytes('\n');
  const lzop = lzopFile(Array.from({ length: 8 }, (_, i) => {
    const prefix = i === 0 ? first : Uint8Array.of(0x0a);
    return { dstLen: MIB, data: lzo1xRun(prefix, MIB - prefix.length) };
  }));
  const plain = Buffer.alloc(8 * MIB, 0x0a);
  plain.set(HEADER);
  // zstd: the header as a raw block, then RLE blocks of newlines (Block_Maximum_Size, 128 KiB) in an 8 MiB window.
  const rle = Array.from({ length: 64 }, (_, i) => ({ rle: 0x0a, size: i === 0 ? 128 * 1024 - HEADER.length : 128 * 1024 }));
  const zstd = zstdFrame([{ raw: HEADER }, ...rle], { windowLog: 23 });
  return [{ key: 'bomb.csv.lzo', bytes: lzop }, { key: 'bomb.csv.gz', bytes: gzipSync(plain, { level: 9 }) }, { key: 'bomb.csv.zst', bytes: zstd }];
}

/**
 * Ingests the object in `rawDir` with the compiled ingest in a fresh process.
 * @returns the failure messages and the process's peak resident set size in MiB.
 */
function ingestInChild(rawDir: string, lakeDir: string): Promise<{ failed: string[]; peakMib: number }> {
  const dist = join(__dirname, '..', '..', 'dist');
  const script = `
    const { ingestAll, createLzoRegistry } = require(${JSON.stringify(join(dist, 'ingest'))});
    const { loadConfig } = require(${JSON.stringify(join(dist, 'lib', 'config'))});
    const { FileStore } = require(${JSON.stringify(join(dist, 'lib', 'store', 'file'))});
    const path = ${JSON.stringify(join(__dirname, '..', '..', 'config', 'online-retail.yaml'))};
    const config = loadConfig(require('fs').readFileSync(path, 'utf8'), path);
    ingestAll(new FileStore(process.argv[1]), new FileStore(process.argv[2]), config, { codecs: createLzoRegistry() }).then((r) =>
      process.stdout.write(JSON.stringify({ failed: r.failed.map((f) => f.error.message), peakMib: process.resourceUsage().maxRSS / 1024 })));`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script, rawDir, lakeDir], (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)))),
  );
}

describe('memory stays bounded on a decompression bomb within the block limit', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-bomb-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(newlineBombs())('ingests $key (8 Mi empty lines in under 34 KB) under 512 MiB and fails it over the reject budget', async ({ key, bytes }) => {
    expect(bytes.length).toBeLessThan(34_000);
    const rawDir = join(dir, key, 'raw');
    mkdirSync(rawDir, { recursive: true });
    writeFileSync(join(rawDir, key), bytes);
    const { failed, peakMib } = await ingestInChild(rawDir, join(dir, key, 'lake'));
    const lines = 8 * MIB - HEADER.length;
    expect(failed).toEqual([`${key}: ${lines} of ${lines} lines rejected (100 %: empty_line ${lines}), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows ${Math.floor(lines / 20)}; the first rejected line is line 2 (empty_line: the line has no text); its earlier output, if any, stays published`]);
    expect(peakMib).toBeLessThan(512);
    // The reject parts written before the budget was known are gone.
    expect(readdirSync(join(dir, key, 'lake'), { recursive: true }).filter((p) => String(p).endsWith('.parquet'))).toEqual([]);
  });
});

describe('the record limit (maxRecordBytes, 1 MiB by default) holds for every record', () => {
  it('fails the object when a record over the limit sits complete inside one block', async () => {
    // One 2 MiB + 86-byte block (accepted with a 4 MiB block limit): the header, then a 2 MiB line.
    const block = headerBytes('a');
    const file = lzopFile([{ dstLen: block.length + 2 * MIB, data: lzo1xRun(block, 2 * MIB - 1, Uint8Array.of(0x0a)) }]);
    const { result, lakeKeys } = await ingestOne('long.csv.lzo', file, { maxBlockSize: 4 * MIB });
    expect(result.failed.map((f) => f.error)).toEqual([new CsvRecordTooLongError('long.csv.lzo', 2, MIB, 2 * MIB)]);
    expect(result.failed[0].error.message).toBe('long.csv.lzo: line 2: record of 2097152 bytes, over the limit of 1048576 bytes');
    expect(lakeKeys).toEqual([]);
  });

  it.each([
    ['long.csv.gz', (b: Uint8Array) => gzipSync(b)],
    ['long.csv.zst', (b: Uint8Array) => zstdFrame(Array.from({ length: Math.ceil(b.length / (128 * 1024)) }, (_, i) => ({ raw: b.subarray(i * 128 * 1024, (i + 1) * 128 * 1024) })))],
    ['long.csv', (b: Uint8Array) => b],
  ])('fails %s when a record over the limit streams in', async (key, compress) => {
    const text = Buffer.concat([headerBytes(''), Buffer.alloc(2 * MIB, 0x61), Uint8Array.of(0x0a)]);
    const { result, lakeKeys } = await ingestOne(key, compress(text));
    expect(result.failed.map((f) => f.error)).toEqual([new CsvRecordTooLongError(key, 2, MIB)]);
    expect(result.failed[0].error.message).toBe(`${key}: line 2: record longer than 1048576 bytes (expected a line break; is a quote left open, or is csv.encoding not the object's?)`);
    expect(lakeKeys).toEqual([]);
  });

  it('fails the object when a record over the limit spans blocks', async () => {
    const first = headerBytes('b');
    const file = lzopFile([
      { dstLen: first.length + MIB - 200, data: lzo1xRun(first, MIB - 200) },
      { dstLen: MIB, data: lzo1xRun(Uint8Array.of(0x62), MIB - 2, Uint8Array.of(0x0a)) },
    ]);
    const { result } = await ingestOne('spanning.csv.lzo', file);
    expect(result.failed[0].error.message).toBe('spanning.csv.lzo: line 2: record of 2096952 bytes, over the limit of 1048576 bytes');
  });
});
