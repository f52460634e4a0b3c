/**
 * Typed errors of the catalog's data sets, each naming the object by its URI:
 * {@link DatasetError} and below it not found, already exists, and invalid.
 */
import { objectUri } from './uri';

/** Base class of data-set errors; `uri` names the object concerned. */
export class DatasetError extends Error {
  constructor(message: string, readonly uri: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
  }
}

/** A data set's object that must exist does not, e.g. `model "m1" not found: file:///lake/models/m1/manifest.json does not exist`. */
export class DatasetNotFoundError extends DatasetError {
  /** @param what the data set and its instance, e.g. `model "m1"`. */
  constructor(what: string, uri: string) {
    super(`${what} not found: ${uri} does not exist`, uri);
    this.name = 'DatasetNotFoundError';
  }
}

/** A write onto an object that is never overwritten (a published model). */
export class DatasetExistsError extends DatasetError {
  /**
   * @param what e.g. `model "m1"`
   * @param why e.g. `models are never overwritten`.
   */
  constructor(what: string, uri: string, why: string) {
    super(`${what} already exists (${uri}); ${why}`, uri);
    this.name = 'DatasetExistsError';
  }
}

/**
 * A stored object that is not what this version reads: not JSON, a field that
 * breaks the data set's schema, or contents that contradict its key.
 * Message: `invalid <what> <uri>: <detail>[; <hint>]`, e.g.
 * `invalid lock s3://lake/locks/online-retail.json: field owner.pid: Expected number, received string`.
 */
export class DatasetFormatError extends DatasetError {
  /**
   * @param what the data set, e.g. `run record`.
   * @param detail what is wrong, e.g. `field status: Invalid enum value …` or `expected JSON, Unexpected token …`.
   * @param hint what to do about it, appended after `; `.
   */
  constructor(readonly what: string, uri: string, readonly detail: string, hint?: string, options?: { cause?: unknown }) {
    super(`invalid ${what} ${uri}: ${detail}${hint === undefined ? '' : `; ${hint}`}`, uri, options);
    this.name = 'DatasetFormatError';
  }
}

/**
 * An object of the data set is missing from a lake that may hold other data
 * sets: the message names the data set, the lake, the data sets it holds and
 * what to do, e.g. `no champion for data set "loyalty" in lake file:///lake
 * (the lake holds: online-retail): file:///lake/models/loyalty/champion.json
 * does not exist; train a model first (berserkr train) or pass --model`.
 */
export class NotInLakeError extends DatasetError {
  /**
   * @param what e.g. `champion`
   * @param dataset the data set asked for
   * @param lake the lake's root URI
   * @param held the data sets the lake holds (ingested), sorted
   * @param uri the missing object
   * @param hint what to do about it, appended after `; `.
   */
  constructor(what: string, readonly dataset: string, lake: string, readonly held: readonly string[], uri: string, hint: string) {
    const holds = held.length === 0 ? 'the lake holds no data set' : `the lake holds: ${held.join(', ')}`;
    super(`no ${what} for data set ${JSON.stringify(dataset)} in lake ${lake} (${holds}): ${uri} does not exist; ${hint}`, uri);
    this.name = 'NotInLakeError';
  }
}

/**
 * A lake written by a berserkr that kept one data set per lake (`models/champion.json`,
 * `exports/latest.json`, `locks/pipeline.json` at the top): this version reads
 * models, scores, exports, run records and the lock per data set only.
 */
export class LakeLayoutError extends DatasetError {
  /**
   * @param lake the lake's root URI
   * @param found the old-layout keys found, e.g. `['models/champion.json']`.
   */
  constructor(lake: string, readonly found: readonly string[]) {
    super(
      `lake ${lake} has the layout of one data set per lake (found ${found.join(', ')}); this version keeps models, scores, exports, run records and the lock `
        + 'per data set (models/<data set>/…, see the README\'s "Lake layout"). To migrate, move models/, scores/, exports/, runs/ and locks/ out of the lake '
        + '(clean/, rejects/ and ledger/ are per data set already and stay) and run `berserkr run` again; or use a new lake',
      objectUri({ uri: lake }, found[0]),
    );
    this.name = 'LakeLayoutError';
  }
}

/**
 * The ledger lists objects ingested with different settings of the clean rows
 * (`csv` and `columns` changed and some objects were not ingested again: their raw
 * object is gone or failed), so their clean rows may differ in columns or meaning
 * (a time zone): readers refuse them. `groups` holds the hashes of those settings
 * and their objects, the current configuration's first when it is among them.
 */
export class MixedConfigurationError extends DatasetError {
  constructor(dataset: string, uri: string, readonly groups: { hash: string; keys: string[] }[]) {
    const list = groups.map((g) => `${g.keys.length} object${g.keys.length === 1 ? '' : 's'} ingested with settings ${g.hash.slice(0, 12)}… (${g.keys.slice(0, 3).join(', ')}${g.keys.length > 3 ? ', …' : ''})`);
    super(
      `the clean data of data set ${JSON.stringify(dataset)} mix ${groups.length} settings of csv and columns, so their rows may differ in columns or meaning: ${list.join('; ')} (ledger ${uri}); `
        + 'ingest again once every object ingests with one configuration (restore the raw objects that are gone, fix or remove those that fail), '
        + 'or drop the objects whose raw object is gone with berserkr ingest --forget-missing',
      uri,
    );
    this.name = 'MixedConfigurationError';
  }
}

/** How ingest repairs the parts the ledger lists that are gone from the lake. */
const INGEST_AGAIN = 'run berserkr ingest again: it re-reads the raw objects whose parts are missing';

/** What to do about parts the ledger lists that are gone from the lake, as {@link IngestPartError} and `berserkr gc` say it. */
export const MISSING_PARTS_REMEDY = `${INGEST_AGAIN}; if the raw object itself is gone, berserkr ingest --forget-missing drops it from the lake instead`;

/**
 * A clean or reject part that the ledger lists and that cannot be read: `missing` from the
 * lake (deleted or lost), or `unreadable` (truncated, damaged: not a Parquet file that
 * decodes). The message names the part by its URI (the lake's URI and the key), the raw
 * object it holds rows of and the ledger, and says what to do: for a missing part, ingest
 * again, which reads again the raw objects whose parts are gone (or `--forget-missing`
 * when the raw object itself is gone); for an unreadable one, delete it first, since
 * ingest notices missing parts, not damaged ones. E.g. `clean part of raw object
 * "2011-05.csv.lzo" cannot be read: file:///lake/clean/online-retail/2011-05.csv.lzo/a1/part-00000.parquet
 * is not a readable Parquet file (Parquet error: Invalid Parquet file. Corrupt footer); delete it and run berserkr ingest again: …`.
 */
export class IngestPartError extends DatasetError {
  /**
   * @param kind `clean` or `rejects`
   * @param rawKey the raw object whose rows the part holds, e.g. `2011-05.csv.lzo`
   * @param key the part's key in the lake
   * @param uri the part's URI
   * @param problem `missing` or `unreadable`
   * @param ledgerUri the ledger that lists the part
   * @param detail with `unreadable`: the decoder's message (in the message, so not also a cause).
   */
  constructor(
    readonly kind: 'clean' | 'rejects',
    readonly rawKey: string,
    readonly key: string,
    uri: string,
    readonly problem: 'missing' | 'unreadable',
    ledgerUri: string,
    detail?: string,
  ) {
    const part = `${kind === 'clean' ? 'clean' : 'reject'} part of raw object ${JSON.stringify(rawKey)}`;
    super(
      problem === 'missing'
        ? `missing ${part}: object not found: ${uri} (listed by the ledger ${ledgerUri}); ${MISSING_PARTS_REMEDY}`
        : `${part} cannot be read: ${uri} is not a readable Parquet file: ${detail ?? 'unknown error'} (listed by the ledger ${ledgerUri}); delete it and ${INGEST_AGAIN}`,
      uri,
    );
    this.name = 'IngestPartError';
  }
}
