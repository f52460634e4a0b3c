/**
 * Scores and top-K exports in the SCORES contract (`lib/schema.ts`):
 * `customer_id` utf8, `item_id` utf8, `rank` int32 (1 = most likely),
 * `probability` float64 in [0, 1]. In memory an Arrow table; on the way out one of
 * three formats, encoded in chunks so a streamed store `put` holds one chunk:
 * - CSV with a header line (RFC 4180: CRLF line ends, fields with a comma,
 *   double quote, CR or LF quoted, inner quotes doubled);
 * - Parquet (zstd), through `lib/parquet.ts`;
 * - JSON Lines (jsonlines.org: one UTF-8 JSON object per line, LF ends), keys the
 *   SCORES column names.
 */
import { Float64, Int32, makeData, makeVector, Table, Utf8, type Vector } from 'apache-arrow';
import { tableToParquet } from '../lib/parquet';
import { SCORES } from '../lib/schema';
import { ScoringInputError } from './errors';
import type { ExportFormat } from '../lib/catalog';
import type { TopK } from '../ranking/topk';

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
function utf8Column(index: ArrayLike<number>, ids: readonly string[]): Vector<Utf8> {
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
 * A SCORES table from typed columns: row r has customer `customerIds[customer[r]]`
 * and item `itemIds[item[r]]`.
 */
export function scoresTableFromColumns(
  customer: ArrayLike<number>,
  customerIds: readonly string[],
  item: ArrayLike<number>,
  itemIds: readonly string[],
  rank: Int32Array,
  probability: Float64Array,
): Table {
  return new Table({
    [SCORES.customerId]: utf8Column(customer, customerIds),
    [SCORES.itemId]: utf8Column(item, itemIds),
    [SCORES.rank]: makeVector(makeData({ type: new Int32(), length: rank.length, nullCount: 0, data: rank })),
    [SCORES.probability]: makeVector(makeData({ type: new Float64(), length: probability.length, nullCount: 0, data: probability })),
  });
}

/**
 * The rows as an Arrow table with the SCORES columns, in row order.
 * @param customerIds external id per dense customer index; @param itemIds per dense item index.
 * @throws ScoringInputError when a dense index has no external id.
 */
export function scoresTable(rows: TopK, customerIds: readonly string[], itemIds: readonly string[]): Table {
  checkIds(rows, customerIds, itemIds);
  return scoresTableFromColumns(
    rows.customer.subarray(0, rows.n),
    customerIds,
    rows.item.subarray(0, rows.n),
    itemIds,
    rows.rank.slice(0, rows.n),
    Float64Array.from(rows.probability.subarray(0, rows.n)),
  );
}

/**
 * The SCORES columns of `table`, the ids as Arrow vectors (read row by row with
 * `get`, so a large table's ids are never all held as strings at once).
 * @throws ScoringInputError when a column is missing.
 */
export function scoresVectors(table: Table): { customer: Vector<Utf8>; item: Vector<Utf8>; rank: Int32Array; probability: Float64Array } {
  const column = (name: string) => {
    const v = table.getChild(name);
    if (v === null) throw new ScoringInputError(`scores table: expected column ${name}, found ${table.schema.fields.map((f) => f.name).join(', ')}`);
    return v;
  };
  return {
    customer: column(SCORES.customerId) as Vector<Utf8>,
    item: column(SCORES.itemId) as Vector<Utf8>,
    rank: Int32Array.from(column(SCORES.rank).toArray() as ArrayLike<number>),
    probability: Float64Array.from(column(SCORES.probability).toArray() as ArrayLike<number>),
  };
}

/** The SCORES columns of `table` as plain arrays. @throws ScoringInputError when one is missing. */
export function scoresColumns(table: Table): { customer: string[]; item: string[]; rank: Int32Array; probability: Float64Array } {
  const { customer, item, rank, probability } = scoresVectors(table);
  return { customer: Array.from(customer) as string[], item: Array.from(item) as string[], rank, probability };
}

/** A CSV field per RFC 4180 §2: quoted when it holds `,` `"` CR or LF, inner quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Probability as text: the shortest decimal (6 to 9 significant digits) that reads
 * back to the same float32, the precision scores are computed in; 9 digits always
 * do (IEEE 754-2008 §5.12.2), so distinct probabilities stay distinct.
 */
function formatProbability(p: number): string {
  const single = Math.fround(p);
  for (let digits = 6; digits < 9; digits++) {
    const text = String(Number(p.toPrecision(digits)));
    if (Math.fround(Number(text)) === single) return text;
  }
  return String(Number(p.toPrecision(9)));
}

/** Text lines of rows [0, n) in chunks of `rowsPerChunk`, each chunk one encoded byte array. */
function* lineChunks(n: number, line: (r: number) => string, head: string[], end: string, rowsPerChunk: number): Generator<Uint8Array> {
  let lines = head;
  for (let r = 0; r < n; r++) {
    lines.push(line(r));
    if (lines.length >= rowsPerChunk) {
      yield encoder.encode(lines.join(end) + end);
      lines = [];
    }
  }
  if (lines.length > 0) yield encoder.encode(lines.join(end) + end);
}

/**
 * A SCORES table encoded as `format`, in chunks of about `rowsPerChunk` rows
 * (Parquet is one chunk: the file needs its footer). Concatenated, the chunks
 * are the whole file.
 * @throws ScoringInputError when a SCORES column is missing.
 */
export function* exportChunks(table: Table, format: ExportFormat, rowsPerChunk = 65_536): Generator<Uint8Array> {
  const { customer, item, rank, probability } = scoresVectors(table);
  if (format === 'parquet') {
    yield tableToParquet(table);
  } else if (format === 'csv') {
    const header = [SCORES.customerId, SCORES.itemId, SCORES.rank, SCORES.probability].join(',');
    yield* lineChunks(table.numRows, (r) => `${csvField(customer.get(r)!)},${csvField(item.get(r)!)},${rank[r]},${formatProbability(probability[r])}`, [header], '\r\n', rowsPerChunk);
  } else {
    const key = (name: string) => JSON.stringify(name);
    const [c, i, k, p] = [SCORES.customerId, SCORES.itemId, SCORES.rank, SCORES.probability].map(key);
    yield* lineChunks(
      table.numRows,
      (r) => `{${c}:${JSON.stringify(customer.get(r))},${i}:${JSON.stringify(item.get(r))},${k}:${rank[r]},${p}:${formatProbability(probability[r])}}`,
      [],
      '\n',
      rowsPerChunk,
    );
  }
}

/** The whole export as one byte array (see {@link exportChunks}). */
export function exportBytes(table: Table, format: ExportFormat): Uint8Array {
  return Buffer.concat([...exportChunks(table, format)]);
}

