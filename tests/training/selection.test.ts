import { TrainingInputError } from '../../training/errors';
import { candidateNdcgAtK } from '../../training/selection';
import type { FeatureSet } from '../../features/types';

// Customer 0: items 10, 11, 12, positives 10 and 12; customer 1: no positive; customer 2: item 20, positive.
const FS: FeatureSet = {
  cutoff: Date.parse('2011-11-09T00:00:00Z'),
  n: 6,
  names: ['x'],
  customer: Int32Array.from([0, 0, 0, 1, 1, 2]),
  item: Int32Array.from([10, 11, 12, 10, 11, 20]),
  values: new Float32Array(6),
  label: Uint8Array.from([1, 0, 1, 0, 0, 1]),
};

describe('candidateNdcgAtK', () => {
  it('averages NDCG@K over customers with a positive, the ideal DCG over min(K, positives) ranks', () => {
    const scores = Float32Array.from([0.9, 0.8, 0.1, 0.5, 0.4, 0.3]);
    // Customer 0, K = 2: list [10, 11], DCG = 1, IDCG = 1 + 1/log2(3); customer 2: 1.
    expect(candidateNdcgAtK(FS, scores, 2)).toBeCloseTo((1 / (1 + 1 / Math.log2(3)) + 1) / 2, 12);
    expect(candidateNdcgAtK(FS, Float32Array.from([0.9, 0.1, 0.8, 0, 0, 1]), 2)).toBe(1);
    expect(candidateNdcgAtK({ ...FS, label: new Uint8Array(6) }, scores, 2)).toBe(0);
  });

  it('rejects feature sets without labels and scores of another length', () => {
    expect(() => candidateNdcgAtK({ ...FS, label: undefined }, new Float32Array(6))).toThrow(TrainingInputError);
    expect(() => candidateNdcgAtK(FS, new Float32Array(5))).toThrow('candidateNdcgAtK: 5 scores for 6 rows');
  });
});
