/** Parquet encoder thread (`parquet-encoder.ts`): the chunks of one Arrow IPC stream → one Parquet file, its buffer moved back. */
import type { ParquetTask } from './parquet-encoder';
import { ipcToParquet } from './parquet-ipc';
import { moveResult, wholeBuffer } from './worker-pool';

/** Encodes one table. */
export default function encode(task: ParquetTask): Uint8Array {
  const bytes = ipcToParquet(Buffer.concat(task.ipc), task.compression);
  return moveResult(bytes, wholeBuffer(bytes));
}
