/**
 * The ingest ledger `ledger/<data set>.json`: which raw objects (key, ETag,
 * configuration) are ingested and which clean and reject parts each published.
 * It is the manifest readers follow: a part is part of the lake once the
 * ledger lists it, and rewriting the ledger (one atomic put) is ingest's commit.
 */
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { DatasetFormatError } from './errors';
import { JsonObject, type JsonSpec } from './json';

const count = z.number();

/**
 * A checksum over an object's decompressed content that ingest verified: lzop's
 * per-block Adler-32 or CRC-32 of the decompressed bytes, gzip's CRC-32 of each
 * member, zstd's content checksum (the low 32 bits of XXH64) of each frame.
 */
export const ContentChecksumSchema = z.enum(['adler32', 'crc32', 'xxh64']);
export type ContentChecksum = z.infer<typeof ContentChecksumSchema>;

/** What the ledger remembers of one ingested raw object. */
export const LedgerEntrySchema = z.object({
  /** ETag of the raw object that was ingested. */
  etag: z.string(),
  /** Size of the raw object, bytes. */
  size: z.number(),
  /** The configuration hash (`configHash` of lib/config.ts) of the configuration used. */
  configHash: z.string(),
  /**
   * The hash of the settings that shaped the clean rows (`rowsHash` of lib/config.ts:
   * `csv` and `columns`); a different one re-ingests the object. Absent in entries
   * written before ingest recorded it.
   */
  rowsHash: z.string().optional(),
  /**
   * The version of ingest's rules that made the rows (`INGEST_RULES` of
   * ingest/rules.ts); an older one than the code's re-ingests the object. Absent
   * in entries written before ingest recorded it (version 1).
   */
  rules: z.number().int().positive().optional(),
  /** Attempt id under which the parts were written. */
  attempt: z.string(),
  /**
   * When the object's rows (this ETag under these settings and rules) were first published, ISO 8601 UTC:
   * reading it again because parts of it went missing keeps it (the rows are those it held), so
   * `schedule` does not take a repair for new data; reading it again under newer ingest rules
   * does not (its rows may differ).
   */
  ingestedAt: z.string(),
  /** Clean parts (keys), in order. */
  clean: z.array(z.string()),
  /** Reject parts (keys), in order. */
  rejects: z.array(z.string()),
  /**
   * Lines read, clean, rejected and duplicated, and rejected lines per reason code, in
   * physical lines (a record spanning several counts them all; `IngestCounts`), and
   * the first rejected record and the one that spans the most lines when one spans several.
   */
  counts: z.object({
    read: count,
    clean: count,
    rejected: count,
    duplicates: count,
    byReason: z.record(count),
    firstReject: z.object({ line: count, reason: z.string() }).optional(),
    longestReject: z.object({ line: count, lines: count, reason: z.string() }).optional(),
  }),
  /**
   * The checksums verified over the object's content, every byte covered by at
   * least one of them (the members of one lzop object may use different ones);
   * empty when some of it was covered by none (plain CSV, lzop written with `-F`, a
   * zstd frame without a content checksum), so that a changed byte there could not
   * be noticed. Absent in entries written before ingest recorded it.
   */
  checksums: z.array(ContentChecksumSchema).optional(),
});

/** Schema of `ledger/<data set>.json` (version 1): raw key → entry. */
export const LedgerSchema = z.object({
  version: z.literal(1),
  dataset: z.string(),
  objects: z.record(LedgerEntrySchema),
  /** When objects were last dropped because their raw object is gone (`forgetMissing`; ISO 8601): the clean data changed then too. */
  forgottenAt: z.string().optional(),
});

export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;
export type Ledger = z.infer<typeof LedgerSchema>;

/**
 * The ledger's objects grouped by the settings that shaped their clean rows: by
 * `rowsHash`, or for an entry of an earlier version without one by its
 * `configHash` (then its settings are unknown, and it is a group of its own
 * unless its configuration is the same). `current`'s group first, then by hash;
 * keys in order within a group.
 * @param current the `rowsHash` of the configuration in use, when known.
 */
export function configurationGroups(ledger: Ledger, current?: string): { hash: string; keys: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const key of Object.keys(ledger.objects).sort()) {
    const entry = ledger.objects[key];
    const hash = entry.rowsHash ?? entry.configHash;
    groups.set(hash, [...(groups.get(hash) ?? []), key]);
  }
  const rank = (hash: string): string => (hash === current ? '' : hash);
  return [...groups].map(([hash, keys]) => ({ hash, keys })).sort((a, b) => (rank(a.hash) < rank(b.hash) ? -1 : 1));
}

const SPEC: JsonSpec<Ledger> = { what: 'ledger', schema: LedgerSchema, indent: 1, newline: false };

/** The ledger of one data set. */
export class IngestLedger {
  private readonly object: JsonObject<Ledger>;

  /**
   * @param store the lake
   * @param dataset the data set's name, e.g. `online-retail`.
   */
  constructor(store: ObjectStore, readonly dataset: string) {
    this.object = new JsonObject(store, `ledger/${dataset}.json`, SPEC);
  }

  /** `ledger/<data set>.json`. */
  get key(): string {
    return this.object.key;
  }

  /** `<lake uri>/ledger/<data set>.json`. */
  get uri(): string {
    return this.object.uri;
  }

  /**
   * The ledger; an absent ledger is an empty one.
   * @throws DatasetFormatError when it is not JSON of the ledger's shape, or is another data set's.
   */
  async load(): Promise<Ledger> {
    const ledger = await this.object.loadIfExists();
    if (ledger === undefined) return { version: 1, dataset: this.dataset, objects: {} };
    if (ledger.dataset !== this.dataset) throw new DatasetFormatError('ledger', this.uri, `is for data set "${ledger.dataset}", expected "${this.dataset}"`);
    return ledger;
  }

  /** Rewrites the ledger in one atomic put: the commit point of ingest. */
  publish(ledger: Ledger): Promise<ObjectInfo> {
    return this.object.save(ledger);
  }
}
