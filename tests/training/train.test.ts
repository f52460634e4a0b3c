import { applyCalibration, customerFold, fitCalibration } from '../../training/calibration';
import { predictRaw } from '../../training/predict';
import { customerSample, trainModel, type TrainOptions, type TrainResult } from '../../training/train';
import { TrainingInputError } from '../../training/errors';
import { checkStop, RunInterruptedError } from '../../lib/interrupt';
import { expectedCalibrationError as ece } from '../../ranking/metrics';
import { auc, makeFeatureSet, makeWorld, plantedLogit, sigmoid } from './synthetic';

const DAY = 86_400_000;

describe('trainModel on a planted signal', () => {
  const world = makeWorld(1);
  const train = [0, 1, 2].map((k) => makeFeatureSet(world, 100 + k, k * 30 * DAY, 30));
  const validation = makeFeatureSet(world, 200, 3 * 30 * DAY, 30);
  const heldOut = makeFeatureSet(world, 300, 4 * 30 * DAY, 30);
  // 900 groups of 30 rows; a budget of 400 groups per epoch, 16 rows each, draws a sample of both.
  const options: TrainOptions = { seed: 7, members: 1, epochs: 4, threads: 1, refit: false, budget: { groupsPerEpoch: 400, groupRows: 16, groupsPerStep: 16 } };
  let a: TrainResult;
  let pa: Float32Array;

  beforeAll(async () => {
    a = await trainModel(train, validation, options);
    pa = predictRaw(a.model, a.preprocessing, a.vocab, heldOut);
  });

  it('learns the signal: held-out AUC close to the oracle', () => {
    const oracle = Float64Array.from({ length: heldOut.n }, (_, r) =>
      sigmoid(plantedLogit(world, heldOut.values[r * 6], heldOut.values[r * 6 + 1], heldOut.item[r])),
    );
    expect(auc(pa, heldOut.label!)).toBeGreaterThan(0.75);
    expect(auc(pa, heldOut.label!)).toBeGreaterThan(auc(oracle, heldOut.label!) - 0.03);
    expect(a.vocab).toEqual({ customers: 300, items: 200 });
  });

  it('spends the budget, not the data: each epoch draws 400 groups of at most 16 rows', () => {
    expect(a.history.map((h) => [h.phase, h.epoch, h.epochs, h.groups])).toEqual([1, 2, 3, 4].map((e) => ['train', e, 4, 400]));
    for (const h of a.history) expect(h.rows).toBeLessThanOrEqual(400 * 16);
    expect(a.threads).toBe(1);
  });

  it('is reproducible: same seed, same predictions and history', async () => {
    const b = await trainModel(train, validation, options);
    expect(Array.from(predictRaw(b.model, b.preprocessing, b.vocab, heldOut))).toEqual(Array.from(pa));
    expect(b.history.map((h) => h.trainLoss)).toEqual(a.history.map((h) => h.trainLoss));
  });

  it('gives the same network on two threads, up to float summation order', async () => {
    const two = await trainModel(train, validation, { ...options, threads: 2 });
    expect(two.threads).toBe(2);
    const p2 = predictRaw(two.model, two.preprocessing, two.vocab, heldOut);
    let maxDiff = 0;
    for (let i = 0; i < pa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pa[i] - p2[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    two.history.forEach((h, i) => expect(h.trainLoss).toBeCloseTo(a.history[i].trainLoss, 4));
  });

  it('trains an ensemble: member 0 as a single network of the seed, members at once on two threads as one after the other on one', async () => {
    const one = await trainModel(train, validation, { ...options, members: 2 });
    const two = await trainModel(train, validation, { ...options, members: 2, threads: 2 });
    expect([one.members, one.threads, two.threads]).toEqual([2, 1, 2]);
    expect(one.spec).toMatchObject({ hidden: [128, 64], itemEmbedding: 32 });
    const loss = (r: TrainResult, m: number): number[] => r.history.filter((h) => h.member === m).map((h) => h.trainLoss);
    expect(loss(one, 0)).toEqual(a.history.map((h) => h.trainLoss));
    expect(loss(one, 1)).not.toEqual(loss(one, 0));
    for (const m of [0, 1]) loss(two, m).forEach((l, i) => expect(l).toBeCloseTo(loss(one, m)[i], 4));
    const p1 = predictRaw(one.model, one.preprocessing, one.vocab, heldOut);
    const p2 = predictRaw(two.model, two.preprocessing, two.vocab, heldOut);
    expect(p1.every((v, i) => Math.abs(v - p2[i]) < 1e-3)).toBe(true);
    expect(p1.some((v, i) => Math.abs(v - pa[i]) > 1e-3)).toBe(true);
    expect(auc(p1, heldOut.label!)).toBeGreaterThan(0.75);
  });

  it('is calibrated on held-out rows after fitting calibration on its held-out validation scores', () => {
    // sampling groups and rows shifts the raw level; calibration on all validation candidates corrects it
    expect(a.validationScores).toHaveLength(validation.n);
    const { calibration } = fitCalibration(a.validationScores, validation.label!, validation.customer);
    const p = applyCalibration(calibration, pa);
    expect(ece(p, heldOut.label!)).toBeLessThan(0.02);
    expect(ece(p, heldOut.label!)).toBeLessThan(ece(pa, heldOut.label!));
  });

  it('refits on training + validation by default, growing the vocabulary and keeping the first phase held-out scores', async () => {
    // The validation cut-off holds customers and items beyond the training vocabulary.
    const wider = makeFeatureSet(makeWorld(1, 320, 220), 201, 3 * 30 * DAY, 30);
    const plain = await trainModel(train, wider, options);
    const r = await trainModel(train, wider, { ...options, refit: undefined, refitEpochs: 2 });
    expect([plain.refitted, r.refitted]).toEqual([false, true]);
    expect(r.history.map((h) => `${h.phase} ${h.epoch}/${h.epochs}`)).toEqual(['train 1/4', 'train 2/4', 'train 3/4', 'train 4/4', 'refit 1/2', 'refit 2/2']);
    expect(Array.from(r.validationScores)).toEqual(Array.from(plain.validationScores));
    expect(plain.vocab).toEqual({ customers: 300, items: 200 });
    expect(r.vocab).toEqual({ customers: 320, items: 220 });
    expect(r.spec).toMatchObject({ customers: 320, items: 220 });
    expect(r.preprocessing).toEqual(plain.preprocessing);
    const pr = predictRaw(r.model, r.preprocessing, r.vocab, heldOut);
    expect(auc(pr, heldOut.label!)).toBeGreaterThan(0.75);
    expect(Array.from(pr)).not.toEqual(Array.from(predictRaw(plain.model, plain.preprocessing, plain.vocab, heldOut)));
  });

  it('scores at most validationCustomers validation customers, a fixed sample', async () => {
    const r = await trainModel(train, validation, { ...options, epochs: 1, validationCustomers: 100 });
    expect(new Set(r.validation.customer).size).toBe(100);
    expect(r.validation).toEqual(customerSample(validation, 100));
    expect(r.validationScores).toHaveLength(r.validation.n);
  });

  it('checks where it may stop before each draw of steps of every member and after the last draw, and stops where the check throws', async () => {
    // Steps of 4 groups: draws of 32 steps, 128 groups, so an epoch of 400 groups is 4 draws.
    const drawn = { ...options, epochs: 1, members: 2, budget: { ...options.budget, groupsPerStep: 4 } };
    const calls: string[] = [];
    await trainModel(train, validation, { ...drawn, stopCheck: (where) => void calls.push(where) });
    expect(calls).toEqual([...Array(4).fill("in member 1's train epoch 1 of 1"), ...Array(4).fill("in member 2's train epoch 1 of 1"), 'after its last draw']);

    const stop = new Error('stop here');
    const seen: string[] = [];
    const epochs: number[] = [];
    const stopped = trainModel(train, validation, {
      ...options,
      stopCheck: (where) => {
        seen.push(where);
        if (seen.length === 3) throw stop;
      },
      onEpoch: (e) => epochs.push(e.epoch),
    });
    await expect(stopped).rejects.toBe(stop);
    expect(seen).toEqual(["in member 1's train epoch 1 of 4", "in member 1's train epoch 2 of 4", "in member 1's train epoch 3 of 4"]);
    expect(epochs).toEqual([1, 2]);
  });

  it.each([
    ['on this thread', 1, 1],
    ['with members at once on two threads', 2, 2],
  ])('stops within a draw of steps when the run is asked to stop (checkStop), %s', async (_how, threads, members) => {
    const controller = new AbortController();
    const epochs: string[] = [];
    const stopped = trainModel(train, validation, {
      ...options,
      threads,
      members,
      refit: undefined,
      // As SIGINT does, while the first epoch's steps run (the handler runs once the event loop turns).
      onEpoch: (e) => {
        epochs.push(`${e.member} ${e.phase} ${e.epoch}`);
        if (!controller.signal.aborted) setImmediate(() => controller.abort(new Error('received SIGINT')));
      },
      stopCheck: (where) => checkStop(controller.signal, 'train', where),
    });
    await expect(stopped).rejects.toThrow(RunInterruptedError);
    await expect(stopped).rejects.toThrow(/^stopped during step "train" in member \d's train epoch 2 of 4: received SIGINT; every output published so far is complete, nothing of this step or the remaining ones was written$/);
    // No member went on past the epoch that was training when the signal came.
    expect(epochs.every((e) => e.endsWith(' train 1'))).toBe(true);
  });

  it('rejects options out of range, unlabelled or positive-free data', async () => {
    await expect(trainModel(train, validation, { ...options, refitEpochs: 0 })).rejects.toThrow(/refitEpochs 0 \(positive integers\)/);
    await expect(trainModel(train, validation, { ...options, members: 0 })).rejects.toThrow(/members 0, epochs 4/);
    await expect(trainModel(train, validation, { ...options, budget: { groupRows: 1 } })).rejects.toThrow(/groupRows must be an integer >= 2, found 1/);
    await expect(trainModel(train, { ...validation, label: undefined }, options)).rejects.toThrow(TrainingInputError);
    const noPositives = train.map((fs) => ({ ...fs, label: new Uint8Array(fs.n) }));
    await expect(trainModel(noPositives, validation, options)).rejects.toThrow(/training cut-offs have no positive label/);
  });
});

describe('customerSample', () => {
  const fs = makeFeatureSet(makeWorld(3, 50, 20), 1, 0, 4);

  it('keeps a set with no more customers whole, else the rows of exactly that many customers in their order', () => {
    expect(customerSample(fs, 50)).toBe(fs);
    const s = customerSample(fs, 10);
    expect(new Set(s.customer).size).toBe(10);
    expect(s.n).toBe(40);
    const rows = Array.from(fs.customer.keys()).filter((r) => new Set(s.customer).has(fs.customer[r]));
    expect(Array.from(s.item)).toEqual(rows.map((r) => fs.item[r]));
    expect(Array.from(s.values.subarray(0, 6))).toEqual(Array.from(fs.values.subarray(rows[0] * 6, rows[0] * 6 + 6)));
    expect(Array.from(s.label!)).toEqual(rows.map((r) => fs.label![r]));
  });

  it('keeps customers of both calibration folds', () => {
    const many = makeFeatureSet(makeWorld(5, 2000, 20), 2, 0, 1);
    const folds = new Set(Array.from(customerSample(many, 100).customer, customerFold));
    expect(folds).toEqual(new Set([0, 1]));
  });
});
