/**
 * Synthetic labelled FeatureSets with a planted signal: the purchase logit is
 * -3 + 1.2·ln(1 + count) - 0.01·recency_days + itemEffect[item], other features
 * are noise. Deterministic from a seed.
 */
import type { FeatureSet } from '../../features/types';
import { Prng } from '../../lib/prng';

export const SYNTH_NAMES = ['count', 'recency_days', 'noise_a', 'noise_b', 'ratio', 'spend'];

export interface SynthWorld {
  customers: number;
  items: number;
  itemEffect: Float64Array;
}

/** Standard normal by Box–Muller. */
export function gaussian(rng: Prng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

export function makeWorld(seed: number, customers = 300, items = 200): SynthWorld {
  const rng = new Prng(seed);
  return { customers, items, itemEffect: Float64Array.from({ length: items }, () => gaussian(rng)) };
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function plantedLogit(world: SynthWorld, count: number, recency: number, item: number): number {
  return -3 + 1.2 * Math.log1p(count) - 0.01 * recency + world.itemEffect[item];
}

/** One cut-off: `perCustomer` distinct candidate items per customer, rows sorted by (customer, item). */
export function makeFeatureSet(world: SynthWorld, seed: number, cutoff: number, perCustomer = 40, customers = world.customers): FeatureSet {
  const rng = new Prng(seed);
  const n = customers * perCustomer;
  const d = SYNTH_NAMES.length;
  const fs: FeatureSet = {
    cutoff,
    n,
    customer: new Int32Array(n),
    item: new Int32Array(n),
    names: [...SYNTH_NAMES],
    values: new Float32Array(n * d),
    label: new Uint8Array(n),
  };
  let r = 0;
  for (let c = 0; c < customers; c++) {
    const chosen = new Set<number>();
    while (chosen.size < perCustomer) chosen.add(rng.int(world.items));
    for (const item of [...chosen].sort((a, b) => a - b)) {
      const count = Math.floor(-Math.log(1 - rng.next()) * 3 * (1 + rng.next() * 4));
      const recency = rng.next() * 365;
      const v = fs.values.subarray(r * d, (r + 1) * d);
      v[0] = count;
      v[1] = recency;
      v[2] = gaussian(rng);
      v[3] = rng.next() * 10;
      v[4] = rng.next();
      v[5] = Math.exp(gaussian(rng) * 1.5 + 2);
      fs.customer[r] = c;
      fs.item[r] = item;
      fs.label![r] = rng.next() < sigmoid(plantedLogit(world, count, recency, item)) ? 1 : 0;
      r++;
    }
  }
  return fs;
}

/** Area under the ROC curve by the rank-sum (Mann–Whitney) formula, ties averaged. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (labels[idx[t]] === 1) {
      rankSum += avg;
      pos++;
    }
    i = j + 1;
  }
  const neg = scores.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
