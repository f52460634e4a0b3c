/**
 * Merging and subsetting top-K lists held as SCORES tables (external ids): the
 * commit step concatenates the N shards' lists into the one export, ordered by
 * customer id, then rank, so the merged export equals the single run's row for
 * row; `berserkr export` keeps the lists of chosen customers, their first ranks or
 * their likelier items.
 * Customer ids compare in UTF-16 code-unit order (JavaScript `<`; byte order for
 * ASCII ids).
 */
import type { Table } from 'apache-arrow';
import { ScoringInputError } from './errors';
import { scoresTableFromColumns, scoresVectors } from './export';

interface Group {
  id: string;
  part: number;
  start: number;
  end: number;
}

/**
 * One table of the lists of `parts`, customers in ascending id order, each
 * customer's rows in their order within its part (rank order).
 * @param parts SCORES tables; a customer's rows must be contiguous in its part.
 * @param names a name per part for errors (e.g. the object key).
 * @throws ScoringInputError when a customer's rows are split within a part or
 *   the customer appears in two parts (naming both), or a column is missing.
 */
export function mergeLists(parts: readonly Table[], names: readonly string[] = parts.map((_, i) => `part ${i}`)): Table {
  const columns = parts.map((t) => scoresVectors(t));
  const groups: Group[] = [];
  columns.forEach(({ customer }, part) => {
    let previous: string | undefined;
    for (let r = 0; r < customer.length; r++) {
      const id = customer.get(r)!;
      if (r === 0 || id !== previous) groups.push({ id, part, start: r, end: r + 1 });
      else groups[groups.length - 1].end = r + 1;
      previous = id;
    }
  });
  groups.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.part - b.part || a.start - b.start));
  for (let g = 1; g < groups.length; g++) {
    const [a, b] = [groups[g - 1], groups[g]];
    if (a.id === b.id) {
      const where = a.part === b.part ? `twice in ${names[a.part]} (rows ${a.start} and ${b.start}): its rows must be contiguous` : `in both ${names[a.part]} and ${names[b.part]}`;
      throw new ScoringInputError(`customer ${JSON.stringify(a.id)} appears ${where}`);
    }
  }
  return gather(columns, groups);
}

/** Which rows of an export {@link selectLists} keeps: all that pass every filter given. */
export interface ListFilter {
  /** Customer ids whose lists to keep; every customer when absent. */
  customers?: ReadonlySet<string>;
  /** Keep ranks 1 … topK of each list (≥ 1). */
  topK?: number;
  /**
   * Keep the rows whose probability is at least this, in [0, 1], compared as the
   * float32 an export holds (so a row printed with this very value is kept).
   */
  minProbability?: number;
}

/**
 * The rows of `table` that pass `filter`, in table order (so each list stays in rank order).
 * @returns the table of those rows, how many customers it holds, and the requested
 *   `customers` that have no row in `table` at all (a customer whose every row the
 *   other filters drop is not missing).
 */
export function selectLists(table: Table, filter: ListFilter): { table: Table; customers: number; missing: string[] } {
  const columns = scoresVectors(table);
  const groups: Group[] = [];
  const found = new Set<string>();
  const kept = new Set<string>();
  const { customer, rank, probability } = columns;
  const { customers, topK = Infinity } = filter;
  const minProbability = filter.minProbability === undefined ? -Infinity : Math.fround(filter.minProbability);
  for (let r = 0; r < customer.length; r++) {
    const id = customer.get(r)!;
    if (customers !== undefined) {
      if (!customers.has(id)) continue;
      found.add(id);
    }
    if (rank[r] > topK || !(probability[r] >= minProbability)) continue;
    kept.add(id);
    const last = groups[groups.length - 1];
    if (last !== undefined && last.id === id && last.end === r) last.end = r + 1;
    else groups.push({ id, part: 0, start: r, end: r + 1 });
  }
  return { table: gather([columns], groups), customers: kept.size, missing: customers === undefined ? [] : [...customers].filter((c) => !found.has(c)) };
}

/** The rows of `groups` (in that order) as one SCORES table; item ids are read row by row, never all held as strings. */
function gather(columns: ReturnType<typeof scoresVectors>[], groups: readonly Group[]): Table {
  let n = 0;
  for (const g of groups) n += g.end - g.start;
  const customer = new Int32Array(n);
  const item = new Int32Array(n);
  const rank = new Int32Array(n);
  const probability = new Float64Array(n);
  const itemIds: string[] = [];
  const itemIndex = new Map<string, number>();
  let o = 0;
  groups.forEach((g, gi) => {
    const c = columns[g.part];
    for (let r = g.start; r < g.end; r++, o++) {
      const id = c.item.get(r)!;
      let it = itemIndex.get(id);
      if (it === undefined) itemIndex.set(id, (it = itemIds.push(id) - 1));
      customer[o] = gi;
      item[o] = it;
      rank[o] = c.rank[r];
      probability[o] = c.probability[r];
    }
  });
  return scoresTableFromColumns(customer, groups.map((g) => g.id), item, itemIds, rank, probability);
}
