/**
 * The encoding step (`ingest/parts.ts`) on the calling thread and on an encoder
 * thread of its own (`lib/parquet-encoder.ts`, run from the TypeScript sources
 * here): the same Parquet parts, the source's counts, and errors from either side.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import * as ingest from '../../ingest';
import { loadConfig } from '../../lib/config';
import { parquetToTable, tableToParquet } from '../../lib/parquet';
import { CALLING_THREAD_ENCODER, MOVED_BUFFER_BYTES, ParquetEncoder, ipcChunks, largeBuffers, workerEncoder } from '../../lib/parquet-encoder';
import { chunked, fixture } from './helpers';

const config = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');

/** The sample object typed into batches of 10 lines. */
const batches = () => ingest.typeCsv('sample.csv', chunked(fixture('lzop', 'sample.csv'), 97), config, { batchLines: 10 });

async function drain(parts: AsyncGenerator<ingest.EncodedBatch, ingest.IngestCounts>): Promise<{ parts: ingest.EncodedBatch[]; counts: ingest.IngestCounts }> {
  const out: ingest.EncodedBatch[] = [];
  for (let r = await parts.next(); ; r = await parts.next()) {
    if (r.done) return { parts: out, counts: r.value };
    out.push(r.value);
  }
}

describe('encodeBatches', () => {
  let encoder: ParquetEncoder;
  beforeAll(() => (encoder = workerEncoder(1)));
  afterAll(() => encoder.close());

  it('gives the same Parquet parts, in order, and the same counts on an encoder thread as on this one', async () => {
    const here = await drain(ingest.encodeBatches(batches(), CALLING_THREAD_ENCODER));
    const there = await drain(ingest.encodeBatches(batches(), encoder));
    expect(here.parts.length).toBeGreaterThan(2);
    expect(there.counts).toEqual(here.counts);
    expect(there.parts).toEqual(here.parts);
    const rows = here.parts.reduce((n, p) => n + (p.clean ? parquetToTable(p.clean).numRows : 0), 0);
    expect(rows).toBe(here.counts.clean);
  });

  it('ends with the source\'s error while the previous batch is still being encoded', async () => {
    async function* failing(): AsyncGenerator<ingest.TypedBatch, ingest.IngestCounts> {
      const source = batches();
      const first = await source.next();
      if (!first.done) yield first.value;
      throw new Error('source broke');
    }
    const parts = ingest.encodeBatches(failing(), encoder);
    await expect(parts.next()).rejects.toThrow('source broke');
  });

  it('ends with the encoder\'s error', async () => {
    const broken: ParquetEncoder = { threads: 1, encode: async () => Promise.reject(new Error('encoder broke')), close: async () => undefined };
    await expect(drain(ingest.encodeBatches(batches(), broken))).rejects.toThrow('encoder broke');
  });
});

describe('workerEncoder', () => {
  it('encodes a table on its thread as tableToParquet does here', async () => {
    const table = tableFromArrays({ id: Int32Array.from([3, 1, 2]), name: ['c', 'a', 'b'] });
    const encoder = workerEncoder(1);
    try {
      const bytes = await encoder.encode(table, 'snappy');
      expect(bytes).toEqual(tableToParquet(table, 'snappy'));
      expect(parquetToTable(bytes).toArray().map((r) => r.toJSON())).toEqual([{ id: 3, name: 'c' }, { id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    } finally {
      await encoder.close();
    }
  });

  it('moves the large buffers of a table to its thread, copies the small ones, and encodes what tableToParquet gives', async () => {
    const ids = Int32Array.from({ length: MOVED_BUFFER_BYTES / 4 }, (_, i) => i * 7);
    const flags = Uint8Array.from({ length: ids.length }, (_, i) => i % 3);
    const table = tableFromArrays({ id: ids, flag: flags });
    const expected = tableToParquet(table);
    const encoder = workerEncoder(1);
    try {
      const bytes = await encoder.encode(table);
      expect(bytes).toEqual(expected);
      // The id column's values (MOVED_BUFFER_BYTES) moved; the flags (a quarter of that) were copied.
      expect(table.getChild('id')?.data[0].values.byteLength).toBe(0);
      expect(table.getChild('flag')?.data[0].values.byteLength).toBe(flags.length);
      const back = parquetToTable(bytes);
      expect([back.getChild('id')?.get(9362), back.getChild('flag')?.get(9362)]).toEqual([9362 * 7, 9362 % 3]);
    } finally {
      await encoder.close();
    }
  });

  it('rejects a thread count below 1', () => {
    expect(() => workerEncoder(0)).toThrow('worker threads must be an integer >= 1, found 0');
  });
});

describe('ipcChunks', () => {
  it('holds the bytes tableToIPC writes, with the column buffers as views, not copies', () => {
    const values = new Float64Array(MOVED_BUFFER_BYTES / 8).map((_, i) => i / 3);
    const table = tableFromArrays({ v: values, s: ['a', 'bb', 'ccc', ...Array<string>(values.length - 3).fill('')] });
    const chunks = ipcChunks(table);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(tableToIPC(table, 'stream')));
    const column = table.getChild('v')!.data[0].values;
    expect(chunks.some((c) => c.buffer === column.buffer)).toBe(true);
    const moved = largeBuffers(chunks);
    expect(moved).toContain(column.buffer);
    expect(new Set(moved).size).toBe(moved.length);
    expect(moved.every((b) => b.byteLength >= MOVED_BUFFER_BYTES)).toBe(true);
  });
});
