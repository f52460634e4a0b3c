/**
 * What ranked lists are made of, judged against the truth: how many of their
 * places hold items the customer bought before the as-of time (repeat items)
 * or items new to it, how often each kind is bought in the horizon, and, for
 * the repeat items, the same by the days since the customer last bought them.
 * It shows where a ranking's hits come from and which past purchases it leaves
 * out of the lists.
 */
import { DAY_MS } from '../lib/schema';
import { eventsBefore, EventIndex, pastEnd } from '../features/event-index';
import type { RankedLists } from '../ranking/lists';
import { setHas } from '../ranking/ranges';
import type { Truth } from '../ranking/truth';

/** Upper bounds (exclusive), in days since the last purchase, of the recency classes; the last class is open. */
export const RECENCY_BOUNDS_DAYS: readonly number[] = [30, 90, 180, 300];

/** Counts over (evaluated customer, item) pairs of one kind. */
export interface PairCounts {
  /** Pairs of the kind: for repeat items, every item each evaluated customer bought before T. */
  pairs: number;
  /** Of those, bought in [T, T + H). */
  bought: number;
  /** Of `pairs`, in the customer's list. */
  listed: number;
  /** Of `listed`, bought in [T, T + H): the list's hits of this kind. */
  listedBought: number;
}

/** The composition of the lists of the evaluated customers. */
export interface ListComposition {
  /** Evaluated customers (`truth.customers.length`). */
  customers: number;
  /** Places of the lists holding an item the customer bought before T, and their hits. */
  repeatPlaces: number;
  repeatHits: number;
  /** Places holding an item new to the customer, and their hits. */
  newPlaces: number;
  newHits: number;
  /** Repeat (customer, item) pairs by recency class: `[0, 30)`, `[30, 90)`, …, `[300, ∞)` days, as {@link RECENCY_BOUNDS_DAYS}. */
  byRecency: { fromDays: number; toDays: number; counts: PairCounts }[];
}

/**
 * Counts the composition of `lists` for the evaluated customers of `truth`.
 * Customers outside the truth are ignored; a customer without a list has no
 * places but its past items still count as pairs (unlisted).
 * Time O(the evaluated customers' past events + list rows · log).
 * @param index the event index of all purchase events (events at or after T are read only through `truth`).
 * @param lists ranked lists in dense ids, any row order.
 * @param truth the protocol's truth at as-of T (`buildTruth`).
 */
export function listComposition(index: EventIndex, lists: RankedLists, truth: Truth): ListComposition {
  const { time, item } = index.events;
  const e = eventsBefore(index, truth.asOf);
  const rows = Int32Array.from(lists.customer.keys()).sort((a, b) => lists.customer[a] - lists.customer[b]);
  const lastBought = new Float64Array(index.nItems).fill(-1);
  const listedFor = new Int32Array(index.nItems).fill(-1);
  const bounds = [0, ...RECENCY_BOUNDS_DAYS, Infinity];
  const byRecency = bounds.slice(1).map((toDays, b) => ({ fromDays: bounds[b], toDays, counts: { pairs: 0, bought: 0, listed: 0, listedBought: 0 } }));
  const out: ListComposition = { customers: truth.customers.length, repeatPlaces: 0, repeatHits: 0, newPlaces: 0, newHits: 0, byRecency };
  const touched: number[] = [];
  let r = 0;
  for (let k = 0; k < truth.customers.length; k++) {
    const c = truth.customers[k];
    for (let p = index.byCustomer.offsets[c], end = pastEnd(index.byCustomer, c, e); p < end; p++) {
      const ev = index.byCustomer.events[p];
      if (lastBought[item[ev]] < 0) touched.push(item[ev]);
      lastBought[item[ev]] = Math.max(lastBought[item[ev]], time[ev]);
    }
    while (r < rows.length && lists.customer[rows[r]] < c) r++;
    for (; r < rows.length && lists.customer[rows[r]] === c; r++) {
      const it = lists.item[rows[r]];
      const hit = setHas(truth, k, it) ? 1 : 0;
      if (lastBought[it] >= 0) {
        out.repeatPlaces++;
        out.repeatHits += hit;
        listedFor[it] = k;
      } else {
        out.newPlaces++;
        out.newHits += hit;
      }
    }
    for (const it of touched) {
      const days = (truth.asOf - lastBought[it]) / DAY_MS;
      const counts = byRecency[byRecency.findIndex((b) => days < b.toDays)].counts;
      const bought = setHas(truth, k, it) ? 1 : 0;
      counts.pairs++;
      counts.bought += bought;
      if (listedFor[it] === k) {
        counts.listed++;
        counts.listedBought += bought;
      }
      lastBought[it] = -1;
    }
    touched.length = 0;
  }
  return out;
}
