/**
 * Ingest with worker threads (`ingest/pool.ts`) gives exactly the in-process
 * output and the same typed errors. The worker threads run the TypeScript
 * sources here (`lib/worker.ts` loads them through ts-node), as the build runs
 * its compiled modules.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Table } from 'apache-arrow';
import { gzipSync } from 'zlib';
import * as ingest from '../../ingest';
import { loadConfig } from '../../lib/config';
import { parquetToTable } from '../../lib/parquet';
import { FileStore } from '../../lib/store/file';
import type { ObjectStore } from '../../lib/store/store';
import { ZSTD_SAMPLE, fixture } from './helpers';
import { MemoryStore } from '../helpers/memory-store';

const loaded = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');
const config = { ...loaded, csv: { ...loaded.csv, duplicates: 'reject' as const } };

async function seed(): Promise<MemoryStore> {
  const raw = new MemoryStore(1000);
  await raw.put('a/2010-12.csv.lzo', fixture('lzop', 'sample.9.lzo'));
  await raw.put('a/repeat.csv.lzo', fixture('lzop', 'repeat.lzo'));
  await raw.put('b/bad-header.csv.lzo', fixture('lzop', 'bad-header.lzo'));
  await raw.put('b/empty.csv.lzo', fixture('lzop', 'empty.lzo'));
  const corrupt = fixture('lzop', 'repeat.lzo');
  corrupt[corrupt.length - 100] ^= 0x55;
  await raw.put('b/corrupt.csv.lzo', corrupt);
  await raw.put('c/crc32.csv.lzo', fixture('lzop', 'sample.crc32.lzo'));
  await raw.put('d/sample.csv.gz', gzipSync(fixture('lzop', 'sample.csv')));
  await raw.put('d/sample.csv.zst', ZSTD_SAMPLE.zstd);
  // 1,000 lines of ISO 8601 times the configuration reads as M/D/YYYY H:mm.
  await raw.put('d/iso.csv', `${ZSTD_SAMPLE.text.split('\n')[0]}\n${Array.from({ length: 1000 }, (_, i) => `5${i},A${i},X,1,2010-12-01T08:26:00Z,1.5,17850,UK\n`).join('')}`);
  return raw;
}

/** Everything a reader can see in the lake, parts decoded, keyed by path without the attempt id. */
async function contents(lake: ObjectStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const o of await lake.list('')) {
    if (o.key.endsWith('.json')) continue;
    const t: Table = parquetToTable(await lake.get(o.key));
    out[o.key.replace(/\/w\d+-[^/]+\//, '/')] = t.toArray().map((r) => r.toJSON());
  }
  return out;
}

describe('ingestAll with worker threads or an encoder thread', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-pool-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['worker threads', { workers: 2 }],
    ['an encoder thread', { encodeThreads: 1 }],
  ])('publishes with %s exactly the in-process output and fails the same objects with the same typed errors', async (name, threads) => {
    const runs: { result: Awaited<ReturnType<typeof ingest.ingestAll>>; lake: ObjectStore }[] = [];
    for (const [i, options] of [{}, threads].entries()) {
      const lake = new FileStore(join(dir, `${name}-${i}`));
      let n = 0;
      const result = await ingest.ingestAll(await seed(), lake, config, { codecs: ingest.createLzoRegistry(), ...options, batchLines: 700, attemptId: () => `w${i}-${n++}` });
      runs.push({ result, lake });
    }
    const [inProcess, threaded] = runs;
    expect(threaded.result.ingested.map((i) => [i.key, i.entry.counts])).toEqual(inProcess.result.ingested.map((i) => [i.key, i.entry.counts]));
    expect(inProcess.result.ingested.map((i) => i.key)).toEqual(['a/2010-12.csv.lzo', 'a/repeat.csv.lzo', 'c/crc32.csv.lzo', 'd/sample.csv.gz', 'd/sample.csv.zst']);
    expect(await contents(threaded.lake)).toEqual(await contents(inProcess.lake));

    const failures = (r: (typeof runs)[number]) => r.result.failed.map((f) => [f.key, f.error.constructor.name, f.error.message]);
    expect(failures(threaded)).toEqual(failures(inProcess));
    expect(failures(threaded).map((f) => f.slice(0, 2))).toEqual([
      ['b/bad-header.csv.lzo', 'HeaderMismatchError'],
      ['b/corrupt.csv.lzo', 'LzopFormatError'],
      ['b/empty.csv.lzo', 'EmptyObjectError'],
      ['d/iso.csv', 'UnreadableTimesError'],
    ]);
    const header = threaded.result.failed[0].error;
    expect(header).toBeInstanceOf(ingest.HeaderMismatchError);
    expect(header).toMatchObject({ objectKey: 'b/bad-header.csv.lzo', missing: ['Quantity'], unexpected: ['Qty'] });
    expect(threaded.result.failed[1].error).toBeInstanceOf(ingest.LzopFormatError);
    expect(threaded.result.failed[3].error).toBeInstanceOf(ingest.UnreadableTimesError);
    expect(threaded.result.failed[3].error).toMatchObject({ objectKey: 'd/iso.csv', unreadable: 1000, sampled: 1000 });
  });
});

describe('IngestWorkerPool', () => {
  async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
  }

  it('replaces a worker left mid-object, so the next object runs on a fresh one with its own counts', async () => {
    const csv = fixture('lzop', 'sample.csv');
    const options = { batchLines: 10 };
    const expected = await (async () => {
      const inProcess = ingest.encodeBatches(ingest.typeCsv('b.csv', chunks(csv, 97), config, options));
      for (let r = await inProcess.next(); ; r = await inProcess.next()) if (r.done) return r.value;
    })();
    const pool = new ingest.IngestWorkerPool(1);
    try {
      const first = pool.run('a.csv', chunks(csv, 97), config, options);
      expect((await first.next()).done).toBe(false);
      await first.return(expected); // leaves the worker mid-object
      const second = pool.run('b.csv', chunks(csv, 97), config, options);
      let parts = 0;
      let r = await second.next();
      for (; !r.done; r = await second.next()) parts++;
      expect(parts).toBeGreaterThan(1);
      expect(r.value).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('rethrows the block source\'s error as it is and rejects a size below 1', async () => {
    const pool = new ingest.IngestWorkerPool(1);
    try {
      const failing = async function* (): AsyncGenerator<Uint8Array> {
        yield fixture('lzop', 'sample.csv').subarray(0, 200);
        throw new ingest.CompressedDataError('c.csv.gz', 'gzip', 'unexpected end of data');
      };
      await expect(pool.run('c.csv.gz', failing(), config, { batchLines: 10 }).next()).rejects.toThrow(ingest.CompressedDataError);
    } finally {
      await pool.close();
    }
    expect(() => new ingest.IngestWorkerPool(0)).toThrow('worker pool size must be an integer >= 1, found 0');
  });
});
