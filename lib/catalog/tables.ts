/** Parquet objects of the lake as Arrow tables: one GET or one atomic put each. */
import type { Table } from 'apache-arrow';
import { parquetToTable, tableToParquet } from '../parquet';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { DatasetFormatError } from './errors';
import { objectUri } from './uri';

/** Content type of every Parquet object the lake holds. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/**
 * The Parquet object at `key` as an Arrow table.
 * @param check called with the object's bytes before they are decoded; what it throws is thrown.
 * @throws ObjectNotFoundError when missing; DatasetFormatError naming the object by its URI
 *   (`invalid Parquet object <uri>: <parquet-wasm's message>`, its error the cause) when it
 *   cannot be decoded (truncated, damaged, not Parquet); other store errors unchanged.
 */
export async function loadTable(store: ObjectStore, key: string, check: (bytes: Uint8Array) => void = () => undefined): Promise<Table> {
  const bytes = await store.get(key);
  check(bytes);
  try {
    return parquetToTable(bytes);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetFormatError('Parquet object', objectUri(store, key), detail, undefined, { cause: error });
  }
}

/** Writes `table` at `key` as one zstd Parquet file (one atomic put). */
export function saveTable(store: ObjectStore, key: string, table: Table): Promise<ObjectInfo> {
  return store.put(key, tableToParquet(table), PARQUET_CONTENT_TYPE);
}
