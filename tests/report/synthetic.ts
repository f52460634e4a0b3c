/**
 * Realistic synthetic inputs for the report tests: scored pairs with a logistic
 * signal and labels drawn from the probabilities (so they are calibrated), and a
 * full {@link ReportInput} shaped like an Online Retail run, all from a seed.
 */
import type { ModelCard } from '../../lib/catalog';
import type { AtKSeries, BacktestRow, ReportInput, ScoredLabels } from '../../report/types';
import { Prng } from '../../lib/prng';

/**
 * n pairs with p = σ(−4 + 1.5 z), z ~ N(0, 1) (base rate about 4 %, AUC about
 * 0.85), and label ~ Bernoulli(p).
 */
export function syntheticScored(n: number, seed: number): ScoredLabels {
  const rng = new Prng(seed);
  const random = (): number => rng.next();
  const probability = new Float32Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()); // Box-Muller
    const p = Math.fround(1 / (1 + Math.exp(4 - 1.5 * z)));
    probability[i] = p;
    label[i] = random() < p ? 1 : 0;
  }
  return { probability, label };
}

/** Recall@K and NDCG@K for K = 1 … 50 that saturate like real top-K lists. */
function atK(system: string, recallAt50: number, ndcgAt10: number): AtKSeries {
  const k = Array.from({ length: 50 }, (_, i) => i + 1);
  const recall = k.map((x) => recallAt50 * (1 - Math.exp(-x / 18)) / (1 - Math.exp(-50 / 18)));
  const ndcg = k.map((x) => ndcgAt10 * Math.pow(x / 10, 0.12));
  return { system, k, recall, ndcg };
}

/** Five monthly as-of times of a backtest, three systems each. */
function backtest(): BacktestRow[] {
  const rows: BacktestRow[] = [];
  const months = ['2011-07-12', '2011-08-11', '2011-09-10', '2011-10-10', '2011-11-09'];
  months.forEach((day, m) => {
    for (const [system, base] of [['gbdt-20111109', 0.36], ['popularity', 0.14], ['repeat', 0.31]] as const) {
      const ndcg = base + 0.01 * Math.sin(m + base * 10);
      rows.push({ asOf: `${day}T00:00:00.000Z`, system, ndcg, recall: ndcg * 0.55, precision: ndcg * 0.85, hitRate: Math.min(1, ndcg * 2.3), map: ndcg * 0.67 });
    }
  });
  return rows;
}

/** A complete report input shaped like an Online Retail run (200k scored pairs). */
export function syntheticReportInput(): ReportInput {
  return {
    title: 'berserkr run on online-retail',
    runId: '20111109T000000Z-3fa9c1',
    asOf: '2011-11-09T00:00:00.000Z',
    horizonDays: 30,
    modelId: 'gbdt-20111109',
    lineage: Array.from({ length: 13 }, (_, i) => {
      const month = new Date(Date.UTC(2010, 11 + i, 1)).toISOString().slice(0, 7);
      return { store: 's3://raw/online-retail', key: `${month}.csv.lzo`, etag: `sha256-${(0x1f3a9c + i * 7919).toString(16).padStart(8, '0')}` };
    }),
    rows: {
      'ingest.read': 541_909,
      'ingest.clean': 530_104,
      'ingest.rejected': 11_805,
      'ingest.rejected.cancelled_invoice': 9_288,
      'ingest.rejected.non_positive_price': 2_517,
      'features.customers': 4_338,
      'scoring.pairs': 200_000,
    },
    metrics: [
      { system: 'gbdt-20111109', recall: 0.201, precision: 0.318, ndcg: 0.402, hitRate: 0.861, map: 0.262, ece: 0.0061, eceTopK: 0.0285, logLoss: 0.118, customers: 1387, k: 10 },
      { system: 'popularity', recall: 0.058, precision: 0.126, ndcg: 0.143, hitRate: 0.647, map: 0.067, customers: 1387, k: 10 },
      { system: 'repeat', recall: 0.166, precision: 0.269, ndcg: 0.319, hitRate: 0.8, map: 0.209, customers: 1387, k: 10 },
    ],
    scored: syntheticScored(200_000, 11),
    atK: [atK('gbdt-20111109', 0.42, 0.402), atK('popularity', 0.16, 0.143), atK('repeat', 0.33, 0.319)],
    backtest: backtest(),
    candidateRecall: 0.61,
    candidatesPerCustomer: 412.5,
    modelCard: syntheticModelCard(),
  };
}

/** The card of a model promoted on an Online-Retail-shaped validation cut-off, valid against `ModelCardSchema`. */
export function syntheticModelCard(): ModelCard {
  const comparison = (role: 'baseline' | 'champion', against: string, other: number) => ({
    role,
    against,
    challenger: 0.3367,
    other,
    paired: true,
    meanDifference: 0.3367 - other,
    standardError: 0.0049,
    lower: 0.3367 - other - 0.008,
    pValue: 1 / 1001,
    significant: true,
  });
  return {
    schema: 'berserkr.model-card/1',
    modelId: 'gbdt-20111109',
    dataset: 'online-retail',
    createdAt: '2026-12-06T03:45:25.830Z',
    configHash: 'f'.repeat(64),
    backend: 'wasm',
    asOf: '2011-11-09T00:00:00.000Z',
    horizonDays: 30,
    k: 10,
    training: {
      window: { from: '2010-12-01T08:26:00.000Z', to: '2011-11-09T00:00:00.000Z' },
      cutoffs: ['2011-04-13T00:00:00.000Z', '2011-05-13T00:00:00.000Z', '2011-06-12T00:00:00.000Z', '2011-07-12T00:00:00.000Z', '2011-08-11T00:00:00.000Z', '2011-09-10T00:00:00.000Z'],
      validationCutoff: '2011-10-10T00:00:00.000Z',
      cutoffStepDays: 30,
      rows: { training: 3_512_345, validation: 745_118 },
      members: 2,
      refit: true,
      seed: 42,
    },
    features: ['ci_orders', 'c_orders', 'i_buyers_30d', 'src_is_own_item', 'ci_customer_knn_score'],
    candidates: {
      cutoff: '2011-10-10T00:00:00.000Z',
      customers: 3_811,
      purchases: 21_407,
      recall: 0.593,
      perCustomer: 195.6,
      sources: [
        { source: 'own', recall: 0.412, perCustomer: 58.2 },
        { source: 'popular', recall: 0.151, perCustomer: 100 },
        { source: 'copurchase', recall: 0.096, perCustomer: 45.1 },
        { source: 'knn', recall: 0, perCustomer: 0 },
      ],
    },
    validation: {
      cutoff: '2011-10-10T00:00:00.000Z',
      systems: [
        { system: 'challenger', role: 'challenger', customers: 1097, recall: 0.171, precision: 0.29, ndcg: 0.3367, hitRate: 0.84, map: 0.22, ece: 0, eceTopK: 0.031, logLoss: 0.11 },
        { system: 'popularity', role: 'baseline', customers: 1097, recall: 0.05, precision: 0.11, ndcg: 0.1116, hitRate: 0.6, map: 0.05 },
        { system: 'repeat', role: 'baseline', customers: 1097, recall: 0.15, precision: 0.25, ndcg: 0.284, hitRate: 0.78, map: 0.19 },
      ],
    },
    calibration: { method: 'isotonic', heldOutLogLoss: { platt: 0.1119, isotonic: 0.1112 }, ece: 0, eceTopK: 0.031, refitShift: 0.108, validationRate: 0.0254, forecastRate: 0.0288, shift: 0.128 },
    promotion: {
      outcome: 'promoted',
      scoringWith: 'gbdt-20111109',
      decision: 'promoted: validation NDCG@10 0.3367 beats best baseline repeat 0.2840: +0.0527, 95 % lower bound +0.0446, p 0.001; no champion yet (paired bootstrap over 1097 validation customers, 1000 resamples, seed 42)',
      bootstrap: { resamples: 1000, seed: 42, confidence: 0.95 },
      comparisons: [comparison('baseline', 'repeat', 0.284)],
    },
    backtest: null,
    backtestRunId: null,
  };
}
