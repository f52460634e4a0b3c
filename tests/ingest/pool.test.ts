/**
 * Ingest with worker threads (`ingest/pool.ts`) gives exactly the in-process
 * output and the same typed errors. Worker threads run the compiled build, so
 * this test loads `dist/` (`npm run build` first; `make test` builds), the
 * lake's store included: the catalog knows a missing object by the class of
 * its own build's store errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Table } from 'apache-arrow';
import { parquetToTable } from '../../lib/parquet';
import { gzipSync } from 'zlib';
import type { ObjectStore } from '../../lib/store/store';
import { ZSTD_SAMPLE, fixture } from './helpers';
import { MemoryStore } from '../helpers/memory-store';

const DIST = join(__dirname, '..', '..', 'dist');
if (!existsSync(join(DIST, 'ingest', 'worker.js'))) throw new Error('dist/ingest/worker.js is missing: run `npm run build` (or `make test`) before this test');
const ingest = require(join(DIST, 'ingest')) as typeof import('../../ingest');
const { loadConfig } = require(join(DIST, 'lib', 'config')) as typeof import('../../lib/config');
const { FileStore } = require(join(DIST, 'lib', 'store', 'file')) as typeof import('../../lib/store/file');

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

describe('ingestAll with worker threads', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'berserkr-pool-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes exactly the in-process output and fails the same objects with the same typed errors', async () => {
    const runs: { result: Awaited<ReturnType<typeof ingest.ingestAll>>; lake: ObjectStore }[] = [];
    for (const workers of [0, 2]) {
      const lake = new FileStore(join(dir, `lake-${workers}`));
      let n = 0;
      const result = await ingest.ingestAll(await seed(), lake, config, { codecs: ingest.createLzoRegistry(), workers, batchLines: 700, attemptId: () => `w${workers}-${n++}` });
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
