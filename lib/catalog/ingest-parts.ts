/**
 * Clean transactions and rejects as ingest publishes them: per raw object and
 * attempt, `clean/<data set>/<raw key>/<attempt>/part-NNNNN.parquet` (zstd) and
 * `rejects/…` likewise. Parts become part of the lake when the ledger lists
 * them (`ledger.ts`); readers follow the ledger, never a listing.
 */
import { Schema, Table } from 'apache-arrow';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../store/store';
import { DatasetFormatError, IngestPartError, MixedConfigurationError } from './errors';
import { configurationGroups, type IngestLedger, type Ledger, type LedgerEntry } from './ledger';
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
    return ownOutputKeys(prefix, (await this.store.list(prefix, { etags: false })).map((o) => o.key));
  }

  /**
   * The parts of this kind that ledger entries list and the lake does not hold (or lists
   * as unreadable, a folder store's link to nothing): deleted or lost since they were
   * published, so that reading them fails. One listing of the keys under
   * `<kind>/<data set>/<rawPrefix>` (paged by the store; a folder store reads no file),
   * not a request per part; only a part outside that prefix (which
   * ingest never writes) is asked for by itself. A part that is present but damaged is
   * not noticed (that takes reading it).
   * @param objects ledger entries by raw key, e.g. those ingest would leave unchanged.
   * @param rawPrefix a prefix of every raw key of `objects` (`''`, the default, always is), which narrows the listing.
   * @returns the missing parts by raw key, in ledger order; raw keys with none missing are absent.
   * @throws store errors of the listing, unchanged.
   * @example await catalog.clean.missing({ '2011-05.csv.lzo': entry }) // Map { '2011-05.csv.lzo' => ['clean/online-retail/2011-05.csv.lzo/a1/part-00000.parquet'] }
   */
  async missing(objects: Readonly<Record<string, LedgerEntry>>, rawPrefix = ''): Promise<Map<string, string[]>> {
    const missing = new Map<string, string[]>();
    const listed = Object.entries(objects).filter(([, entry]) => entry[this.kind].length > 0);
    if (listed.length === 0) return missing;
    const prefix = `${this.kind}/${this.ledger.dataset}/${rawPrefix}`;
    const present = new Set((await this.store.list(prefix, { etags: false })).filter((o) => o.unreadable === undefined).map((o) => o.key));
    for (const [rawKey, entry] of listed) {
      const gone: string[] = [];
      for (const key of entry[this.kind]) {
        const here = key.startsWith(prefix) ? present.has(key) : (await this.store.head(key)) !== undefined;
        if (!here) gone.push(key);
      }
      if (gone.length > 0) missing.set(rawKey, gone);
    }
    return missing;
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
   *   were ingested with different settings of the clean rows; IngestPartError naming the part (its
   *   URI and raw object) and what to do, for a part the current ledger still lists that is missing
   *   (or after {@link READ_ATTEMPTS} ledgers in a row lost one) or cannot be decoded; other store errors unchanged.
   */
  async read(): Promise<{ table: Table; parts: ObjectInfo[] }> {
    for (let attempt = 1; ; attempt++) {
      const listed = this.listed(await this.ledger.load());
      try {
        return await this.readParts(listed);
      } catch (error) {
        if (!(error instanceof IngestPartError && error.problem === 'missing') || attempt === READ_ATTEMPTS) throw error;
        const now = this.listed(await this.ledger.load());
        if (now.length === listed.length && now.every((p, i) => p.key === listed[i].key)) throw error;
      }
    }
  }

  /**
   * This kind's parts `ledger` lists, with their raw objects: raw keys in order, parts in order.
   * @throws MixedConfigurationError when its objects were ingested with different settings of the clean rows.
   */
  private listed(ledger: Ledger): { rawKey: string; key: string }[] {
    const groups = configurationGroups(ledger);
    if (groups.length > 1) throw new MixedConfigurationError(this.ledger.dataset, this.ledger.uri, groups);
    return Object.keys(ledger.objects).sort().flatMap((rawKey) => ledger.objects[rawKey][this.kind].map((key) => ({ rawKey, key })));
  }

  /** @throws IngestPartError for a part missing or that does not decode; other store errors unchanged. */
  private async readParts(listed: { rawKey: string; key: string }[]): Promise<{ table: Table; parts: ObjectInfo[] }> {
    const tables: Table[] = [];
    const parts: ObjectInfo[] = [];
    for (const { rawKey, key } of listed) {
      const uri = objectUri(this.store, key);
      const missing = () => new IngestPartError(this.kind, rawKey, key, uri, 'missing', this.ledger.uri);
      let table: Table;
      let info: ObjectInfo | undefined;
      try {
        [table, info] = await Promise.all([loadTable(this.store, key), this.store.head(key)]);
      } catch (error) {
        if (error instanceof ObjectNotFoundError) throw missing();
        if (error instanceof DatasetFormatError) throw new IngestPartError(this.kind, rawKey, key, uri, 'unreadable', this.ledger.uri, error.detail);
        throw error;
      }
      if (info === undefined) throw missing();
      tables.push(table);
      parts.push(info);
    }
    if (tables.length === 0) return { table: new Table(new Schema([])), parts };
    return { table: new Table(tables[0].schema, tables.flatMap((t) => t.batches)), parts };
  }
}
