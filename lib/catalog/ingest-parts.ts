/**
 * Clean transactions and rejects as ingest publishes them: per raw object and
 * attempt, `clean/<data set>/<raw key>/<attempt>/part-NNNNN.parquet` (zstd) and
 * `rejects/…` likewise. Parts become part of the lake when the ledger lists
 * them (`ledger.ts`); readers follow the ledger, never a listing.
 */
import { Schema, Table } from 'apache-arrow';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../store/store';
import { MixedConfigurationError } from './errors';
import { configurationGroups, type IngestLedger, type Ledger } from './ledger';
import { ownOutputKeys } from './object-outputs';
import { loadTable, PARQUET_CONTENT_TYPE } from './tables';
import { objectUri } from './uri';

/** Ledgers a read of the parts follows before it gives up on a part that went missing. */
const READ_ATTEMPTS = 3;

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
   * @throws as {@link read}.
   */
  async load(): Promise<Table> {
    return (await this.read()).table;
  }

  /**
   * {@link load}, with the parts read: their keys and ETags (the lineage of what is
   * built from the table; keys name an attempt, so they change whenever the data do).
   * Ingest deletes the parts a ledger rewrite replaced right after it: a part found
   * missing is read again from the new ledger, so a reader never fails on an ingest
   * beside it.
   * @throws DatasetFormatError for an unreadable ledger; MixedConfigurationError when its objects
   *   were ingested with different settings of the clean rows; ObjectNotFoundError for a part the
   *   current ledger still lists (or after {@link READ_ATTEMPTS} ledgers in a row lost one).
   */
  async read(): Promise<{ table: Table; parts: ObjectInfo[] }> {
    for (let attempt = 1; ; attempt++) {
      const keys = this.listed(await this.ledger.load());
      try {
        return await this.readParts(keys);
      } catch (error) {
        if (!(error instanceof ObjectNotFoundError) || attempt === READ_ATTEMPTS) throw error;
        const now = this.listed(await this.ledger.load());
        if (now.length === keys.length && now.every((k, i) => k === keys[i])) throw error;
      }
    }
  }

  /**
   * The keys of this kind's parts `ledger` lists: raw keys in order, parts in order.
   * @throws MixedConfigurationError when its objects were ingested with different settings of the clean rows.
   */
  private listed(ledger: Ledger): string[] {
    const groups = configurationGroups(ledger);
    if (groups.length > 1) throw new MixedConfigurationError(this.ledger.dataset, this.ledger.uri, groups);
    return Object.keys(ledger.objects).sort().flatMap((k) => ledger.objects[k][this.kind]);
  }

  private async readParts(keys: string[]): Promise<{ table: Table; parts: ObjectInfo[] }> {
    const tables: Table[] = [];
    const parts: ObjectInfo[] = [];
    for (const key of keys) {
      const [table, info] = await Promise.all([loadTable(this.store, key), this.store.head(key)]);
      if (info === undefined) throw new ObjectNotFoundError(objectUri(this.store, key));
      tables.push(table);
      parts.push(info);
    }
    if (tables.length === 0) return { table: new Table(new Schema([])), parts };
    return { table: new Table(tables[0].schema, tables.flatMap((t) => t.batches)), parts };
  }
}
