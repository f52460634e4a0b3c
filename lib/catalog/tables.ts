/** Parquet objects of the lake as Arrow tables: one GET or one atomic put each. */
import type { Table } from 'apache-arrow';
import { parquetToTable, tableToParquet } from '../parquet';
import type { ObjectInfo, ObjectStore } from '../store/store';

/** Content type of every Parquet object the lake holds. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/**
 * The Parquet object at `key` as an Arrow table.
 * @throws ObjectNotFoundError when missing; parquet-wasm's Error when it is not Parquet.
 */
export async function loadTable(store: ObjectStore, key: string): Promise<Table> {
  return parquetToTable(await store.get(key));
}

/** Writes `table` at `key` as one zstd Parquet file (one atomic put). */
export function saveTable(store: ObjectStore, key: string, table: Table): Promise<ObjectInfo> {
  return store.put(key, tableToParquet(table), PARQUET_CONTENT_TYPE);
}
