/**
 * A clean part the ledger lists that is missing or damaged: readers name it (the lake's
 * URI and its key, and its raw object) and say what to do, rather than a bare "object not
 * found" or parquet-wasm's "Corrupt footer"; other Parquet objects of the lake are named too.
 */
import { tableFromArrays } from 'apache-arrow';
import { Catalog, DatasetFormatError, IngestPartError, type LedgerEntry } from '../../lib/catalog';
import { loadTable } from '../../lib/catalog/tables';
import { tableToParquet } from '../../lib/parquet';
import { MemoryStore } from '../helpers/memory-store';

const entry = (clean: string[]): LedgerEntry => ({
  etag: 'e', size: 1, configHash: 'h', rowsHash: 'r', attempt: 'a1', ingestedAt: '', clean, rejects: [], counts: { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} },
});
const part = (customer: string) => tableToParquet(tableFromArrays({ customer_id: [customer], quantity: Int32Array.from([1]) }));
const AGAIN = 'run berserkr ingest again: it re-reads the raw objects whose parts are missing';

describe('reading the clean parts the ledger lists', () => {
  let store: MemoryStore;
  let catalog: Catalog;
  let keys: string[];
  beforeEach(async () => {
    store = new MemoryStore();
    catalog = new Catalog(store, 'online-retail');
    keys = ['2011-04.csv.lzo', '2011-05.csv.lzo'].map((raw) => catalog.clean.partKey(raw, 'a1', 0));
    for (const [i, key] of keys.entries()) await catalog.clean.put(key, part(`c${i}`));
    await catalog.ledger.publish({ version: 1, dataset: 'online-retail', objects: { '2011-04.csv.lzo': entry([keys[0]]), '2011-05.csv.lzo': entry([keys[1]]) } });
    expect((await catalog.requireClean()).table.numRows).toBe(2);
  });

  it('names a missing part, its raw object and the ledger, and says to ingest again', async () => {
    await store.delete(keys[1]);
    const error = await catalog.requireClean().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestPartError);
    expect(error).toMatchObject({ kind: 'clean', rawKey: '2011-05.csv.lzo', key: keys[1], uri: `memory://test/${keys[1]}`, problem: 'missing' });
    expect((error as Error).message).toBe(
      `missing clean part of raw object "2011-05.csv.lzo": object not found: memory://test/${keys[1]} (listed by the ledger memory://test/ledger/online-retail.json); `
        + `${AGAIN}; if the raw object itself is gone, berserkr ingest --forget-missing drops it from the lake instead`,
    );
  });

  it('names a part that does not decode (truncated) with the decoder\'s message, and says to delete it and ingest again', async () => {
    await store.put(keys[0], (await store.get(keys[0])).subarray(0, 100));
    const error = await catalog.requireClean().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'IngestPartError', rawKey: '2011-04.csv.lzo', key: keys[0], problem: 'unreadable' });
    expect((error as Error).message).toMatch(
      new RegExp(`^clean part of raw object "2011-04\\.csv\\.lzo" cannot be read: memory://test/${keys[0].replace(/\./g, '\\.')} is not a readable Parquet file: \\S.* \\(listed by the ledger memory://test/ledger/online-retail\\.json\\); delete it and ${AGAIN}$`),
    );
    // Deleted, it is a missing part, which ingest reads again (tests/ingest/run.test.ts).
    await store.delete(keys[0]);
    await expect(catalog.requireClean()).rejects.toMatchObject({ problem: 'missing', key: keys[0] });
  });

  it('names any Parquet object of the lake that does not decode', async () => {
    await store.put('scores/online-retail/r/shard-0-of-1/part-00000.parquet', 'not parquet at all');
    const error = await loadTable(store, 'scores/online-retail/r/shard-0-of-1/part-00000.parquet').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as Error).message).toMatch(/^invalid Parquet object memory:\/\/test\/scores\/online-retail\/r\/shard-0-of-1\/part-00000\.parquet: \S/);
    expect((error as Error).cause).toBeDefined();
  });
});
