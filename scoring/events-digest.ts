/**
 * A digest of the purchase events a scoring shard reads, so that the commit can
 * tell shards scored from different data apart (an ingest between two shards).
 */
import { createHash } from 'node:crypto';
import { eventsBefore, type EventIndex } from '../features/event-index';

/** Hex digits of the digest kept (64 bits). */
const DIGEST_HEX = 16;

/**
 * SHA-256 over the events before `asOf` (their dense customer, item, order,
 * time, quantity and spend columns) and the customer and item ids of the whole
 * index, truncated to 16 hex digits. Equal for the same clean data; a change
 * of the events before the as-of time, or of the ids, changes it.
 * @param index the event index, events in time order.
 * @param asOf as-of time, ms since the Unix epoch (UTC).
 * @returns 16 lower-case hex digits.
 */
export function eventsDigest(index: EventIndex, asOf: number): string {
  const n = eventsBefore(index, asOf);
  const { customer, item, order, time, quantity, spend, customerIds, itemIds } = index.events;
  const hash = createHash('sha256');
  for (const column of [customer, item, order, time, quantity, spend]) {
    const past = column.subarray(0, n);
    hash.update(new Uint8Array(past.buffer, past.byteOffset, past.byteLength));
  }
  hash.update(JSON.stringify([customerIds, itemIds]), 'utf8');
  return hash.digest('hex').slice(0, DIGEST_HEX);
}
