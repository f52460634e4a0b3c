/**
 * Every scored candidate pair of a scoring run, ranked within its customer:
 * `scores/<data set>/<run-id>/shard-<i>-of-<N>/part-<00000>.parquet`, one part per customer
 * batch (SCORES columns). The export's sidecar lists the parts behind it.
 */
import type { Table } from 'apache-arrow';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { shardName, type Shard } from './shards';
import { loadTable, saveTable } from './tables';

/** The scored pairs of one data set's scoring runs. */
export class ScoreParts {
  /** Folder of every run's scored pairs: `scores/<data set>/`. */
  readonly root: string;

  /**
   * @param store the lake
   * @param dataset the data set's name, e.g. `online-retail`.
   */
  constructor(
    private readonly store: ObjectStore,
    dataset: string,
  ) {
    this.root = `scores/${dataset}/`;
  }

  /** `scores/<data set>/<run-id>/`. */
  prefix(runId: string): string {
    return `${this.root}${runId}/`;
  }

  /**
   * Key of part `part` (0-based customer batch) of a shard.
   * @example scores.partKey('20111109T000000Z-3fa9c1', { index: 2, count: 4 }, 3) // 'scores/online-retail/20111109T000000Z-3fa9c1/shard-2-of-4/part-00003.parquet'
   */
  partKey(runId: string, shard: Shard, part: number): string {
    return `${this.prefix(runId)}${shardName(shard)}/part-${String(part).padStart(5, '0')}.parquet`;
  }

  /** Keys of the parts of a shard present in the lake, in key order. */
  async shardKeys(runId: string, shard: Shard): Promise<string[]> {
    return (await this.store.list(`${this.prefix(runId)}${shardName(shard)}/`)).map((o) => o.key);
  }

  /** Deletes a part; a missing one is no error. */
  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }

  /** Writes one part (a SCORES table) as Parquet (one atomic put). */
  save(runId: string, shard: Shard, part: number, table: Table): Promise<ObjectInfo> {
    return saveTable(this.store, this.partKey(runId, shard, part), table);
  }

  /**
   * A part by the key a marker or sidecar lists.
   * @throws ObjectNotFoundError when missing.
   */
  load(key: string): Promise<Table> {
    return loadTable(this.store, key);
  }
}
