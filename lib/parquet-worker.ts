/** Parquet encoder thread (`parquet-encoder.ts`): one Arrow IPC stream → one Parquet file, its buffer moved back. */
import type { ParquetTask } from './parquet-encoder';
import { ipcToParquet } from './parquet';
import { moveResult, wholeBuffer } from './worker-pool';

/** Encodes one table. */
export default function encode(task: ParquetTask): Uint8Array {
  const bytes = ipcToParquet(task.ipc, task.compression);
  return moveResult(bytes, wholeBuffer(bytes));
}
