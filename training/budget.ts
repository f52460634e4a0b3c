/**
 * Training under a budget: each epoch draws a fixed number of customer groups
 * (one customer's candidates at one labelled cut-off) from all cut-offs, so the
 * cost of an epoch is set by the budget, not by the number of customers.
 *
 * A group with a positive teaches the ranking within a customer (the softmax
 * term of `loss.ts`) and the level; a group without one teaches only the level
 * (the binary cross-entropy term), so such groups are drawn at a lower rate and
 * weighted up. Within a group every positive (up to half the group) and a
 * uniform sample of negatives are kept, each weighted by its class's rows ÷ rows
 * taken. Every weight is the inverse of the probability of drawing the row, so
 * the weighted loss is an unbiased estimate of the loss over all candidates of
 * all groups (Horvitz & Thompson, JASA 1952), and the softmax over a sample of
 * negatives adds log(weight) to each logit (the "logQ correction" of sampled
 * softmax; Bengio & Senécal, IEEE TNN 2008).
 */
import type { FeatureSet, LabelledCandidates } from '../features/types';
import { lowerBound } from '../ranking/ranges';
import { float32s, int32s } from './arrays';
import { TrainingInputError } from './errors';
import { toVocabIndex } from './model';
import type { Vocabulary } from './predict';
import { applyPreprocessing, type Preprocessing } from './preprocess';
import type { Prng } from '../lib/prng';

/** How much training sees per epoch. */
export interface TrainingBudget {
  /** Customer groups drawn per epoch (over all cut-offs). */
  groupsPerEpoch: number;
  /** Most rows kept of one group: all of a group that has at most this many, else a sample. */
  groupRows: number;
  /** Share of each epoch's groups drawn from groups without a positive, in [0, 1). */
  negativeGroupShare: number;
  /** Groups per gradient step. */
  groupsPerStep: number;
}

/** The groups of labelled cut-offs: group `g` owns rows [start[g], end[g]) of the candidates `sets[set[g]]`. */
export interface GroupPool {
  sets: readonly LabelledCandidates[];
  set: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** Positives of each group. */
  positives: Int32Array;
  /** Indices of the groups with at least one positive, and without. */
  withPositive: Int32Array;
  withoutPositive: Int32Array;
}

/**
 * The groups of `sets`: each customer's candidates at one cut-off, in the
 * sets' order, then the customers' (the candidates' customers and offsets).
 * @throws TrainingInputError when no set has a positive.
 */
export function groupPool(sets: readonly LabelledCandidates[]): GroupPool {
  const set: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const positives: number[] = [];
  sets.forEach((c, s) => {
    for (let k = 0; k + 1 < c.offsets.length; k++) {
      if (c.offsets[k] === c.offsets[k + 1]) continue;
      let p = 0;
      for (let r = c.offsets[k]; r < c.offsets[k + 1]; r++) p += c.label[r];
      set.push(s);
      start.push(c.offsets[k]);
      end.push(c.offsets[k + 1]);
      positives.push(p);
    }
  });
  const pos = Int32Array.from(positives);
  const withPositive = Int32Array.from(pos.keys()).filter((g) => pos[g] > 0);
  if (withPositive.length === 0) throw new TrainingInputError(`the ${sets.length} training cut-offs have no positive label`);
  return {
    sets,
    set: Int32Array.from(set),
    start: Int32Array.from(start),
    end: Int32Array.from(end),
    positives: pos,
    withPositive,
    withoutPositive: Int32Array.from(pos.keys()).filter((g) => pos[g] === 0),
  };
}

/**
 * The features of a pool set's candidate rows that were built: `features` row
 * k is candidate row `rows[k]` (every candidate row, in order, when `rows` is absent).
 */
export interface HeldRows {
  features: FeatureSet;
  /** Positions among the candidate rows, strictly ascending; absent when `features` holds them all. */
  rows?: Int32Array;
}

/**
 * The row of `held.features` that holds candidate row `r`.
 * @throws TrainingInputError when its features were not built.
 */
export function heldRow(held: HeldRows, r: number): number {
  if (held.rows === undefined) return r;
  const k = lowerBound(held.rows, r);
  if (held.rows[k] !== r) throw new TrainingInputError(`candidate row ${r} at cut-off ${new Date(held.features.cutoff).toISOString()} has no features built (${held.rows.length} rows were)`);
  return k;
}

/**
 * One epoch's training rows: `groups` groups, group j owning rows
 * [groupStart[j], groupStart[j + 1]), in the order they are trained on.
 */
export interface EpochSample {
  groups: number;
  rows: number;
  groupStart: Int32Array;
  /** Preprocessed features, rows × d, row-major. */
  x: Float32Array;
  /** Vocabulary indices (OOV included). */
  item: Int32Array;
  customer: Int32Array;
  /** 1 for a positive, 0 for a negative. */
  label: Float32Array;
  /** Inverse probability of drawing the row (group class × within-group), ≥ 1. */
  weight: Float32Array;
  /** Inverse probability of the row within its group (the logQ correction), ≥ 1. */
  withinWeight: Float32Array;
}

/** Moves a uniform sample of k elements without replacement to the front of `a` (partial Fisher–Yates). */
function partialShuffle(a: Int32Array | number[], k: number, rng: Prng): void {
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * How many groups of each class {@link planEpoch} draws: `negativeGroupShare`
 * of the budget from groups without a positive, the rest from those with one,
 * each capped by the groups the pool has.
 * @throws TrainingInputError when a budget figure is out of range.
 */
export function epochGroups(pool: GroupPool, budget: TrainingBudget): { withPositive: number; withoutPositive: number } {
  checkBudget(budget);
  const withoutPositive = Math.min(pool.withoutPositive.length, Math.round(budget.groupsPerEpoch * budget.negativeGroupShare));
  return { withoutPositive, withPositive: Math.min(pool.withPositive.length, budget.groupsPerEpoch - withoutPositive) };
}

/** The number of rows {@link drawRows} keeps of a group of `m` rows with `p` positives. */
function keptRows(m: number, p: number, groupRows: number): { pos: number; neg: number } {
  if (m <= groupRows) return { pos: p, neg: m - p };
  const pos = Math.min(p, groupRows >> 1);
  return { pos, neg: Math.min(m - p, groupRows - pos) };
}

/**
 * One epoch's groups, drawn under `budget` before their rows: `negativeGroupShare`
 * of the groups uniformly from those without a positive, the rest from those
 * with one (fewer when a class has fewer groups), in a random order.
 */
export interface EpochPlan {
  /** Pool indices of the groups, in the order they are trained on. */
  groups: Int32Array;
  /** Inverse probability of drawing a group with a positive, and one without. */
  classWeight: { withPositive: number; withoutPositive: number };
}

/**
 * Draws an epoch's groups ({@link EpochPlan}); {@link drawRows} then draws
 * their rows, all at once or a run of groups at a time.
 * @throws TrainingInputError when a budget figure is out of range.
 */
export function planEpoch(pool: GroupPool, budget: TrainingBudget, rng: Prng): EpochPlan {
  const { withPositive, withoutPositive } = pool;
  const { withPositive: nPos, withoutPositive: nNeg } = epochGroups(pool, budget);
  const posOrder = withPositive.slice();
  const negOrder = withoutPositive.slice();
  partialShuffle(posOrder, nPos, rng);
  partialShuffle(negOrder, nNeg, rng);
  const groups = new Int32Array(nPos + nNeg);
  groups.set(posOrder.subarray(0, nPos));
  groups.set(negOrder.subarray(0, nNeg), nPos);
  partialShuffle(groups, groups.length, rng);
  return { groups, classWeight: { withPositive: withPositive.length / nPos, withoutPositive: withoutPositive.length / nNeg } };
}

/** A row {@link visitDrawnRows} keeps: group, candidate row, label, weights and whether its ids become OOV. */
export type DrawnRowVisitor = (g: number, r: number, label: 0 | 1, within: number, weight: number, oovItem: boolean, oovCustomer: boolean) => void;

/**
 * Draws the rows of groups [j0, j1) of `plan`, in the order they are trained
 * on, and visits each: every positive (up to half the group) then a uniform
 * sample of negatives, as the module comment says. Reads labels only, so the
 * rows a training will draw can be known before any feature is built
 * (`draw-plan.ts`); {@link drawRows} draws through it.
 * @param oovRate chance, drawn for the item then the customer of every row, of the OOV index.
 */
export function visitDrawnRows(pool: GroupPool, plan: EpochPlan, j0: number, j1: number, budget: TrainingBudget, oovRate: number, rng: Prng, visit: DrawnRowVisitor): void {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let j = j0; j < j1; j++) {
    const g = plan.groups[j];
    const label = pool.sets[pool.set[g]].label;
    pos.length = 0;
    neg.length = 0;
    for (let r = pool.start[g]; r < pool.end[g]; r++) (label[r] === 1 ? pos : neg).push(r);
    const kept = keptRows(pool.end[g] - pool.start[g], pos.length, budget.groupRows);
    partialShuffle(pos, kept.pos, rng);
    partialShuffle(neg, kept.neg, rng);
    const w = pool.positives[g] > 0 ? plan.classWeight.withPositive : plan.classWeight.withoutPositive;
    for (let k = 0; k < kept.pos; k++) visit(g, pos[k], 1, pos.length / kept.pos, w, rng.next() < oovRate, rng.next() < oovRate);
    for (let k = 0; k < kept.neg; k++) visit(g, neg[k], 0, neg.length / kept.neg, w, rng.next() < oovRate, rng.next() < oovRate);
  }
}

/**
 * The training rows of groups [j0, j1) of `plan`: rows and weights as the
 * module comment says ({@link visitDrawnRows}), features from `held`. A
 * fraction `oovRate` of item and customer indices (independently) is replaced
 * by the OOV index, so its embedding rows learn an unseen id. Drawing
 * consecutive runs of groups in order, from the generator that drew the plan,
 * gives the rows that one draw of them all gives.
 * Memory: rows × (d + 5) × 4 bytes, rows ≤ (j1 − j0) × groupRows.
 * @param held the built features of each set of `pool`, in its order.
 * @param into buffers of {@link epochBuffers} to draw into (the result's arrays
 *   are views of them), so every draw reuses one allocation; new arrays when absent.
 * @throws RangeError when `into` is too small or [j0, j1) is not within the plan;
 *   TrainingInputError when a drawn row has no features in `held`.
 */
export function drawRows(pool: GroupPool, held: readonly HeldRows[], plan: EpochPlan, j0: number, j1: number, pre: Preprocessing, vocab: Vocabulary, budget: TrainingBudget, oovRate: number, rng: Prng, into?: EpochSample): EpochSample {
  if (!(Number.isInteger(j0) && Number.isInteger(j1) && 0 <= j0 && j0 <= j1 && j1 <= plan.groups.length)) throw new RangeError(`drawRows: groups [${j0}, ${j1}) of a plan of ${plan.groups.length}`);
  const chosen = plan.groups.subarray(j0, j1);
  const groupStart = into === undefined ? new Int32Array(chosen.length + 1) : into.groupStart.subarray(0, chosen.length + 1);
  if (groupStart.length < chosen.length + 1) throw new RangeError(`drawRows: buffers for ${into!.groups} groups, ${chosen.length} drawn`);
  chosen.forEach((g, j) => {
    const kept = keptRows(pool.end[g] - pool.start[g], pool.positives[g], budget.groupRows);
    groupStart[j + 1] = groupStart[j] + kept.pos + kept.neg;
  });
  const rows = groupStart[chosen.length];
  const d = pre.transforms.length;
  const buffers = into ?? epochBuffers(chosen.length, rows, d, false);
  if (buffers.x.length < rows * d) throw new RangeError(`drawRows: buffers for ${buffers.rows} rows, ${rows} drawn`);
  const sample: EpochSample = {
    groups: chosen.length,
    rows,
    groupStart,
    x: buffers.x.subarray(0, rows * d),
    item: buffers.item.subarray(0, rows),
    customer: buffers.customer.subarray(0, rows),
    label: buffers.label.subarray(0, rows),
    weight: buffers.weight.subarray(0, rows),
    withinWeight: buffers.withinWeight.subarray(0, rows),
  };
  let o = 0;
  visitDrawnRows(pool, plan, j0, j1, budget, oovRate, rng, (g, r, y, within, w, oovItem, oovCustomer) => {
    const h = held[pool.set[g]];
    const at = heldRow(h, r);
    sample.x.set(h.features.values.subarray(at * d, (at + 1) * d), o * d);
    sample.item[o] = oovItem ? -1 : h.features.item[at];
    sample.customer[o] = oovCustomer ? -1 : h.features.customer[at];
    sample.label[o] = y;
    sample.withinWeight[o] = within;
    sample.weight[o] = w * within;
    o++;
  });
  applyPreprocessing(pre, sample.x);
  toVocabIndex(sample.item, vocab.items, sample.item);
  toVocabIndex(sample.customer, vocab.customers, sample.customer);
  return sample;
}

/**
 * Zeroed arrays for `groups` groups and `rows` rows of d features, to draw
 * rows into ({@link drawRows}); in `SharedArrayBuffer`s when `shared`, so
 * worker threads read them without a copy. For runs of G groups: G groups,
 * G × groupRows rows.
 */
export function epochBuffers(groups: number, rows: number, d: number, shared: boolean): EpochSample {
  return {
    groups,
    rows,
    groupStart: int32s(groups + 1, shared),
    x: float32s(rows * d, shared),
    item: int32s(rows, shared),
    customer: int32s(rows, shared),
    label: float32s(rows, shared),
    weight: float32s(rows, shared),
    withinWeight: float32s(rows, shared),
  };
}

/** @throws TrainingInputError naming the first budget figure out of range. */
export function checkBudget(b: TrainingBudget): void {
  const bad = (name: string, v: number, want: string): never => {
    throw new TrainingInputError(`training budget: ${name} must be ${want}, found ${v}`);
  };
  if (!Number.isInteger(b.groupsPerEpoch) || b.groupsPerEpoch < 1) bad('groupsPerEpoch', b.groupsPerEpoch, 'a positive integer');
  if (!Number.isInteger(b.groupRows) || b.groupRows < 2) bad('groupRows', b.groupRows, 'an integer >= 2');
  if (!(b.negativeGroupShare >= 0 && b.negativeGroupShare < 1)) bad('negativeGroupShare', b.negativeGroupShare, 'in [0, 1)');
  if (!Number.isInteger(b.groupsPerStep) || b.groupsPerStep < 1) bad('groupsPerStep', b.groupsPerStep, 'a positive integer');
}
