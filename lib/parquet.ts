/**
 * Parquet ⇄ Arrow at the storage edge, through parquet-wasm (Rust `parquet` crate
 * compiled to WebAssembly). Tables cross the boundary as Arrow IPC streams.
 */
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import * as pq from 'parquet-wasm';

/** Parquet codecs berserkr writes. */
export type ParquetCompression = 'zstd' | 'snappy' | 'uncompressed';

const CODECS: Record<ParquetCompression, pq.Compression> = {
  zstd: pq.Compression.ZSTD,
  snappy: pq.Compression.SNAPPY,
  uncompressed: pq.Compression.UNCOMPRESSED,
};

/**
 * Encodes an Arrow table as one Parquet file.
 * @param table any Arrow table; dictionary columns are written as their value type.
 * @param compression page codec, zstd by default (the clean-transactions contract).
 * @returns the Parquet file bytes.
 */
export function tableToParquet(table: Table, compression: ParquetCompression = 'zstd'): Uint8Array {
  const props = new pq.WriterPropertiesBuilder().setCompression(CODECS[compression]).build();
  const wasmTable = pq.Table.fromIPCStream(tableToIPC(table, 'stream'));
  return pq.writeParquet(wasmTable, props);
}

/**
 * Decodes a Parquet file into an Arrow table.
 * @param bytes a whole Parquet file.
 * @throws Error from parquet-wasm when the bytes are not a valid Parquet file.
 */
export function parquetToTable(bytes: Uint8Array): Table {
  return tableFromIPC(pq.readParquet(bytes).intoIPCStream());
}
