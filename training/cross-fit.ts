/**
 * Splitting a labelled cut-off by customer for cross-fitting: the refit in
 * `train.ts` trains on one half of the validation customers and scores the
 * other, so that calibration sees scores of the refit's recipe on rows it did
 * not learn from. Pure functions over typed columns.
 */
import type { FeatureSet } from '../features/types';
import type { Vocabulary } from './predict';

/**
 * The cross-fit fold, 0 or 1, of a dense customer index: the top bit of a
 * multiplicative (Fibonacci) hash, so folds do not follow id order.
 */
export function customerFold(customer: number): number {
  return (Math.imul(customer, 0x9e3779b1) >>> 31) & 1;
}

/** One fold of a feature set and where its rows sit in the whole. */
export interface FoldRows {
  /** The rows of the fold's customers, in their original order. */
  fs: FeatureSet;
  /** Row index in the whole set of each of `fs`'s rows. */
  rows: Int32Array;
}

/**
 * The rows of the customers in `fold` ({@link customerFold}), features and
 * labels copied.
 * @param fs any feature set, n rows × d features.
 * @param fold 0 or 1.
 * @returns the fold's rows (possibly none) and their indices in `fs`.
 */
export function foldRows(fs: FeatureSet, fold: number): FoldRows {
  const d = fs.names.length;
  let m = 0;
  for (let r = 0; r < fs.n; r++) if (customerFold(fs.customer[r]) === fold) m++;
  const rows = new Int32Array(m);
  for (let r = 0, k = 0; r < fs.n; r++) if (customerFold(fs.customer[r]) === fold) rows[k++] = r;
  const values = new Float32Array(m * d);
  rows.forEach((r, k) => values.set(fs.values.subarray(r * d, (r + 1) * d), k * d));
  const label = fs.label === undefined ? undefined : Uint8Array.from(rows, (r) => fs.label![r]);
  return {
    rows,
    fs: { cutoff: fs.cutoff, n: m, names: fs.names, customer: Int32Array.from(rows, (r) => fs.customer[r]), item: Int32Array.from(rows, (r) => fs.item[r]), values, ...(label && { label }) },
  };
}

/**
 * `fs` with every customer and item id that no row of `seen` holds replaced by
 * −1, which `toVocabIndex` maps to the OOV row: held-out rows then meet
 * untrained ids as scoring does, instead of reading embedding rows that only
 * weight decay has touched.
 * @param fs the rows to score (not modified).
 * @param seen the sets a network was trained on.
 * @param vocab that network's vocabulary (every id in `seen` is below it).
 */
export function unseenAsOov(fs: FeatureSet, seen: readonly FeatureSet[], vocab: Vocabulary): FeatureSet {
  const customers = new Uint8Array(vocab.customers);
  const items = new Uint8Array(vocab.items);
  for (const s of seen) {
    for (const c of s.customer) customers[c] = 1;
    for (const i of s.item) items[i] = 1;
  }
  return { ...fs, customer: fs.customer.map((c) => (customers[c] === 1 ? c : -1)), item: fs.item.map((i) => (items[i] === 1 ? i : -1)) };
}
