/**
 * Feature tables at rest: the candidate pairs and their features at one as-of
 * time, `features/<data set>/<as-of, ISO 8601 UTC>/features.parquet`.
 */
import type { Table } from 'apache-arrow';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { saveTable } from './tables';
import { objectUri } from './uri';

/** The feature tables of one data set. */
export class FeatureTables {
  /**
   * @param store the lake
   * @param dataset the data set's name, e.g. `online-retail`.
   */
  constructor(
    private readonly store: ObjectStore,
    readonly dataset: string,
  ) {}

  /**
   * Key of the table at `asOf` (ms since the epoch, UTC).
   * @example tables.key(Date.UTC(2011, 10, 9)) // 'features/online-retail/2011-11-09T00:00:00.000Z/features.parquet'
   */
  key(asOf: number): string {
    return `features/${this.dataset}/${new Date(asOf).toISOString()}/features.parquet`;
  }

  /** `<lake uri>/<key>`. */
  uri(asOf: number): string {
    return objectUri(this.store, this.key(asOf));
  }

  /** Writes the table at `asOf` as zstd Parquet (one atomic put, replacing an earlier one of the same as-of time). */
  save(asOf: number, table: Table): Promise<ObjectInfo> {
    return saveTable(this.store, this.key(asOf), table);
  }
}
