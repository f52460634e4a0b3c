/**
 * Hostile raw objects: decompression bombs and records over the limit fail their
 * object quickly, publish nothing, and keep memory bounded. The memory test runs
 * the compiled ingest (`dist/`, `npm run build` first) in a child process.
 */
import { execFile } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CsvRecordTooLongError } from '../../ingest/csv';
import { DEFAULT_MAX_BLOCK_SIZE, LzopFormatError } from '../../ingest/lzop';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { IngestAllOptions, ingestAll } from '../../ingest/run';
import { loadConfig } from '../../lib/config';
import { MemoryStore } from '../helpers/memory-store';
import { lzo1xRun, lzopFile } from './helpers';

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
});

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

  it('ingests a 33 KB object of 8 full blocks of newlines (8 Mi empty lines) under 512 MiB and fails it over the reject budget', async () => {
    const first = headerBytes('\n');
    const blocks = Array.from({ length: 8 }, (_, i) => {
      const prefix = i === 0 ? first : Uint8Array.of(0x0a);
      return { dstLen: MIB, data: lzo1xRun(prefix, MIB - prefix.length) };
    });
    const bomb = lzopFile(blocks);
    expect(bomb.length).toBeLessThan(34_000);
    mkdirSync(join(dir, 'raw'));
    writeFileSync(join(dir, 'raw', 'bomb.csv.lzo'), bomb);
    const { failed, peakMib } = await ingestInChild(join(dir, 'raw'), join(dir, 'lake'));
    const lines = 8 * MIB - HEADER.length;
    expect(failed).toEqual([`bomb.csv.lzo: ${lines} of ${lines} lines rejected (100 %: empty_line ${lines}), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows ${Math.floor(lines / 20)}; its earlier output, if any, stays published`]);
    expect(peakMib).toBeLessThan(512);
    // The reject parts written before the budget was known are gone.
    expect(readdirSync(join(dir, 'lake'), { recursive: true }).filter((p) => String(p).endsWith('.parquet'))).toEqual([]);
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
