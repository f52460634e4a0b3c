/**
 * An ensemble of networks of `model.ts`'s form, trained independently, merged
 * into one network of the same form whose output is the sigmoid of the mean of
 * the members' logits (a seed ensemble; Lakshminarayanan et al., "Simple and
 * Scalable Predictive Uncertainty Estimation using Deep Ensembles", NeurIPS
 * 2017, average their members' outputs).
 *
 * The merged network is exact, not an approximation: its embeddings are the
 * members' tables side by side, its first dense layer reads every member's
 * columns into that member's units, each deeper dense layer is block-diagonal,
 * and the output unit weighs member m's last hidden layer by 1/M with the
 * members' mean bias. So the merged network is a plain `buildModel` network
 * (wider), and everything that loads, scores or saves a model takes it as is.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel, type ModelSpec } from './model';

/** Members that cannot be merged (different inputs or depth). */
export class EnsembleMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnsembleMismatchError';
  }
}

/** Seed of member `m` of an ensemble trained with `seed`: member 0 keeps `seed`, others a mix of it (so the members of seeds s and s + 1 do not overlap). */
export function memberSeed(seed: number, m: number): number {
  if (m === 0) return seed >>> 0;
  let h = Math.imul((seed >>> 0) ^ Math.imul(m, 0x9e3779b9), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The spec of the merged network of members `specs`: hidden widths and
 * embedding widths summed, the rest of member 0's.
 * @throws EnsembleMismatchError when the members differ in features, vocabulary or depth.
 */
export function mergedSpec(specs: readonly ModelSpec[]): ModelSpec {
  if (specs.length === 0) throw new EnsembleMismatchError('an ensemble needs at least one member');
  const [first] = specs;
  for (const [m, s] of specs.entries()) {
    if (s.features !== first.features || s.customers !== first.customers || s.items !== first.items || s.hidden.length !== first.hidden.length) {
      throw new EnsembleMismatchError(
        `member ${m} has ${s.features} features, ${s.customers} customers, ${s.items} items and ${s.hidden.length} hidden layers; member 0 has ${first.features}, ${first.customers}, ${first.items} and ${first.hidden.length}`,
      );
    }
  }
  const sum = (f: (s: ModelSpec) => number): number => specs.reduce((a, s) => a + f(s), 0);
  return {
    ...first,
    hidden: first.hidden.map((_, i) => sum((s) => s.hidden[i])),
    itemEmbedding: sum((s) => s.itemEmbedding),
    customerEmbedding: sum((s) => s.customerEmbedding),
  };
}

/** Copies row-major `block` (`block.length / bcols` × `bcols`), times `scale`, into row-major `target` (`cols` wide) at row `r0`, column `c0`. */
function place(target: Float32Array, cols: number, block: Float32Array, bcols: number, r0: number, c0: number, scale = 1): void {
  const brows = block.length / bcols;
  for (let r = 0; r < brows; r++) {
    for (let c = 0; c < bcols; c++) target[(r0 + r) * cols + c0 + c] = block[r * bcols + c] * scale;
  }
}

/**
 * Merges trained members into one network computing sigmoid(mean of the
 * members' logits) for every input.
 * @param members networks of `buildModel`'s form, each with its spec; a single member is returned as is.
 * @returns a new model of {@link mergedSpec} (the members are not disposed), and that spec.
 * @throws EnsembleMismatchError when the members cannot be merged.
 */
export function mergeMembers(members: readonly { model: tf.LayersModel; spec: ModelSpec }[]): { model: tf.LayersModel; spec: ModelSpec } {
  const spec = mergedSpec(members.map((m) => m.spec));
  if (members.length === 1) return { model: members[0].model, spec };
  const M = members.length;
  const weightsOf = (model: tf.LayersModel, layer: string): Float32Array[] => model.getLayer(layer).getWeights().map((w) => w.dataSync() as Float32Array);
  const values = new Map<string, Float32Array[]>();

  // Embeddings: the members' tables side by side.
  for (const [name, width] of [['item_embedding', (s: ModelSpec) => s.itemEmbedding], ['customer_embedding', (s: ModelSpec) => s.customerEmbedding]] as const) {
    const total = width(spec);
    if (total === 0) continue;
    const rows = (name === 'item_embedding' ? spec.items : spec.customers) + 1;
    const table = new Float32Array(rows * total);
    let c0 = 0;
    for (const m of members) {
      const w = width(m.spec);
      if (w === 0) continue;
      place(table, total, weightsOf(m.model, name)[0], w, 0, c0);
      c0 += w;
    }
    values.set(name, [table]);
  }

  // Dense layers: member m's units at its offset; its inputs at its offsets in the layer below.
  const d = spec.features;
  const depth = spec.hidden.length;
  const offsets = (f: (s: ModelSpec) => number): number[] => members.map((_, m) => members.slice(0, m).reduce((a, x) => a + f(x.spec), 0));
  const itemAt = offsets((s) => s.itemEmbedding);
  const customerAt = offsets((s) => s.customerEmbedding);
  for (let i = 0; i <= depth; i++) {
    const name = i < depth ? `hidden_${i}` : 'probability';
    const inputs = i === 0 ? d + spec.itemEmbedding + spec.customerEmbedding : spec.hidden[i - 1];
    const units = i < depth ? spec.hidden[i] : 1;
    const kernel = new Float32Array(inputs * units);
    const bias = new Float32Array(units);
    const unitAt = i < depth ? offsets((s) => s.hidden[i]) : members.map(() => 0);
    const belowAt = i === 0 ? [] : offsets((s) => s.hidden[i - 1]);
    members.forEach((m, k) => {
      const [w, b] = weightsOf(m.model, name);
      const cols = i < depth ? m.spec.hidden[i] : 1;
      const scale = i < depth ? 1 : 1 / M;
      if (i === 0) {
        // Member rows: features, then its item block, then its customer block.
        const iw = m.spec.itemEmbedding;
        const cw = m.spec.customerEmbedding;
        place(kernel, units, w.subarray(0, d * cols), cols, 0, unitAt[k]);
        place(kernel, units, w.subarray(d * cols, (d + iw) * cols), cols, d + itemAt[k], unitAt[k]);
        place(kernel, units, w.subarray((d + iw) * cols, (d + iw + cw) * cols), cols, d + spec.itemEmbedding + customerAt[k], unitAt[k]);
      } else {
        place(kernel, units, w, cols, belowAt[k], unitAt[k], scale);
      }
      for (let c = 0; c < cols; c++) bias[unitAt[k] + c] += b[c] * scale;
    });
    values.set(name, [kernel, bias]);
  }

  const model = buildModel(spec);
  for (const [name, arrays] of values) {
    const layer = model.getLayer(name);
    const tensors = layer.getWeights().map((w, j) => tf.tensor(arrays[j], w.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return { model, spec };
}

/**
 * Scores of the merged network from its members' scores: sigmoid(mean of
 * logit(p_m)) per row, the members' probabilities clamped to
 * [1e-7, 1 − 1e-7] first (a float32 sigmoid can round to 0 or 1).
 * @param scores one array per member, equal lengths.
 */
export function mergeScores(scores: readonly Float32Array[]): Float32Array {
  if (scores.length === 1) return scores[0];
  const n = scores[0].length;
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let z = 0;
    for (const s of scores) {
      const p = Math.min(Math.max(s[r], 1e-7), 1 - 1e-7);
      z += Math.log(p / (1 - p));
    }
    out[r] = 1 / (1 + Math.exp(-z / scores.length));
  }
  return out;
}
