/**
 * Ticks of scheduled retraining on new raw objects: MinIO bucket notifications
 * where the raw location is a MinIO bucket, and a listing poll everywhere, so
 * an arrival is never missed (`berserkr schedule --on-new-object`).
 */
import { skipReason, type RawObjects, type RawSelection } from '../lib/catalog';
import type { Logger } from '../lib/log';
import { isMinioEndpoint, minioTargetFromEnv } from '../lib/minio-client';
import { parseStoreUri } from '../lib/store/open';

/** What {@link watchRaw} watches and how often. */
export interface WatchOptions {
  /** The raw location's URI. */
  raw: string;
  /** Milliseconds between listings. */
  pollInterval: number;
  /** Stop after this many ticks after the first; unset, until `signal` aborts. */
  maxTicks?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Keys and ETags of the raw objects ingest takes (`raw.pattern`, `csv.compression`), to notice arrivals when polling. */
async function rawState(raw: RawObjects, selection: RawSelection): Promise<string> {
  return (await raw.select(selection)).taken.map((i) => `${i.key}\t${i.etag}`).join('\n');
}

/**
 * Event mode: one tick now, then one per arrival of new raw objects, learnt from
 * MinIO bucket notifications (`s3:ObjectCreated:*`, of the objects ingest takes) where the raw
 * store is S3 and the server supports them (they wake it at once), and from
 * listing the raw store every `--poll-interval` (the only source elsewhere, and
 * a safety net for lost notifications). The listener and the listing snapshot are taken before the
 * first tick, so an object landing during a tick starts another one. Ticks run
 * one after another.
 */
export async function watchRaw(o: WatchOptions, raw: RawObjects, selection: RawSelection, log: Logger, signal: AbortSignal, onTick: () => Promise<void>): Promise<void> {
  let wake: () => void = () => undefined;
  let pending = false;
  const arrived = (): void => {
    pending = true;
    wake();
  };
  let stopListening = (): void => undefined;
  const target = parseStoreUri(o.raw).kind === 's3' ? minioTargetFromEnv(o.raw, process.env) : undefined;
  if (target !== undefined && (await isMinioEndpoint(target.endpoint))) {
    const skips = skipReason(selection);
    const poller = target.client.listenBucketNotification(target.bucket, target.prefix, '', ['s3:ObjectCreated:*']);
    poller.on('notification', (record: unknown) => {
      const object = (record as { s3?: { object?: { key?: string } } }).s3?.object?.key;
      // Event keys are URL-encoded, with a space as "+"; the raw store's keys are relative to its prefix.
      const key = object === undefined ? undefined : decodeURIComponent(object.replace(/\+/g, ' ')).slice(target.prefix.length);
      if (key !== undefined && skips(key) !== undefined) return;
      log.info({ event: (record as { eventName?: string }).eventName, object }, 'bucket notification: new raw object');
      arrived();
    });
    poller.on('error', (error: unknown) => log.warn({ err: error }, `bucket notifications from ${o.raw} failed; the listing poll every ${o.pollInterval} ms goes on`));
    stopListening = () => poller.stop();
    log.info(`listening to bucket notifications of ${o.raw} (MinIO at ${target.endpoint}), and listing it every ${o.pollInterval} ms`);
  } else if (target !== undefined) {
    log.info(`bucket notifications need MinIO; ${target.endpoint} is not a MinIO server (no /minio/health/live): polling ${o.raw} every ${o.pollInterval} ms`);
  } else {
    log.info(`bucket notifications need a MinIO raw bucket; ${o.raw} is a local folder: polling every ${o.pollInterval} ms`);
  }
  let last = await rawState(raw, selection);
  let ticks = 0;
  try {
    await onTick();
    while (!signal.aborted && (o.maxTicks === undefined || ticks < o.maxTicks)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (pending) resolve();
        void pause(o.pollInterval, signal).then(resolve);
      });
      if (signal.aborted) break;
      const now = await rawState(raw, selection);
      if (!pending && now === last) continue;
      pending = false;
      last = now;
      ticks++;
      await onTick();
    }
  } finally {
    stopListening();
  }
}
