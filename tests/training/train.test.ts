import { applyCalibration, fitCalibration } from '../../training/calibration';
import { predictRaw } from '../../training/predict';
import { DEFAULT_REFIT_EPOCHS, trainModel, type TrainResult } from '../../training/train';
import { TrainingInputError } from '../../training/errors';
import { expectedCalibrationError as ece } from '../../training/metrics';
import { auc, makeFeatureSet, makeWorld, plantedLogit, sigmoid } from './synthetic';

const DAY = 86_400_000;

describe('trainModel on a planted signal', () => {
  const world = makeWorld(1);
  const train = [0, 1, 2].map((k) => makeFeatureSet(world, 100 + k, k * 30 * DAY, 30));
  const validation = makeFeatureSet(world, 200, 3 * 30 * DAY, 30);
  const heldOut = makeFeatureSet(world, 300, 4 * 30 * DAY, 30);
  const options = { seed: 7, maxEpochs: 4, patience: 1, negativesPerPositive: 2, batchSize: 256, listwise: false as const, averageWeights: false, refit: false };
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
    const oracleAuc = auc(oracle, heldOut.label!);
    const modelAuc = auc(pa, heldOut.label!);
    expect(modelAuc).toBeGreaterThan(0.75);
    expect(modelAuc).toBeGreaterThan(oracleAuc - 0.03);
    expect(a.history.length).toBeGreaterThanOrEqual(2);
    expect(a.history[a.bestEpoch - 1].validationNdcg10).toBe(Math.max(...a.history.map((h) => h.validationNdcg10)));
    expect(a.trainRows).toBeGreaterThan(0);
    expect(a.vocab).toEqual({ customers: 300, items: 200 });
  });

  it('is reproducible: same seed, same predictions', async () => {
    const b = await trainModel(train, validation, options);
    const pb = predictRaw(b.model, b.preprocessing, b.vocab, heldOut);
    let maxDiff = 0;
    for (let i = 0; i < pa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pa[i] - pb[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    expect(b.history).toEqual(a.history.map((h, i) => ({ ...h, rowsPerSecond: b.history[i].rowsPerSecond })));
  });

  it('is calibrated on held-out rows after fitting calibration on the validation cut-off', () => {
    // negative sampling inflates raw scores; calibration on all validation candidates corrects them
    const { calibration } = fitCalibration(a.validationScores, validation.label!, validation.customer);
    const p = applyCalibration(calibration, pa);
    expect(ece(pa, heldOut.label!)).toBeGreaterThan(0.05);
    expect(ece(p, heldOut.label!)).toBeLessThan(0.02);
  });

  it('warm-refits on training + validation by default, keeping the held-out validation scores and cross-fitting calibration scores', async () => {
    // The validation cut-off holds customers and items beyond the training vocabulary.
    const wider = makeFeatureSet(makeWorld(1, 320, 220), 201, 3 * 30 * DAY, 30);
    const plain = await trainModel(train, wider, options);
    const { refit: off, ...defaults } = options;
    expect(off).toBe(false);
    expect(plain.calibrationScores).toBe(plain.validationScores);
    const refitEpochs: number[][] = [];
    const r = await trainModel(train, wider, { ...defaults, onRefitEpoch: (e, of) => refitEpochs.push([e, of]) });
    expect([plain.refitted, r.refitted]).toEqual([false, true]);
    // the full refit, then one per half of the validation customers
    expect(refitEpochs).toEqual(Array.from({ length: 3 * DEFAULT_REFIT_EPOCHS + 1 }, (_, e) => [e, 3 * DEFAULT_REFIT_EPOCHS]));
    expect(r.bestEpoch).toBe(plain.bestEpoch);
    expect(Array.from(r.validationScores)).toEqual(Array.from(plain.validationScores));
    expect(plain.vocab).toEqual({ customers: 300, items: 200 });
    expect(r.vocab).toEqual({ customers: 320, items: 220 });
    expect(r.spec).toMatchObject({ customers: 320, items: 220 });
    expect(r.preprocessing).toEqual(plain.preprocessing);
    expect(r.trainRows).toBeGreaterThan(plain.trainRows);
    const pr = predictRaw(r.model, r.preprocessing, r.vocab, heldOut);
    expect(auc(pr, heldOut.label!)).toBeGreaterThan(0.75);
    // Calibration scores: a value for every validation row, not the early-stopped network's.
    expect(r.calibrationScores).toHaveLength(wider.n);
    expect(r.calibrationScores.every((s) => s > 0 && s < 1)).toBe(true);
    expect(r.calibrationScores.filter((s, i) => Math.abs(s - r.validationScores[i]) > 1e-4).length).toBeGreaterThan(wider.n / 2);
    const { calibration } = fitCalibration(r.calibrationScores, wider.label!, wider.customer);
    expect(ece(applyCalibration(calibration, pr), heldOut.label!)).toBeLessThan(0.02);
  });

  it('starts the refit from the early-stopped network instead of a fresh one', async () => {
    const warm = await trainModel(train, validation, { ...options, refit: true, refitEpochs: 1 });
    const fresh = await trainModel(train, validation, { ...options, maxEpochs: 1 }); // one epoch from the initial weights
    const logit = (p: number): number => Math.log(p / (1 - p));
    const distance = (m: TrainResult): number => {
      const p = predictRaw(m.model, m.preprocessing, m.vocab, heldOut);
      return p.reduce((s, v, i) => s + Math.abs(logit(v) - logit(pa[i])), 0) / p.length;
    };
    expect(distance(warm)).toBeLessThan(distance(fresh) / 2);
  });

  it('rejects a refit of no epochs', async () => {
    await expect(trainModel(train, validation, { ...options, refitEpochs: 0 })).rejects.toThrow(/refitEpochs 0 \(a positive integer\)/);
  });

  it('rejects unlabelled or positive-free training data', async () => {
    await expect(trainModel(train, { ...validation, label: undefined }, options)).rejects.toThrow(TrainingInputError);
    const noPositives = train.map((fs) => ({ ...fs, label: new Uint8Array(fs.n) }));
    await expect(trainModel(noPositives, validation, options)).rejects.toThrow(/training cut-offs have no positive label/);
  });
});

describe('trainModel with its default listwise groups and weight averaging', () => {
  const world = makeWorld(2);
  const train = [0, 1, 2].map((k) => makeFeatureSet(world, 110 + k, k * 30 * DAY, 30));
  const validation = makeFeatureSet(world, 210, 3 * 30 * DAY, 30);
  const heldOut = makeFeatureSet(world, 310, 4 * 30 * DAY, 30);
  const options = { seed: 11, maxEpochs: 4, patience: 4, batchSize: 256, listwise: { groupSize: 16, lambda: 0.3 }, refit: false };

  it('learns the planted signal, trains on whole customer groups and keeps the best averaged epoch, reproducibly', async () => {
    const a = await trainModel(train, validation, options);
    const pa = predictRaw(a.model, a.preprocessing, a.vocab, heldOut);
    expect(auc(pa, heldOut.label!)).toBeGreaterThan(0.75);
    expect(a.trainRows).toBe(3 * 300 * 16); // one group of 16 per customer and cut-off
    expect(a.history).toHaveLength(4);
    expect(a.history[a.bestEpoch - 1].validationNdcg10).toBe(Math.max(...a.history.map((h) => h.validationNdcg10)));
    const b = await trainModel(train, validation, options);
    expect(Array.from(predictRaw(b.model, b.preprocessing, b.vocab, heldOut))).toEqual(Array.from(pa));
  });

  it('scores validation with the weight average: averaging changes what is kept', async () => {
    const averaged = await trainModel(train, validation, options);
    const plain = await trainModel(train, validation, { ...options, averageWeights: false });
    expect(averaged.history[0]).toEqual({ ...plain.history[0], rowsPerSecond: averaged.history[0].rowsPerSecond }); // epoch 1: nothing to average yet
    expect(averaged.history[3].validationLogLoss).not.toBeCloseTo(plain.history[3].validationLogLoss, 6);
  });
});
