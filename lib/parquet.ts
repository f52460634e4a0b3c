/**
 * Parquet ⇄ Arrow tables at the storage edge: tables cross into parquet-wasm as
 * Arrow IPC streams (`parquet-ipc.ts`).
 */
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { ParquetCompression, ipcToParquet, parquetToIpc } from './parquet-ipc';

/**
 * Encodes an Arrow table as one Parquet file.
 * @param table any Arrow table; dictionary columns are written as their value type.
 * @param compression page codec, zstd by default (the clean-transactions contract).
 * @returns the Parquet file bytes.
 */
export function tableToParquet(table: Table, compression: ParquetCompression = 'zstd'): Uint8Array {
  return ipcToParquet(tableToIPC(table, 'stream'), compression);
}

/**
 * Decodes a Parquet file into an Arrow table.
 * @param bytes a whole Parquet file.
 * @throws Error from parquet-wasm when the bytes are not a valid Parquet file.
 */
export function parquetToTable(bytes: Uint8Array): Table {
  return tableFromIPC(parquetToIpc(bytes));
}
