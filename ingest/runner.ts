/**
 * The ingest runner: raw store → clean/rejects Parquet in the lake, incremental by
 * (key, ETag, configuration), with every object's outcome logged and recorded,
 * the objects it does not take (not matching `raw.pattern`, or of an unsupported
 * compression) included, with their reason, and a run over its reject budget
 * logged and recorded with its figures. A run asked to stop (`ctx.signal`) stops
 * between raw objects: what it read whole is published, and the step fails with a
 * RunInterruptedError naming the objects left for the next run.
 */
import { objectCompression } from './ingest';
import { createLzoRegistry } from './lzo1x';
import { rejectAllowance, unreadableLines } from './reject-budget';
import { INGEST_RULES } from './rules';
import { ingestAll, IngestAllResult } from './run';
import { RawObjects } from '../lib/catalog';
import type { ObjectInfo } from '../lib/store/store';
import { RunInterruptedError } from '../lib/interrupt';
import { defaultEncoderThreads } from '../lib/parquet-encoder';
import type { StageContext } from '../lib/stage-context';

/** Options of {@link ingestStep}. */
export interface IngestStepOptions {
  /** The reject budget of each object and of the run (`--max-reject-ratio`); the ingest default when absent. */
  maxRejectRatio?: number;
  /** Fail the objects no checksum covers (`ingestAll`'s `requireChecksum`, `--require-checksum`); otherwise they are ingested with a warning. */
  requireChecksum?: boolean;
  /** Threads of their own that Parquet parts are encoded on (`ingestAll`'s `encodeThreads`); by default those worth starting on this machine (`defaultEncoderThreads`). */
  encodeThreads?: number;
  /** Drop the output of objects whose raw object is gone (`ingestAll`'s `forgetMissing`, `--forget-missing`). */
  forgetMissing?: boolean;
}

/**
 * Ingests new or changed raw objects; failed objects are reported, not thrown.
 * When `ctx.signal` aborts while objects are still to read, ingest reads no further
 * object (`ingestAll`'s `signal`), publishes those it read whole, logs and records
 * them as any run does (and `ingest.not_read`), and the step `ingest` fails.
 * The ledger is written only once the context's fence (`ctx.fence`) found the pipeline lock still the run's.
 * @throws the error of the ledger write when the run's commit failed (`unpublished`: a LockLostError when the fence refused it),
 *   after logging and recording the objects;
 *   else RunInterruptedError (step `ingest`, naming how many objects were published and which were left) when stopped.
 */
export async function ingestStep(ctx: StageContext, raw: RawObjects, options: IngestStepOptions = {}): Promise<IngestAllResult> {
  const log = ctx.log.child({ stage: 'ingest' });
  const { taken, skipped } = await raw.select(ctx.config);
  for (const { key, reason } of skipped) {
    log.warn({ object: key, reason }, `skipped ${raw.uri(key)}: ${reason}`);
    ctx.run.skip(raw.store.uri, key, reason);
  }
  if (taken.length === 0) {
    log.warn(
      { skipped: skipped.length, pattern: ctx.config.raw.pattern },
      `no raw object under ${raw.store.uri} is taken by raw.pattern ${JSON.stringify(ctx.config.raw.pattern)} (${skipped.length} skipped): is it the right location and pattern?`,
    );
  }
  const bar = ctx.progress.bar('ingest', taken.length, 'objects');
  const read = new Set<string>();
  const result = await ctx.run.step('ingest', async () => {
    const r = await ingestAll(raw.store, ctx.catalog.store, ctx.config, {
      codecs: createLzoRegistry(),
      maxRejectRatio: options.maxRejectRatio,
      requireChecksum: options.requireChecksum,
      encodeThreads: options.encodeThreads ?? defaultEncoderThreads(),
      forgetMissing: options.forgetMissing,
      signal: ctx.signal,
      fence: ctx.fence,
      onObject: (e) => {
        if (e.status === 'read') read.add(e.key);
        if (e.status === 'read' || (e.status === 'failed' && !read.has(e.key))) bar.increment();
        if (e.status === 'failed') log.error({ object: e.key, err: e.error }, `cannot ingest ${raw.uri(e.key)}`);
        else log.info({ object: e.key, ...e.counts }, e.status);
      },
    });
    bar.stop();
    if (r.interrupted === undefined) return r;
    // Stopped: the step fails, with what it published recorded as any run's.
    recordIngest(ctx, raw, taken, r);
    const { notRead, reason } = r.interrupted;
    const left = `${notRead.slice(0, 3).join(', ')}${notRead.length > 3 ? ', …' : ''}`;
    const done = r.ingested.length + r.failed.length;
    throw r.unpublished ?? new RunInterruptedError(
      'ingest',
      reason,
      `after reading ${done} of ${done + notRead.length} new or changed raw objects`,
      `${r.ingested.length} read whole ${r.ingested.length === 1 ? 'is' : 'are'} published${r.failed.length > 0 ? `, ${r.failed.length} failed` : ''}; ${notRead.length} not read (${left}) ${notRead.length === 1 ? 'is' : 'are'} left for the next run, ${notRead.length === 1 ? 'its' : 'their'} earlier output, if any, still published`,
    );
  });
  recordIngest(ctx, raw, taken, result);
  if (result.unpublished !== undefined) throw result.unpublished;
  return result;
}

/** Logs and records the outcome of an ingest: its figures, outputs, warnings and failures. */
function recordIngest(ctx: StageContext, raw: RawObjects, taken: ObjectInfo[], result: IngestAllResult): void {
  const log = ctx.log.child({ stage: 'ingest' });
  const over = result.overBudget;
  if (over !== undefined) {
    const figures = { objects: over.objectKeys.length, read: over.counts.read, rejected: unreadableLines(over.counts), maxRejectRatio: over.maxRejectRatio, allowed: rejectAllowance(over.counts.read, over.maxRejectRatio) };
    log.error({ rejectBudget: figures }, over.message);
    ctx.run.fail(over, 'ingest');
  }
  if (result.partsMissing.length > 0) ctx.run.count('ingest.parts_missing', result.partsMissing.length);
  for (const { key, parts } of result.partsMissing) {
    log.warn(
      { object: key, missingParts: parts },
      `read ${raw.uri(key)} again although it is unchanged: ${parts.length} of the parts the ledger lists for it ${parts.length === 1 ? 'is' : 'are'} gone from the lake (${ctx.catalog.uri(parts[0])}${parts.length > 1 ? ', …' : ''})`,
    );
  }
  const notRead = result.interrupted?.notRead ?? [];
  const unread = new Set(notRead);
  const { olderRules } = result;
  if (olderRules.length > 0) {
    const n = olderRules.length;
    ctx.run.count('ingest.older_rules', n);
    log.warn(
      { olderRules: olderRules.map((o) => o.key), rules: INGEST_RULES },
      `read ${n} unchanged raw object${n === 1 ? '' : 's'} again, ${n === 1 ? 'its' : 'their'} rows made by an older version of ingest's rules than this one's (${INGEST_RULES}, docs/ingest-rules.md): ${olderRules.slice(0, 3).map((o) => o.key).join(', ')}${n > 3 ? ', …' : ''}`,
    );
  }
  if (result.newerRules.length > 0) {
    const n = result.newerRules.length;
    log.warn(
      { newerRules: result.newerRules, rules: INGEST_RULES },
      `${n} raw object${n === 1 ? '' : 's'} ${n === 1 ? 'was' : 'were'} ingested by a newer version of ingest's rules than this one's (${INGEST_RULES}, docs/ingest-rules.md), so the lake holds rows this version would not make; left as they are: ${result.newerRules.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}`,
    );
  }
  ctx.run.input(raw.store.uri, taken.filter((o) => !unread.has(o.key)));
  for (const { entry } of result.ingested) {
    ctx.run.count('ingest.read', entry.counts.read);
    ctx.run.count('ingest.clean', entry.counts.clean);
    ctx.run.count('ingest.rejected', entry.counts.rejected);
    ctx.run.count('ingest.duplicates', entry.counts.duplicates);
    for (const [reason, n] of Object.entries(entry.counts.byReason)) ctx.run.count(`ingest.rejected.${reason}`, n);
    for (const key of [...entry.clean, ...entry.rejects]) ctx.run.output(ctx.catalog.store.uri, key);
  }
  // Counted whatever the compression; a warning only where the container could have carried a checksum.
  const unchecked = result.ingested.filter(({ entry }) => entry.checksums?.length === 0).map(({ key }) => key);
  if (unchecked.length > 0) ctx.run.count('ingest.unchecked', unchecked.length);
  const uncheckedCompressed = unchecked.filter((key) => objectCompression(key, ctx.config).compression !== 'none');
  if (uncheckedCompressed.length > 0) {
    const n = uncheckedCompressed.length;
    log.warn(
      { unchecked: uncheckedCompressed },
      `${n} compressed object${n === 1 ? '' : 's'} carried no checksum of ${n === 1 ? 'its' : 'their'} content (lzop -F, zstd --no-check), `
        + `so a changed byte in ${n === 1 ? 'it' : 'them'} could not be noticed: ${uncheckedCompressed.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}; `
        + '--require-checksum fails such objects',
    );
  }
  if (result.ledgerWriteError !== undefined) {
    log.warn({ err: result.ledgerWriteError }, `the ledger write reported an error, but the ledger read back lists this run's objects, so they are published: ${result.ledgerWriteError.message}`);
  }
  for (const { key, of } of result.copies) {
    log.warn({ object: key, sameAs: of }, `${raw.uri(key)} has the content (ETag and size) of ${of}: their rows are in the lake twice; if one is a stray copy, remove it and ingest with --forget-missing`);
  }
  if (result.forgotten.length > 0) {
    ctx.run.count('ingest.forgotten', result.forgotten.length);
    log.warn({ forgotten: result.forgotten }, `dropped the output of ${result.forgotten.length} object(s) whose raw object is gone: ${result.forgotten.slice(0, 3).join(', ')}${result.forgotten.length > 3 ? ', …' : ''}`);
  }
  if (result.gone.length > 0) {
    ctx.run.count('ingest.gone', result.gone.length);
    const n = result.gone.length;
    log.info(
      { gone: result.gone },
      `${n} object${n === 1 ? '' : 's'} ingested earlier ${n === 1 ? 'is' : 'are'} not in the raw listing any more (archived, deleted, or no longer selected by raw.pattern): `
        + `${result.gone.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}; ${n === 1 ? 'its' : 'their'} rows stay in the lake, and --forget-missing drops them`,
    );
  }
  if (result.mixedConfiguration !== undefined) {
    log.error({ err: result.mixedConfiguration }, result.mixedConfiguration.message);
    ctx.run.fail(result.mixedConfiguration, 'ingest');
  }
  for (const f of result.failed) ctx.run.fail(f.error.message.startsWith(`${f.key}: `) ? f.error : new Error(`${f.key}: ${f.error.message}`), 'ingest');
  if (notRead.length > 0) ctx.run.count('ingest.not_read', notRead.length);
  log.info(
    { ingested: result.ingested.length, unchanged: result.unchanged.length, partsMissing: result.partsMissing.length, olderRules: olderRules.length, failed: result.failed.length, ...(result.interrupted === undefined ? {} : { notRead: notRead.length }) },
    `ingest: ${result.ingested.length} new or changed${result.partsMissing.length > 0 ? ` (${result.partsMissing.length} read again for missing parts)` : ''}${olderRules.length > 0 ? ` (${olderRules.length} read again under newer rules)` : ''}, ${result.unchanged.length} unchanged, ${result.failed.length} failed`
      + (result.interrupted === undefined ? '' : `, ${notRead.length} not read (${result.interrupted.reason}: stopped)`),
  );
}
