import { FeatureContractError } from '../../features/errors';
import { labelledCandidatesOf } from '../../features/labelled-candidates';
import type { FeatureSet } from '../../features/types';
import { checkBudget, drawRows, epochBuffers, epochGroups, groupPool, heldRow, planEpoch, visitDrawnRows, type EpochSample, type GroupPool, type HeldRows, type TrainingBudget } from '../../training/budget';
import type { Vocabulary } from '../../training/predict';
import { TrainingInputError } from '../../training/errors';
import type { Preprocessing } from '../../training/preprocess';
import { Prng } from '../../lib/prng';

/** Customers 0 … sizes.length − 1 with sizes[c] rows each, the first positives[c] of them positive; feature 0 = row index. */
function groupedSet(sizes: number[], positives: number[], cutoff = 0): FeatureSet {
  const n = sizes.reduce((a, b) => a + b, 0);
  const customer = new Int32Array(n);
  const item = new Int32Array(n);
  const label = new Uint8Array(n);
  let r = 0;
  sizes.forEach((m, c) => {
    for (let j = 0; j < m; j++, r++) {
      customer[r] = c;
      item[r] = j;
      label[r] = j < positives[c] ? 1 : 0;
    }
  });
  return { cutoff, n, customer, item, names: ['row'], values: Float32Array.from({ length: n }, (_, i) => i), label };
}

const identity: Preprocessing = { version: 1, transforms: [{ name: 'row', log: false, mean: 0, scale: 1 }] };
const budget = (b: Partial<TrainingBudget> = {}): TrainingBudget => ({ groupsPerEpoch: 100, groupRows: 8, negativeGroupShare: 0.25, groupsPerStep: 4, ...b });

describe('groupPool', () => {
  it('finds each customer run and its positives, over several cut-offs', () => {
    const pool = groupPool([groupedSet([3, 2], [1, 0]), groupedSet([4], [2], 1)].map(labelledCandidatesOf));
    expect(Array.from(pool.set)).toEqual([0, 0, 1]);
    expect(Array.from(pool.start)).toEqual([0, 3, 0]);
    expect(Array.from(pool.end)).toEqual([3, 5, 4]);
    expect(Array.from(pool.positives)).toEqual([1, 0, 2]);
    expect(Array.from(pool.withPositive)).toEqual([0, 2]);
    expect(Array.from(pool.withoutPositive)).toEqual([1]);
  });

  it('rejects sets without a positive; an unlabelled set has no candidates to pool', () => {
    expect(() => labelledCandidatesOf({ ...groupedSet([2], [1]), label: undefined })).toThrow(FeatureContractError);
    expect(() => groupPool([labelledCandidatesOf(groupedSet([2, 2], [0, 0]))])).toThrow(TrainingInputError);
    expect(() => groupPool([labelledCandidatesOf(groupedSet([2, 2], [0, 0]))])).toThrow(/have no positive label/);
  });
});

/** A whole epoch: its plan, then the rows of every group in one draw. */
function drawEpoch(pool: GroupPool, pre: Preprocessing, vocab: Vocabulary, b: TrainingBudget, oovRate: number, rng: Prng, into?: EpochSample, held?: HeldRows[]): EpochSample {
  const plan = planEpoch(pool, b, rng);
  return drawRows(pool, held ?? pool.sets.map((_, s) => ({ features: sets.get(pool)![s] })), plan, 0, plan.groups.length, pre, vocab, b, oovRate, rng, into);
}

/** The feature sets each pool of these tests was made of. */
const sets = new Map<GroupPool, FeatureSet[]>();
function poolOf(fss: FeatureSet[]): GroupPool {
  const pool = groupPool(fss.map(labelledCandidatesOf));
  sets.set(pool, fss);
  return pool;
}

describe('planEpoch and drawRows', () => {
  // 20 customers with a positive (30 rows, 3 positives) and 80 without (10 rows).
  const sizes = [...Array(20).fill(30), ...Array(80).fill(10)];
  const fs = groupedSet(sizes, [...Array(20).fill(3), ...Array(80).fill(0)]);
  const pool = poolOf([fs]);
  const held = [{ features: fs }];
  const vocab = { customers: 100, items: 30 };

  it('draws the share of groups without a positive, caps each group at groupRows with every positive kept', () => {
    const s = drawEpoch(pool, identity, vocab, budget({ groupsPerEpoch: 40 }), 0, new Prng(1));
    expect(s.groups).toBe(30); // 10 without a positive (a quarter of 40), then all 20 with one (30 were asked for)
    expect(epochGroups(pool, budget({ groupsPerEpoch: 40 }))).toEqual({ withPositive: 20, withoutPositive: 10 });
    expect(epochGroups(pool, budget({ groupsPerEpoch: 400 }))).toEqual({ withPositive: 20, withoutPositive: 80 });
    let withPos = 0;
    for (let g = 0; g < s.groups; g++) {
      const rows = s.groupStart[g + 1] - s.groupStart[g];
      const pos = s.label.subarray(s.groupStart[g], s.groupStart[g + 1]).reduce((a, b) => a + b, 0);
      if (pos > 0) {
        withPos++;
        expect([rows, pos]).toEqual([8, 3]);
      } else {
        expect(rows).toBe(8);
      }
    }
    expect(withPos).toBe(20);
    expect(s.rows).toBe(30 * 8);
  });

  it('weights every row by the inverse of its chance of being drawn, so weights add up to the rows of all groups', () => {
    const s = drawEpoch(pool, identity, vocab, budget({ groupsPerEpoch: 40 }), 0, new Prng(2));
    const total = s.weight.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(fs.n, 1); // 20 × 30 + 80 × 10 rows
    for (let r = 0; r < s.rows; r++) {
      const source = s.x[r]; // feature 0 is the source row index
      expect(s.label[r]).toBe(fs.label![source]);
      expect(s.customer[r]).toBe(fs.customer[source]);
    }
    // within a group with a positive: positives 3/3 (weight 1), negatives 27/5
    const g = Array.from({ length: s.groups }, (_, j) => j).find((j) => s.label[s.groupStart[j]] === 1)!;
    expect(Array.from(s.withinWeight.subarray(s.groupStart[g], s.groupStart[g + 1]))).toEqual([1, 1, 1, 27 / 5, 27 / 5, 27 / 5, 27 / 5, 27 / 5].map(Math.fround));
  });

  it('is reproducible for a seed, different for another, and replaces ids by OOV at the given rate', () => {
    const a = drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(3));
    const b = drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(3));
    const c = drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(4));
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
    const oov = a.customer.filter((v) => v === vocab.customers).length / a.rows;
    expect(oov).toBeGreaterThan(0.2);
    expect(oov).toBeLessThan(0.4);
  });

  it('draws into given buffers, shared between threads, the same rows as into its own', () => {
    const into = epochBuffers(100, 100 * 8, 1, true);
    const s = drawEpoch(pool, identity, vocab, budget(), 0, new Prng(6), into);
    expect(s.x.buffer).toBe(into.x.buffer);
    expect(s.groupStart.buffer).toBeInstanceOf(SharedArrayBuffer);
    const own = drawEpoch(pool, identity, vocab, budget(), 0, new Prng(6));
    expect(Array.from(s.x)).toEqual(Array.from(own.x));
    expect(Array.from(s.groupStart)).toEqual(Array.from(own.groupStart));
    expect(() => drawEpoch(pool, identity, vocab, budget(), 0, new Prng(6), epochBuffers(100, 10, 1, false))).toThrow(/buffers for 10 rows/);
  });

  it('draws the same rows in runs of groups, one buffer reused, as in one draw', () => {
    const whole = drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(8));
    const rng = new Prng(8);
    const plan = planEpoch(pool, budget(), rng);
    const into = epochBuffers(16, 16 * 8, 1, false);
    const x: number[] = [];
    const customer: number[] = [];
    for (let j0 = 0; j0 < plan.groups.length; j0 += 16) {
      const run = drawRows(pool, held, plan, j0, Math.min(j0 + 16, plan.groups.length), identity, vocab, budget(), 0.3, rng, into);
      expect(run.x.buffer).toBe(into.x.buffer);
      x.push(...run.x);
      customer.push(...run.customer);
    }
    expect(x).toEqual(Array.from(whole.x));
    expect(customer).toEqual(Array.from(whole.customer));
    expect(() => drawRows(pool, held, plan, 0, 17, identity, vocab, budget(), 0, rng, into)).toThrow(/buffers for 16 groups, 17 drawn/);
    const n = plan.groups.length;
    expect(() => drawRows(pool, held, plan, 5, n + 1, identity, vocab, budget(), 0, rng)).toThrow(`drawRows: groups [5, ${n + 1}) of a plan of ${n}`);
  });

  it('reads the drawn rows from features built for those rows only, the rows visitDrawnRows names from labels', () => {
    const whole = drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(9));
    const rng = new Prng(9);
    const plan = planEpoch(pool, budget(), rng);
    const drawn = new Set<number>();
    visitDrawnRows(pool, plan, 0, plan.groups.length, budget(), 0.3, rng, (_g, r) => void drawn.add(r));
    const rows = Int32Array.from([...drawn].sort((a, b) => a - b));
    expect(rows.length).toBeLessThan(fs.n);
    const subset = (at: Int32Array): FeatureSet => ({ ...fs, n: at.length, customer: at.map((r) => fs.customer[r]), item: at.map((r) => fs.item[r]), values: Float32Array.from(at), label: at.map((r) => fs.label![r]) as unknown as Uint8Array });
    const part = drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(9), undefined, [{ features: subset(rows), rows }]);
    for (const key of ['x', 'item', 'customer', 'label', 'weight', 'withinWeight', 'groupStart'] as const) expect(Array.from(part[key])).toEqual(Array.from(whole[key]));
    expect(heldRow({ features: subset(rows), rows }, rows[3])).toBe(3);
    const fewer = rows.subarray(1);
    expect(() => drawEpoch(pool, identity, vocab, budget(), 0.3, new Prng(9), undefined, [{ features: subset(fewer), rows: fewer }])).toThrow(TrainingInputError);
    expect(() => heldRow({ features: subset(fewer), rows: fewer }, rows[0])).toThrow(`candidate row ${rows[0]} at cut-off 1970-01-01T00:00:00.000Z has no features built`);
  });
});

describe('checkBudget', () => {
  it.each([
    [{ groupsPerEpoch: 0 }, /groupsPerEpoch must be a positive integer, found 0/],
    [{ groupRows: 1 }, /groupRows must be an integer >= 2, found 1/],
    [{ negativeGroupShare: 1 }, /negativeGroupShare must be in \[0, 1\), found 1/],
    [{ groupsPerStep: 2.5 }, /groupsPerStep must be a positive integer, found 2.5/],
  ])('rejects %j', (bad, message) => {
    expect(() => checkBudget(budget(bad))).toThrow(message);
  });
});
