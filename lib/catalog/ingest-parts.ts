/**
 * Clean transactions and rejects as ingest publishes them: per raw object and
 * attempt, `clean/<data set>/<raw key>/<attempt>/part-NNNNN.parquet` (zstd) and
 * `rejects/…` likewise. Parts become part of the lake when the ledger lists
 * them (`ledger.ts`); readers follow the ledger, never a listing.
 */
import { Schema, Table } from 'apache-arrow';
import type { ObjectInfo, ObjectStore } from '../store/store';
import type { IngestLedger } from './ledger';
import { ownOutputKeys } from './object-outputs';
import { loadTable, PARQUET_CONTENT_TYPE } from './tables';

/** The two outputs of ingest, named as the ledger lists them. */
export type PartKind = 'clean' | 'rejects';

/** The parts of one kind (clean or rejects) of one data set. */
export class IngestParts {
  /**
   * @param store the lake
   * @param ledger the data set's ledger, which says which parts are published
   * @param kind clean or rejects.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly ledger: IngestLedger,
    readonly kind: PartKind,
  ) {}

  /** `<kind>/<data set>/<raw key>/`: every attempt of one raw object. */
  prefix(rawKey: string): string {
    return `${this.kind}/${this.ledger.dataset}/${rawKey}/`;
  }

  /**
   * Key of part `index` (0-based) of attempt `attempt` of raw object `rawKey`.
   * @example parts.partKey('2011-01.csv.lzo', 'a1', 3) // 'clean/online-retail/2011-01.csv.lzo/a1/part-00003.parquet'
   */
  partKey(rawKey: string, attempt: string, index: number): string {
    return `${this.prefix(rawKey)}${attempt}/part-${String(index).padStart(5, '0')}.parquet`;
  }

  /** Writes one encoded Parquet part (one atomic put). */
  put(key: string, parquet: Uint8Array): Promise<ObjectInfo> {
    return this.store.put(key, parquet, PARQUET_CONTENT_TYPE);
  }

  /** Deletes a part; a missing one is no error. */
  delete(key: string): Promise<void> {
    return this.store.delete(key);
  }

  /**
   * Keys of every attempt of raw object `rawKey` present in the lake, published
   * or not, and none of another raw object whose key extends this one (`object-outputs.ts`).
   */
  async attemptKeys(rawKey: string): Promise<string[]> {
    const prefix = this.prefix(rawKey);
    return ownOutputKeys(prefix, (await this.store.list(prefix)).map((o) => o.key));
  }

  /**
   * Every part the ledger lists (raw keys in order, parts in order), concatenated.
   * @returns the rows; a table without columns when nothing is published.
   * @throws DatasetFormatError for an unreadable ledger; ObjectNotFoundError for a listed part that is missing.
   */
  async load(): Promise<Table> {
    const ledger = await this.ledger.load();
    const keys = Object.keys(ledger.objects).sort().flatMap((k) => ledger.objects[k][this.kind]);
    const tables: Table[] = [];
    for (const key of keys) tables.push(await loadTable(this.store, key));
    if (tables.length === 0) return new Table(new Schema([]));
    return new Table(tables[0].schema, tables.flatMap((t) => t.batches));
  }
}
