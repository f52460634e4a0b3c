/**
 * The ingest edge: raw objects → lake, through the catalog only.
 *
 * Publishing protocol (all-or-nothing, `design.md`): each object's parts are
 * written under a fresh attempt id as the catalog lays them out
 * (`catalog/ingest-parts.ts`: clean and rejects parts, zstd), and become
 * visible only when the ledger (`catalog/ledger.ts`), the manifest readers
 * follow, is rewritten to list them: once per run, for every object of the run
 * read whole and within the reject budgets (`reject-budget.ts`), so a run over
 * its budget publishes nothing. Then each published object's other attempts (the
 * replaced one, leftovers of crashed ones) are deleted, never the outputs of
 * another object whose key extends its own (`catalog/object-outputs.ts`). A
 * crash at any point leaves the previous ledger and its parts intact (and the
 * next run reads the objects of the crashed one again). One writer per data set
 * at a time is assumed. A run asked to stop (`signal`) ends the same way between
 * objects: it abandons the object it is reading at its next part (deleting the
 * parts it wrote, which no ledger lists), reads no other, and commits the
 * objects it read whole.
 */
import { randomBytes } from 'crypto';
import { Catalog, checkAttemptId, configurationGroups, MixedConfigurationError, RawObjects, type ContentChecksum, type IngestParts, type Ledger, type LedgerEntry } from '../lib/catalog';
import { configHash, rowsHash } from '../lib/config';
import { stopReason } from '../lib/interrupt';
import { DatasetConfig } from '../lib/config-types';
import { CALLING_THREAD_ENCODER, workerEncoder } from '../lib/parquet-encoder';
import { type LockFence, NO_LOCK_FENCE } from '../lib/stage-context';
import { ObjectInfo, ObjectStore } from '../lib/store/store';
import { CodecRegistry } from './codec';
import { decompress } from './decompress';
import { IngestCounts, objectCompression, typeCsv, UncheckedContentError } from './ingest';
import { encodeBatches } from './parts';
import { RunRejectBudgetError, rejectBudget, runRejectBudget } from './reject-budget';
import { entryRules, INGEST_RULES } from './rules';
import { IngestWorkerPool } from './pool';
import { Turns } from './turns';
import { latestAcceptedTime } from './typing';

export interface IngestAllOptions {
  /** lzop block codecs (e.g. `createLzoRegistry()`). */
  codecs: CodecRegistry;
  /** Prefix of the raw objects to take in the raw store; the objects under it that `raw.pattern` and `csv.compression` select (`catalog/raw-objects.ts`). Default: the whole store. */
  rawPrefix?: string;
  /** Lines per Parquet part, `DEFAULT_BATCH_LINES` (125,000, `ingest.ts`) by default. */
  batchLines?: number;
  /** Largest lzop block accepted, bytes; `DEFAULT_MAX_BLOCK_SIZE` (1 MiB, `lzop.ts`) by default. */
  maxBlockSize?: number;
  /** Largest zstd window accepted, bytes; `DEFAULT_MAX_ZSTD_WINDOW` (8 MiB, `zstd.ts`) by default. */
  maxWindowSize?: number;
  /** Longest CSV record accepted, bytes; 1 MiB by default. Over it, the object fails. */
  maxRecordBytes?: number;
  /**
   * Largest share of an object's lines that may be rejected as unreadable (copies
   * of clean lines aside), in [0, 1]; `DEFAULT_MAX_REJECT_RATIO` (0.05, `reject-budget.ts`) by default,
   * with the allowance of small objects of `rejectAllowance`. Over it, the object fails
   * with a RejectBudgetError and its earlier output stays published. The same share
   * bounds the run: when the objects within their own budgets reject more of their lines
   * together, none of them is published (RunRejectBudgetError, `overBudget`).
   */
  maxRejectRatio?: number;
  /**
   * Fail every object that no checksum covers all of (plain CSV, lzop written with
   * `-F`, zstd frames without a content checksum: `LedgerEntry.checksums`) with an
   * UncheckedContentError: an uncompressed one at once, the others once they are read. Off by default: such objects are
   * ingested, and their ledger entries say they were unchecked.
   */
  requireChecksum?: boolean;
  /**
   * Drop from the lake, first (one ledger rewrite, then their parts), the objects the
   * ledger lists under `rawPrefix` whose raw object the listing no longer holds (gone,
   * or no longer selected by `raw.pattern`). Off by default: their output stays.
   * @throws ForgetAllError (nothing changed) when the listing holds no object at all.
   */
  forgetMissing?: boolean;
  /** Attempt id factory (names without `/`); default `<UTC yyyymmddThhmmssZ>-<8 hex>`. */
  attemptId?: () => string;
  /** Clock, for `ingestedAt` and, read once at the start, the latest time accepted (`latestAcceptedTime`: later ones are `future_time` rejects). */
  now?: () => Date;
  /**
   * Worker threads that parse, type and encode objects in parallel (decompression
   * and all I/O stay on the calling thread; `pool.ts`). 0 (the default) =
   * in-process, one object at a time, which was the faster on a busy 2-core
   * machine (`bench/README.md`); use one per idle core when several objects
   * arrive at once.
   */
  workers?: number;
  /**
   * Threads of their own that the in-process path (`workers` 0) encodes its Parquet
   * parts on (`lib/parquet-encoder.ts`); 0 (the default) = the calling thread. With
   * one or more, two objects are in hand at a time and parsed one after the other
   * (`turns.ts`), so that one is parsed while the other's last parts are encoded.
   * Started only when there is an object to read.
   */
  encodeThreads?: number;
  /**
   * Progress callback: called as each object's reading ends, in completion order
   * (`read`: whole and within its own budget, with its counts; or `failed`), then
   * once more for each read object when the run publishes, in key order
   * (`ingested`; or `failed`, when the run is over its budget or the ledger write fails).
   */
  onObject?: (event: IngestEvent) => void;
  /**
   * Asks the run to stop (SIGTERM/SIGINT, a lost lock): once it is aborted, no
   * further object is started, and the objects being read are abandoned at their
   * next part (their parts deleted; no event); the objects read whole by then are
   * published as usual, and the others are named in `interrupted`. Checked between
   * parts, so an object of one part is abandoned only before it is written.
   */
  signal?: AbortSignal;
  /**
   * Awaited before every ledger write with the ledger's URI (`StageContext.fence`: a run under the
   * pipeline lock checks it still holds it); when it throws, the ledger is not written: the run's
   * objects fail with its error, their parts are deleted, and the result's `unpublished` is the
   * error (before the rewrite of entries of earlier versions, or of `forgetMissing`, `ingestAll`
   * throws it). Default: none.
   */
  fence?: LockFence;
}

/** What {@link IngestAllOptions.onObject} hears of one object. */
export interface IngestEvent {
  key: string;
  status: 'read' | 'ingested' | 'failed';
  /** With `read` and `ingested`. */
  counts?: IngestCounts;
  /** With `failed`. */
  error?: Error;
}

/** Outcome of {@link ingestAll}. */
export interface IngestAllResult {
  /** Objects ingested in this run, with their published parts and counts. */
  ingested: { key: string; entry: LedgerEntry }[];
  /** Objects already in the ledger with the same ETag and configuration, whose published parts the lake holds. */
  unchanged: string[];
  /**
   * Objects in the ledger with the same ETag and configuration whose published clean or
   * reject parts (`parts`, lake keys) the lake no longer holds (deleted or lost): read
   * again, as a changed object is (so each is also in `ingested` or `failed`, or in
   * `interrupted`), in key order.
   */
  partsMissing: { key: string; parts: string[] }[];
  /**
   * Objects in the ledger with the same ETag and configuration that an older
   * version of ingest's rules made (`INGEST_RULES`, ingest/rules.ts): read again,
   * as a changed object is, so each is also in `ingested` or `failed` (those a
   * stopped run did not get to are only in `interrupted`). When it fails, its
   * published parts of the older rules stay, and those gone from the lake are in
   * `partsMissing` too. In key order.
   */
  olderRules: { key: string; rules: number }[];
  /**
   * Objects the ledger says a newer version of ingest's rules made than this
   * code's (a rollback): left as they are, neither read again nor counted as
   * changed, in key order.
   */
  newerRules: string[];
  /** Objects that failed; their earlier output, if any, stays published. */
  failed: { key: string; error: Error }[];
  /**
   * Set when the objects read whole and within their own budgets rejected more of
   * their lines together than the budget allows: none of them was published, and
   * each is in `failed` with this error for its key.
   */
  overBudget?: RunRejectBudgetError;
  /**
   * Set when the ledger write, the run's commit, failed (and the ledger does not
   * list the run's objects), or `fence` refused it (a LockLostError): none of them
   * was published, each is in `failed` with this error, and the fault is the
   * lake's or the lock's, not the objects'.
   */
  unpublished?: Error;
  /**
   * Set when the ledger write reported this error but the ledger read back lists
   * the run's objects (the write landed, its response was lost): they are
   * published. A store that does this often is worth a look.
   */
  ledgerWriteError?: Error;
  /** Objects dropped from the lake because their raw object is gone (`forgetMissing`), in key order. */
  forgotten: string[];
  /**
   * Without `forgetMissing`: objects of the ledger under the raw prefix that the raw listing no
   * longer holds (archived, deleted, or no longer selected by `raw.pattern`), in key order; their
   * output stays published.
   */
  gone: string[];
  /**
   * Set when the ledger at the end lists objects ingested with different settings of the
   * clean rows (`csv`, `columns`; this run's group first; the others' raw objects are gone
   * or failed): readers refuse the clean data with this error until they are ingested
   * again or forgotten.
   */
  mixedConfiguration?: MixedConfigurationError;
  /** With `mixedConfiguration`: the objects ingested with other settings of the clean rows than this run's, in key order. */
  otherConfiguration: string[];
  /**
   * Objects read in this run, with lines, whose content (ETag and size) is that of another
   * object (`of`), ingested before or earlier in key order: most likely one file under two
   * names (a double export), whose rows are then in the lake twice. Reported, not refused:
   * which of the two is the stray copy is the user's call (remove it and ingest with
   * `forgetMissing`).
   */
  copies: { key: string; of: string }[];
  /** The ledger as published at the end. */
  ledger: Ledger;
  /**
   * Set when `signal` stopped the run before every object to read was read whole:
   * why (`received SIGTERM`), and the objects not read (abandoned while being read,
   * or never started), in key order. Their earlier output, if any, stays published,
   * and the next run reads them. The objects read whole before are in `ingested`
   * (or `failed`) as in any run. Unset when the signal came after the last object was
   * read: the run then published everything.
   */
  interrupted?: { reason: string; notRead: string[] };
}

/**
 * For each object to read, another object of the same content (ETag and size): one the
 * ledger holds (and that is not read again), or one to read before it in key order.
 */
function copiesOf(ledger: Ledger, todo: readonly ObjectInfo[]): Map<string, string> {
  const again = new Set(todo.map((o) => o.key));
  const first = new Map<string, string>();
  const content = (o: { etag: string; size: number }): string => `${o.etag}\n${o.size}`;
  for (const key of Object.keys(ledger.objects).sort()) if (!again.has(key) && !first.has(content(ledger.objects[key]))) first.set(content(ledger.objects[key]), key);
  const copies = new Map<string, string>();
  for (const object of [...todo].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const original = first.get(content(object));
    if (original === undefined) first.set(content(object), object.key);
    else copies.set(object.key, original);
  }
  return copies;
}

/** `forgetMissing` with a raw listing that holds no object: most likely the wrong location, so nothing is dropped. */
export class ForgetAllError extends Error {
  constructor(readonly objects: number, rawUri: string) {
    super(`refusing to forget every ingested object (${objects}): the raw location ${rawUri} holds no object the configuration selects (is it the right location?)`);
    this.name = 'ForgetAllError';
  }
}

/** `source`'s values, handing its return value to `onReturn` when it ends. */
async function* withReturn<T, R>(source: AsyncGenerator<T, R>, onReturn: (value: R) => void): AsyncGenerator<T, void> {
  onReturn(yield* source);
}

function defaultAttemptId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
}

/** Thrown inside {@link ingestAll} to abandon the object being read when the run is asked to stop. */
class Abandoned extends Error {
  constructor() {
    super('abandoned: the run was asked to stop');
    this.name = 'Abandoned';
  }
}

/** A part written by this run, and the data set (clean or rejects) it belongs to. */
interface WrittenPart {
  parts: IngestParts;
  key: string;
}

/** An object read whole and within its own budget, its parts written, waiting for the run's commit. */
interface StagedObject {
  object: ObjectInfo;
  entry: LedgerEntry;
  /** Its parts (unpublished until the commit). */
  written: WrittenPart[];
}

/**
 * Ingests every new or changed raw object of `raw` that the data set selects
 * (`raw.pattern`, `csv.compression`: `catalog/raw-objects.ts`) into `lake`.
 * An object is new or changed when the ledger has no entry for its key, or one
 * with another ETag or another hash of the settings that shape its clean rows
 * (`rowsHash` of lib/config.ts: `csv` and `columns`; a change of the purchase
 * rules re-ingests nothing), or one made by an older version of ingest's rules
 * (`olderRules`, `INGEST_RULES` of ingest/rules.ts). An object the ledger holds with the same ETag and
 * settings is read again too when the lake no longer holds some part the ledger lists
 * for it (deleted or lost: `partsMissing`; one listing of the data set's `clean/` and
 * `rejects/` prefixes finds them, a damaged part is not noticed). Objects are read in key order, up to
 * `workers` at a time (in-process: one at a time, or two with an encoder on
 * threads of its own, parsed in turn), each into parts of its own; a corrupt object fails alone.
 * At the end, the objects read whole and within their own reject budget are
 * published together by one ledger rewrite, provided they are also within the
 * run's budget (their lines added up); otherwise none of them is. Raw objects no
 * longer present keep their published output, unless `forgetMissing` drops it. The published output does not
 * depend on `workers`, `encodeThreads` or `batchLines` other than through the part boundaries.
 *
 * An object fails (and its earlier output, if any, stays published) when it cannot
 * be read whole, when it rejects more of its lines than `maxRejectRatio` allows, or
 * when the run's objects together do (then every object of the run fails, see `overBudget`).
 *
 * Once `signal` aborts, the run reads no further object and abandons those being
 * read at their next part, then publishes the objects read whole as above; the
 * result's `interrupted` names the objects not read.
 *
 * @param raw the raw store; @param lake the lake (clients passed in), read and written through the catalog of `config.name`.
 * @returns what was ingested, left unchanged, read again for missing parts and failed (each in key order), and the final ledger.
 * @throws DatasetFormatError when the existing ledger is unreadable (nothing is written);
 *   RangeError for a `maxRejectRatio` outside [0, 1]; store errors while reading
 *   the listing; the error of `options.fence` (LockLostError) when it refuses the rewrite of entries of
 *   earlier versions or of `forgetMissing` (nothing is written; it refusing the run's commit is `unpublished`).
 */
export async function ingestAll(raw: ObjectStore, lake: ObjectStore, config: DatasetConfig, options: IngestAllOptions): Promise<IngestAllResult> {
  const withinBudget = rejectBudget(options.maxRejectRatio);
  const withinRunBudget = runRejectBudget(options.maxRejectRatio);
  const now = options.now ?? (() => new Date());
  const notAfter = latestAcceptedTime(now());
  const hash = configHash(config);
  const rows = rowsHash(config);
  const catalog = new Catalog(lake, config.name);
  const rawObjects = new RawObjects(raw);
  const ledger = await catalog.ledger.load();
  const selection = await rawObjects.select(config, options.rawPrefix);
  const listing = selection.taken;
  const result: IngestAllResult = { ingested: [], unchanged: [], partsMissing: [], olderRules: [], newerRules: [], failed: [], forgotten: [], gone: [], otherConfiguration: [], copies: [], ledger };
  // Entries of earlier versions made with this very configuration made these rows: say so in the
  // ledger at once (the same parts, one more field), so that readers group them as ingest does.
  const legacy = Object.values(ledger.objects).filter((entry) => entry.rowsHash === undefined && entry.configHash === hash);
  for (const entry of legacy) entry.rowsHash = rows;
  const fence = options.fence ?? NO_LOCK_FENCE;
  if (legacy.length > 0) {
    await fence(catalog.ledger.uri);
    await catalog.ledger.publish(ledger);
  }
  if (options.forgetMissing) await forgetMissing();
  else result.gone = missingObjects();
  const todo: ObjectInfo[] = [];
  const same = (object: ObjectInfo): boolean => {
    const known = ledger.objects[object.key];
    return known !== undefined && known.etag === object.etag && known.rowsHash === rows;
  };
  const missing = await missingParts(listing.filter(same).map((o) => o.key));
  for (const object of listing) {
    const parts = missing.get(object.key);
    if (!same(object)) {
      todo.push(object);
      continue;
    }
    const rules = entryRules(ledger.objects[object.key]);
    if (rules > INGEST_RULES) result.newerRules.push(object.key);
    if (rules < INGEST_RULES) {
      // Rows of older rules, which the code in use may read otherwise: read again (its missing parts, if any, said too).
      result.olderRules.push({ key: object.key, rules });
      if (parts !== undefined) result.partsMissing.push({ key: object.key, parts });
      todo.push(object);
    } else if (parts === undefined) result.unchanged.push(object.key);
    else {
      // Published, then deleted or lost: its rows are no longer in the lake, and readers fail on them.
      result.partsMissing.push({ key: object.key, parts });
      todo.push(object);
    }
  }
  const copyOf = copiesOf(ledger, todo);
  const workers = options.workers ?? 0;
  const pool = workers > 0 && todo.length > 0 ? new IngestWorkerPool(Math.min(workers, todo.length)) : undefined;
  const encodeThreads = options.encodeThreads ?? 0;
  const encoder = pool === undefined && encodeThreads > 0 && todo.length > 0 ? workerEncoder(encodeThreads) : CALLING_THREAD_ENCODER;
  const staged: StagedObject[] = [];
  const signal = options.signal;
  const parsing = new Turns();
  const fail = async (objectKey: string, e: unknown, written: WrittenPart[]): Promise<void> => {
    const error = e instanceof Error ? e : new Error(String(e));
    for (const { parts, key } of written) await parts.delete(key).catch(() => undefined);
    result.failed.push({ key: objectKey, error });
    options.onObject?.({ key: objectKey, status: 'failed', error });
  };

  const readOne = async (object: ObjectInfo): Promise<void> => {
    const attempt = checkAttemptId(options.attemptId?.() ?? defaultAttemptId(now()));
    const written: WrittenPart[] = [];
    try {
      const entry: LedgerEntry = { etag: object.etag, size: object.size, configHash: hash, rowsHash: rows, rules: INGEST_RULES, attempt, ingestedAt: '', clean: [], rejects: [], counts: { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} } };
      const typeOptions = { batchLines: options.batchLines, maxRecordBytes: options.maxRecordBytes, maxRejectRatio: options.maxRejectRatio, notAfter };
      const how = objectCompression(object.key, config);
      // Known before reading: an uncompressed object has no checksum.
      if (options.requireChecksum && how.compression === 'none') throw new UncheckedContentError(object.key, how.compression);
      let checksums: ContentChecksum[] | undefined;
      const bytes = withReturn(decompress(object.key, rawObjects.stream(object.key), how, options), (value) => (checksums = value));
      const batches = pool
        ? pool.run(object.key, bytes, config, typeOptions)
        : encodeBatches(parsing.inTurn(typeCsv(object.key, bytes, config, typeOptions)), encoder);
      try {
        for (let r = await batches.next(); ; r = await batches.next()) {
          if (r.done) {
            entry.counts = r.value;
            break;
          }
          // Between parts: a run asked to stop writes no further part of it.
          if (signal?.aborted) throw new Abandoned();
          for (const [bytes, parts, keys] of [[r.value.clean, catalog.clean, entry.clean], [r.value.rejects, catalog.rejects, entry.rejects]] as const) {
            if (bytes === undefined) continue;
            const key = parts.partKey(object.key, attempt, keys.length);
            written.push({ parts, key });
            await parts.put(key, bytes);
            keys.push(key);
          }
        }
      } finally {
        await batches.return(entry.counts); // closes the raw stream when a write failed
      }
      // Set once the object is read to its end, as it is here.
      entry.checksums = checksums ?? [];
      if (options.requireChecksum && entry.checksums.length === 0) throw new UncheckedContentError(object.key, how.compression);
      withinBudget(object.key, entry.counts);
      const same = copyOf.get(object.key);
      if (same !== undefined && entry.counts.read > 0) result.copies.push({ key: object.key, of: same });
      staged.push({ object, entry, written });
      options.onObject?.({ key: object.key, status: 'read', counts: entry.counts });
    } catch (e) {
      if (e instanceof Abandoned) {
        // Unpublished (no ledger lists them): deleted as a failed object's; the next run reads the object again.
        for (const { parts, key } of written) await parts.delete(key).catch(() => undefined);
      } else await fail(object.key, e, written);
    }
  };

  try {
    let next = 0;
    const lanes = Array.from({ length: pool?.size ?? (encoder.threads > 0 ? 2 : 1) }, async () => {
      while (next < todo.length && !signal?.aborted) await readOne(todo[next++]);
    });
    await Promise.all(lanes);
  } finally {
    await pool?.close();
    await encoder.close();
  }
  const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  if (signal?.aborted) {
    const read = new Set([...staged.map((s) => s.object.key), ...result.failed.map((f) => f.key)]);
    const notRead = todo.map((o) => o.key).filter((key) => !read.has(key)).sort();
    if (notRead.length > 0) result.interrupted = { reason: stopReason(signal), notRead };
    // Those it did not get to were not read again.
    result.olderRules = result.olderRules.filter((o) => !notRead.includes(o.key));
  }
  staged.sort((a, b) => byKey(a.object, b.object));
  if (staged.length > 0) await publish(staged);
  result.ingested.sort(byKey);
  result.failed.sort(byKey);
  result.copies.sort(byKey);
  const groups = configurationGroups(ledger, rows);
  if (groups.length > 1) {
    result.mixedConfiguration = new MixedConfigurationError(config.name, catalog.ledger.uri, groups);
    result.otherConfiguration = groups.filter((g) => g.hash !== rows).flatMap((g) => g.keys).sort();
  }
  return result;

  /**
   * The published parts (clean, then rejects) of the ledger's objects `keys` that the lake no
   * longer holds, by raw key: one listing of each kind's prefix (`Catalog.missingParts`), not a request per part.
   */
  async function missingParts(keys: string[]): Promise<Map<string, string[]>> {
    const entries = Object.fromEntries(keys.map((key) => [key, ledger.objects[key]]));
    const prefix = options.rawPrefix !== undefined && keys.every((key) => key.startsWith(options.rawPrefix!)) ? options.rawPrefix : '';
    return catalog.missingParts(entries, prefix);
  }

  /** The objects of the ledger under the raw prefix that the listing no longer holds (gone, or no longer selected), in key order. */
  function missingObjects(): string[] {
    // A listed object that cannot be read (a link to an unmounted volume) is not gone.
    const selected = new Set([...listing.map((o) => o.key), ...selection.skipped.filter((o) => o.unreadable).map((o) => o.key)]);
    return Object.keys(ledger.objects).filter((key) => key.startsWith(options.rawPrefix ?? '') && !selected.has(key)).sort();
  }

  /**
   * Drops {@link missingObjects}: the ledger first (with `forgottenAt`, so that a later tick knows
   * the data changed), then their parts (best effort).
   */
  async function forgetMissing(): Promise<void> {
    const missing = missingObjects();
    if (missing.length === 0) return;
    if (listing.length === 0) throw new ForgetAllError(missing.length, raw.uri);
    const entries = missing.map((key) => [key, ledger.objects[key]] as const);
    const forgottenBefore = ledger.forgottenAt;
    for (const key of missing) delete ledger.objects[key];
    ledger.forgottenAt = now().toISOString();
    try {
      await fence(catalog.ledger.uri);
      await catalog.ledger.publish(ledger);
    } catch (e) {
      for (const [key, entry] of entries) ledger.objects[key] = entry;
      if (forgottenBefore === undefined) delete ledger.forgottenAt;
      else ledger.forgottenAt = forgottenBefore;
      throw e;
    }
    for (const key of missing) {
      for (const parts of [catalog.clean, catalog.rejects]) {
        for (const part of await parts.attemptKeys(key).catch(() => [])) await parts.delete(part).catch(() => undefined);
      }
    }
    result.forgotten = missing;
  }

  /** Commits `objects` by one ledger rewrite when the run is within its budget, then deletes their other attempts. */
  async function publish(objects: StagedObject[]): Promise<void> {
    try {
      withinRunBudget(objects.map(({ object, entry }) => ({ key: object.key, counts: entry.counts })));
    } catch (e) {
      if (e instanceof RunRejectBudgetError) result.overBudget = e;
      for (const { object, written } of objects) await fail(object.key, e instanceof RunRejectBudgetError ? e.forObject(object.key) : e, written);
      return;
    }
    const known = new Map(objects.map(({ object }) => [object.key, ledger.objects[object.key]]));
    const at = now().toISOString();
    // An object read again for its missing parts holds the rows it held: no new data since its first ingest. One read
    // again under newer rules may hold other rows: new data, so that a schedule that stops before training retrains later.
    const olderRules = new Set(result.olderRules.map((o) => o.key));
    const repaired = new Set(result.partsMissing.map((p) => p.key).filter((key) => !olderRules.has(key)));
    for (const { object, entry } of objects) {
      entry.ingestedAt = repaired.has(object.key) ? known.get(object.key)!.ingestedAt : at;
      ledger.objects[object.key] = entry;
    }
    try {
      // The commit point of every object of the run, when the run still holds the lock (a refusal lists none of them: failed below).
      await fence(catalog.ledger.uri);
      await catalog.ledger.publish(ledger);
    } catch (e) {
      // A write can land and still report an error (a lost response): then the parts are published.
      const error = e instanceof Error ? e : new Error(String(e));
      const landed = await ledgerLists(objects);
      if (landed) result.ledgerWriteError = error;
      else {
        for (const [key, entry] of known) {
          if (entry) ledger.objects[key] = entry;
          else delete ledger.objects[key];
        }
        result.unpublished = error;
        // Parts are deleted only when the ledger is known not to list them; else the object's next publish does.
        for (const { object, written } of objects) await fail(object.key, error, landed === false ? written : []);
        return;
      }
    }
    for (const { object, entry } of objects) {
      // Garbage: the replaced attempt and any crashed attempts of this object, and
      // nothing of another object whose key extends this one (`x.lzo/y.lzo`). Best
      // effort: what a failure leaves is unlisted, and the object's next publish deletes it.
      const live = new Set([...entry.clean, ...entry.rejects]);
      for (const parts of [catalog.clean, catalog.rejects]) {
        const keys = await parts.attemptKeys(object.key).catch(() => []);
        for (const key of keys) if (!live.has(key)) await parts.delete(key).catch(() => undefined);
      }
      result.ingested.push({ key: object.key, entry });
      options.onObject?.({ key: object.key, status: 'ingested', counts: entry.counts });
    }
  }

  /** Whether the stored ledger lists every one of `objects` with this run's attempt; undefined when it cannot be read. */
  async function ledgerLists(objects: StagedObject[]): Promise<boolean | undefined> {
    try {
      const stored = await catalog.ledger.load();
      return objects.every(({ object, entry }) => stored.objects[object.key]?.attempt === entry.attempt);
    } catch {
      return undefined;
    }
  }
}
