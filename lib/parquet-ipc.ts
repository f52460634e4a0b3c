/**
 * Parquet ⇄ Arrow IPC streams through parquet-wasm (Rust `parquet` crate compiled
 * to WebAssembly), without Apache Arrow JS: an encoder thread (`parquet-worker.ts`)
 * loads this alone. parquet-wasm (5 MB of WebAssembly, compiled as it loads) is
 * loaded on the first call, so a thread that hands its encoding to another
 * (`parquet-encoder.ts`) never loads it.
 */
import type * as ParquetWasm from 'parquet-wasm';

let loaded: typeof ParquetWasm | undefined;
const wasm = (): typeof ParquetWasm => (loaded ??= require('parquet-wasm') as typeof ParquetWasm);

/** Parquet codecs berserkr writes. */
export type ParquetCompression = 'zstd' | 'snappy' | 'uncompressed';

/** The parquet-wasm codec of each compression. */
function codec(compression: ParquetCompression): ParquetWasm.Compression {
  const { Compression } = wasm();
  return compression === 'zstd' ? Compression.ZSTD : compression === 'snappy' ? Compression.SNAPPY : Compression.UNCOMPRESSED;
}

/**
 * Encodes an Arrow IPC stream (one table, as `tableToIPC(table, 'stream')` writes it) as one Parquet file.
 * @throws Error from parquet-wasm when the bytes are not an Arrow IPC stream.
 */
export function ipcToParquet(ipc: Uint8Array, compression: ParquetCompression = 'zstd'): Uint8Array {
  const pq = wasm();
  const props = new pq.WriterPropertiesBuilder().setCompression(codec(compression)).build();
  return pq.writeParquet(pq.Table.fromIPCStream(ipc), props);
}

/**
 * Decodes a Parquet file into an Arrow IPC stream (one table).
 * @param bytes a whole Parquet file.
 * @throws Error from parquet-wasm when the bytes are not a valid Parquet file.
 */
export function parquetToIpc(bytes: Uint8Array): Uint8Array {
  return wasm().readParquet(bytes).intoIPCStream();
}
