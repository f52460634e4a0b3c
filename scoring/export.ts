/**
 * Scores and top-K exports in the SCORES contract (`lib/schema.ts`):
 * `customer_id` utf8, `item_id` utf8, `rank` int32 (1 = most likely),
 * `probability` float64 in [0, 1], as an Arrow table (→ Parquet at the edge) and
 * as CSV bytes with a header line (RFC 4180: CRLF line ends, fields with a comma,
 * double quote, CR or LF quoted, inner quotes doubled).
 */
import { Float64, Int32, makeData, makeVector, Table, Utf8, type Vector } from 'apache-arrow';
import { SCORES } from '../lib/schema';
import { ScoringInputError } from './errors';
import type { TopK } from './topk';

const encoder = new TextEncoder();

function checkIds(rows: TopK, customerIds: readonly string[], itemIds: readonly string[]): void {
  for (let i = 0; i < rows.n; i++) {
    if (customerIds[rows.customer[i]] === undefined || itemIds[rows.item[i]] === undefined) {
      throw new ScoringInputError(
        `row ${i}: customer ${rows.customer[i]} or item ${rows.item[i]} has no external id (${customerIds.length} customer ids, ${itemIds.length} item ids)`,
      );
    }
  }
}

/** A utf8 vector of `ids[index[i]]`, built from the encoded ids directly (no per-row builder). */
function utf8Column(index: Int32Array, ids: readonly string[]): Vector<Utf8> {
  const encoded = new Map<number, Uint8Array>();
  const bytesOf = (k: number): Uint8Array => {
    let b = encoded.get(k);
    if (b === undefined) encoded.set(k, (b = encoder.encode(ids[k])));
    return b;
  };
  const offsets = new Int32Array(index.length + 1);
  for (let i = 0; i < index.length; i++) offsets[i + 1] = offsets[i] + bytesOf(index[i]).length;
  const data = new Uint8Array(offsets[index.length]);
  for (let i = 0; i < index.length; i++) data.set(bytesOf(index[i]), offsets[i]);
  return makeVector(makeData({ type: new Utf8(), length: index.length, nullCount: 0, valueOffsets: offsets, data }));
}

/**
 * The rows as an Arrow table with the SCORES columns, in row order.
 * @param customerIds external id per dense customer index; @param itemIds per dense item index.
 * @throws ScoringInputError when a dense index has no external id.
 */
export function scoresTable(rows: TopK, customerIds: readonly string[], itemIds: readonly string[]): Table {
  checkIds(rows, customerIds, itemIds);
  return new Table({
    [SCORES.customerId]: utf8Column(rows.customer.subarray(0, rows.n), customerIds),
    [SCORES.itemId]: utf8Column(rows.item.subarray(0, rows.n), itemIds),
    [SCORES.rank]: makeVector(makeData({ type: new Int32(), length: rows.n, nullCount: 0, data: rows.rank.subarray(0, rows.n) })),
    [SCORES.probability]: makeVector(
      makeData({ type: new Float64(), length: rows.n, nullCount: 0, data: Float64Array.from(rows.probability.subarray(0, rows.n)) }),
    ),
  });
}

/** A CSV field per RFC 4180 §2: quoted when it holds `,` `"` CR or LF, inner quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Probability as text: float32 precision (7 significant digits), shortest form. */
const formatProbability = (p: number): string => String(Number(p.toPrecision(7)));

/**
 * CSV of the rows in chunks of about `rowsPerChunk` lines (header first), for a
 * streamed store `put`: memory stays bounded by one chunk.
 * @throws ScoringInputError when a dense index has no external id.
 */
export function* scoresCsvChunks(rows: TopK, customerIds: readonly string[], itemIds: readonly string[], rowsPerChunk = 65_536): Generator<Uint8Array> {
  checkIds(rows, customerIds, itemIds);
  const customerText = customerIds.map(csvField);
  const itemText = itemIds.map(csvField);
  const header = [SCORES.customerId, SCORES.itemId, SCORES.rank, SCORES.probability].join(',');
  let lines: string[] = [header];
  for (let i = 0; i < rows.n; i++) {
    lines.push(`${customerText[rows.customer[i]]},${itemText[rows.item[i]]},${rows.rank[i]},${formatProbability(rows.probability[i])}`);
    if (lines.length >= rowsPerChunk) {
      yield encoder.encode(lines.join('\r\n') + '\r\n');
      lines = [];
    }
  }
  if (lines.length > 0) yield encoder.encode(lines.join('\r\n') + '\r\n');
}

/** The whole CSV as one byte array (see {@link scoresCsvChunks}). */
export function scoresCsv(rows: TopK, customerIds: readonly string[], itemIds: readonly string[]): Uint8Array {
  return Buffer.concat([...scoresCsvChunks(rows, customerIds, itemIds)]);
}

/**
 * The CSV chunks of {@link scoresCsvChunks} as an `AsyncIterable`, the streamed
 * body `ObjectStore.put` accepts: `await store.put(key, scoresCsvStream(…), 'text/csv')`.
 */
export async function* scoresCsvStream(
  rows: TopK,
  customerIds: readonly string[],
  itemIds: readonly string[],
  rowsPerChunk = 65_536,
): AsyncGenerator<Uint8Array> {
  yield* scoresCsvChunks(rows, customerIds, itemIds, rowsPerChunk);
}
