/**
 * The model card (training/model-card.ts, training/model-card-markdown.ts,
 * lib/catalog/model-card.ts): built from what the training step knows, valid
 * against its schema, written beside the model before its manifest, and its
 * text has every section.
 */
import { ModelCardSchema, type BacktestRecord } from '../../lib/catalog';
import { Catalog, DatasetFormatError } from '../../lib/catalog';
import type { SystemMetrics } from '../../evaluation/evaluate';
import { buildModelCard, type ModelCardInput } from '../../training/model-card';
import { CARD_SECTIONS, modelCardMarkdown, NO_BACKTEST } from '../../training/model-card-markdown';
import { compare, compareLead } from '../../training/promotion';
import { modelCardSection } from '../../report/model-card';
import { MemoryStore } from '../helpers/memory-store';
import { syntheticModelCard } from '../report/synthetic';

const row = (system: string, ndcg: number, extra: Partial<SystemMetrics> = {}): SystemMetrics => ({ system, k: 10, customers: 4, recall: ndcg / 2, precision: ndcg / 3, ndcg, hitRate: 0.5, map: ndcg / 4, ...extra });
const day = (d: string): number => Date.parse(`${d}T00:00:00Z`);

function input(): ModelCardInput {
  // Eight customers: on four, no lead is significant at 95 % (`evaluation/bootstrap.ts`).
  const challenger = [0.5, 0.4, 0.6, 0.3, 0.5, 0.4, 0.6, 0.3];
  const repeat = [0.2, 0.4, 0.5, 0.1, 0.2, 0.4, 0.5, 0.1];
  return {
    modelId: '20111109T000000000Z-3fa2c01b',
    dataset: 'online-retail',
    createdAt: '2026-12-06T00:00:00.000Z',
    configHash: 'a'.repeat(64),
    backend: 'wasm',
    features: ['ci_orders', 'src_is_own_item'],
    asOf: day('2011-11-09'),
    horizonDays: 30,
    k: 10,
    firstEvent: Date.parse('2010-12-01T08:26:00Z'),
    trainCutoffs: [day('2011-08-11'), day('2011-09-10')],
    validationCutoff: day('2011-10-10'),
    cutoffStepDays: 30,
    rows: { training: 1000, validation: 400 },
    members: 2,
    refit: true,
    seed: 7,
    candidates: { customers: 4, purchases: 10, recall: 0.6, perCustomer: 100, sources: [{ source: 'own', recall: 0.4, perCustomer: 20 }, { source: 'popular', recall: 0.2, perCustomer: 100 }, { source: 'copurchase', recall: 0.1, perCustomer: 50 }, { source: 'knn', recall: 0, perCustomer: 0 }] },
    validation: [
      { metrics: row('challenger', 0.45, { ece: 0.001, eceTopK: 0.03, logLoss: 0.1 }), role: 'challenger' },
      { metrics: row('popularity', 0.1), role: 'baseline' },
      { metrics: row('repeat', 0.3), role: 'baseline' },
    ],
    calibration: { method: 'isotonic', heldOutLogLoss: { platt: 0.11, isotonic: 0.109 }, refitShift: -0.05, prior: { validationRate: 0.025, forecastRate: 0.028, shift: 0.118 } },
    promotion: { outcome: 'promoted', scoringWith: '20111109T000000000Z-3fa2c01b', decision: 'promoted: …', comparisons: [compare('baseline', 'repeat', challenger, repeat, { seed: 7, resamples: 200 })] },
  };
}

describe('buildModelCard', () => {
  it('gathers the window, cut-offs, features, candidates, validation, calibration and decision into a valid card', () => {
    const card = buildModelCard(input());
    expect(ModelCardSchema.parse(card)).toEqual(card);
    expect(card.training).toMatchObject({
      window: { from: '2010-12-01T08:26:00.000Z', to: '2011-11-09T00:00:00.000Z' },
      cutoffs: ['2011-08-11T00:00:00.000Z', '2011-09-10T00:00:00.000Z'],
      validationCutoff: '2011-10-10T00:00:00.000Z',
    });
    expect(card.calibration).toEqual({ method: 'isotonic', heldOutLogLoss: { platt: 0.11, isotonic: 0.109 }, ece: 0.001, eceTopK: 0.03, refitShift: -0.05, validationRate: 0.025, forecastRate: 0.028, shift: 0.118 });
    expect(card.promotion.comparisons[0]).toMatchObject({ role: 'baseline', against: 'repeat', paired: true, significant: true });
    expect(card.promotion.comparisons[0].other).toBeCloseTo(0.3, 12);
    expect(card.promotion.bootstrap).toEqual({ resamples: 200, seed: 7, confidence: 0.95 });
    expect(card.validation.systems[1]).not.toHaveProperty('ece');
    expect(card.backtest).toBeNull();
  });

  it('keeps the rows of the procedure\'s backtest and names its run', () => {
    const backtest: BacktestRecord = {
      runId: '20261206T040000Z-a1b2c3',
      createdAt: '2026-12-06T04:00:00.000Z',
      configHash: 'x',
      settings: {},
      rows: [{ asOf: '2011-09-10T00:00:00.000Z', candidateRecall: 0.6, systems: [{ system: 'model', ndcg: 0.33, recall: 0.165 }, { system: 'repeat', ndcg: 0.3, recall: 0.15 }] }],
    };
    const card = buildModelCard({ ...input(), backtest });
    expect(card.backtestRunId).toBe('20261206T040000Z-a1b2c3');
    expect(card.backtest).toEqual([
      { asOf: '2011-09-10T00:00:00.000Z', system: 'model', recall: 0.165, ndcg: 0.33 },
      { asOf: '2011-09-10T00:00:00.000Z', system: 'repeat', recall: 0.15, ndcg: 0.3 },
    ]);
  });

  it('refuses a challenger row without its calibration figures', () => {
    const bad = input();
    bad.validation = [{ metrics: row('challenger', 0.45), role: 'challenger' }];
    expect(() => buildModelCard(bad)).toThrow('the challenger\'s validation row has no ECE or top-K ECE');
  });
});

describe('modelCardMarkdown', () => {
  it('has one section per heading, in order, with the figures', () => {
    const md = modelCardMarkdown(buildModelCard(input()));
    const headings = [...md.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([...CARD_SECTIONS]);
    expect(md).toMatch(/^# Model card: 20111109T000000000Z-3fa2c01b\n/);
    expect(md).toContain('Training cut-offs (labels: purchases in [t, t + 30 days)), every 30 days: 2011-08-11T00:00:00.000Z, 2011-09-10T00:00:00.000Z.');
    expect(md).toContain('| own: customer\'s own past items | 40.0 % | 20.0 |');
    expect(md).toContain('| all sources | 60.0 % | 100.0 |');
    // The customer-KNN source put no candidate: it is off, and not listed as if it had failed.
    expect(md).not.toContain('| knn:');
    expect(md).toContain('| challenger | challenger | 0.4500 | 0.2250 |');
    expect(md).toContain('| best baseline repeat | 0.4500 | 0.3000 | +0.1500 |');
    expect(md).toContain('> promoted: …');
    expect(md).toContain('ECE over every validation pair 0.0010; over the top-10 lists (ECE@10) 0.0300.');
    expect(md).toContain('the saved network\'s scores move by −0.0500 in logit to the level of the network the map was fitted on, and the probabilities by +0.1180 in logit, from the validation cut-off\'s base rate 0.0250 to the one forecast for the horizon, 0.0280 (its one-step trend).');
    expect(md).toContain(`## Backtest\n\n${NO_BACKTEST}`);
    expect(md.endsWith('\n')).toBe(true);
  });

  it('names a champion compared by its recorded lead, and one of a card written before leads, in the text and the report', () => {
    const base = input();
    const challenger = [0.5, 0.4, 0.6, 0.3, 0.5, 0.4, 0.6, 0.3];
    const repeat = [0.2, 0.4, 0.5, 0.1, 0.2, 0.4, 0.5, 0.1];
    const byLead = compareLead('m0', challenger, repeat, 0.049, { seed: 7, resamples: 200 });
    const card = ModelCardSchema.parse(buildModelCard({ ...base, promotion: { ...base.promotion, comparisons: [...base.promotion.comparisons, byLead] } }));
    expect(card.promotion.comparisons[1]).toMatchObject({ role: 'champion', against: 'm0', paired: false, lead: 0.049 });
    expect(card.promotion.comparisons[1].other).toBeCloseTo(0.3 + 0.049, 12);
    expect(modelCardMarkdown(card)).toContain('| champion m0 (by its recorded lead +0.0490 over its best baseline) | 0.4500 | 0.3490 | +0.1010 |');
    expect(modelCardSection(card, undefined)).toContain('challenger against champion m0 (by its recorded lead +0.0490 over its best baseline)');
    // A card of before 2026-12-07: compared with the champion's recorded NDCG, no lead.
    const { lead: _lead, ...old } = card.promotion.comparisons[1];
    const before = ModelCardSchema.parse({ ...card, promotion: { ...card.promotion, comparisons: [card.promotion.comparisons[0], { ...old, other: 0.41 }] } });
    expect(modelCardMarkdown(before)).toContain('| champion m0 (recorded figure) | 0.4500 | 0.4100 |');
    expect(modelCardSection(before, undefined)).toContain('challenger against champion m0 (recorded figure)');
  });

  it('shows a blend and backtest rows when there are', () => {
    const card = syntheticModelCard();
    card.promotion.blend = { baseline: 'repeat', weight: 0.001, foldWeights: [0.001, 0.05], comparison: { ...card.promotion.comparisons[0], challenger: 0.284, other: 0.2822, meanDifference: 0.0018, lower: 0.0002, pValue: 0.042 } };
    card.backtest = [{ asOf: '2011-09-10T00:00:00.000Z', system: 'model', recall: 0.19, ndcg: 0.35 }];
    card.backtestRunId = '20261206T040000Z-a1b2c3';
    const md = modelCardMarkdown(card);
    expect(md).toContain('From backtest run 20261206T040000Z-a1b2c3 of this procedure');
    expect(md).toContain('Blend with baseline repeat: weight 0.001 on the model (0.001 and 0.05 chosen on each half of the customers, judged on the other); out of fold NDCG@10 0.2840 against 0.2822: +0.0018, lower bound +0.0002, p 0.042.');
    expect(md).toContain('| 2011-09-10T00:00:00.000Z | model | 0.3500 | 0.1900 |');
  });
});

describe('model cards in the catalog', () => {
  it('are written beside the model, JSON and text, and read back validated', async () => {
    const store = new MemoryStore();
    const { models } = new Catalog(store, 'online-retail');
    const card = syntheticModelCard();
    expect(await models.loadCard(card.modelId)).toBeUndefined();
    const [json, md] = await models.putCard(card, '# card\n');
    expect([json.key, md.key]).toEqual([`models/online-retail/${card.modelId}/model-card.json`, `models/online-retail/${card.modelId}/model-card.md`]);
    expect(await models.loadCard(card.modelId)).toEqual(card);
    await store.put(json.key, JSON.stringify({ ...card, k: 0 }));
    await expect(models.loadCard(card.modelId)).rejects.toThrow(DatasetFormatError);
    await expect(models.putCard({ ...card, schema: 'x' } as never, '')).rejects.toThrow();
  });
});
