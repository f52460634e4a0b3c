import { procedureSettings } from '../../training/options';
import { DEFAULT_EPOCHS, DEFAULT_MEMBERS } from '../../training/train';

const base = { horizonDays: 30, trainCutoffs: 6, k: 10, seed: 42 };

describe('procedureSettings', () => {
  test('gives the same settings for an option at its default and the option left out, whatever the threads and seed', () => {
    const implicit = procedureSettings(base);
    const explicit = procedureSettings({ ...base, seed: 7, cutoffStepDays: 30, train: { epochs: DEFAULT_EPOCHS, members: DEFAULT_MEMBERS, threads: 1, budget: { groupsPerEpoch: 12_288 }, model: { hidden: [64, 32] } } });
    expect(explicit).toEqual(implicit);
    expect(implicit).toMatchObject({ cutoffStepDays: 30, train: { epochs: 3, members: 2, refit: true, refitEpochs: 2, budget: { groupsPerEpoch: 12_288, groupRows: 64 }, model: { hidden: [64, 32], itemEmbedding: 16 } } });
    expect(JSON.stringify(implicit)).not.toContain('threads');
  });

  test('tells procedures apart by any setting that shapes the network, and ignores the refit passes of no refit', () => {
    const settings = (train: object) => JSON.stringify(procedureSettings({ ...base, train }));
    const variants = [{}, { epochs: 4 }, { members: 1 }, { budget: { groupsPerEpoch: 64 } }, { refit: false }, { model: { itemEmbedding: 8 } }, { lambda: 1 }];
    expect(new Set(variants.map(settings)).size).toBe(variants.length);
    expect(settings({ refit: false, refitEpochs: 5 })).toBe(settings({ refit: false }));
  });
});
