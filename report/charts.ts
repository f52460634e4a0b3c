/**
 * Vega-Lite 5 specifications of the report's charts, one pure function each,
 * from the curves of `curves.ts` and the metrics of a {@link ReportInput}.
 * Every specification carries its data inline (`data.values`, a few hundred rows
 * at most) and no URL, so rendering needs no network. Systems keep one colour
 * in every chart: the colour scale's domain is the report's system order.
 * Vega-Lite reference: https://vega.github.io/vega-lite/docs/.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import type { ColorDef, Field, PositionFieldDef } from 'vega-lite/build/src/channeldef';
import type { UnitSpec } from 'vega-lite/build/src/spec';
import type { Curve, PrecisionRecallCurve, ReliabilityDiagram, RocCurve, ScoreHistogram } from './curves';
import type { AtKSeries, BacktestRow, MetricsRow } from './types';

/** Pixel size of one chart's plotting area. */
const WIDTH = 440;
const HEIGHT = 270;

const CONFIG: Config = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  background: 'white',
  view: { stroke: '#d0d7de' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eef1f4', domainColor: '#8c959f', tickColor: '#8c959f' },
  legend: { orient: 'bottom', labelFontSize: 11, titleFontSize: 11, symbolStrokeWidth: 3 },
  title: { fontSize: 13, fontWeight: 'bold', anchor: 'start', offset: 8 },
  line: { strokeWidth: 2 },
};

/** The diagonal from (0, 0) to (1, 1): a random ranking (ROC, gains) or perfect calibration (reliability). */
const DIAGONAL: UnitSpec<Field> = {
  data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
  mark: { type: 'line', color: '#8c959f', strokeDash: [4, 4], strokeWidth: 1 },
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
};

const RATE_AXIS = { format: '.0%' };

/** Parallel coordinates as rows `{ x, y }` for `data.values`. */
function curveRows(curve: Curve): { x: number; y: number }[] {
  return Array.from(curve.x, (x, i) => ({ x, y: curve.y[i] }));
}

/** A single curve over [0, 1]², with a reference layer. */
function unitCurve(title: string, curve: Curve, xTitle: string, yTitle: string, reference: UnitSpec<Field>, color: string): TopLevelSpec {
  return {
    title,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      reference,
      {
        data: { values: curveRows(curve) },
        mark: { type: 'line', color, interpolate: 'linear' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: xTitle, scale: { domain: [0, 1] }, axis: RATE_AXIS },
          y: { field: 'y', type: 'quantitative', title: yTitle, scale: { domain: [0, 1] }, axis: RATE_AXIS },
        },
      },
    ],
  };
}

/** ROC curve with the diagonal of a random ranking; AUC in the title. */
export function rocChart(roc: RocCurve, color: string): TopLevelSpec {
  return unitCurve(`ROC, AUC ${roc.auc.toFixed(3)}`, roc, 'false-positive rate', 'true-positive rate', DIAGONAL, color);
}

/** Precision-recall curve with the base rate (a random ranking's precision); AP in the title. */
export function precisionRecallChart(pr: PrecisionRecallCurve, color: string): TopLevelSpec {
  const baseRate: UnitSpec<Field> = {
    mark: { type: 'rule', color: '#8c959f', strokeDash: [4, 4] },
    encoding: { y: { datum: pr.baseRate } },
  };
  return unitCurve(`Precision-recall, average precision ${pr.averagePrecision.toFixed(3)}`, pr, 'recall', 'precision', baseRate, color);
}

/** Cumulative gains by descending probability, with the diagonal of a random order. */
export function gainsChart(gains: Curve, color: string): TopLevelSpec {
  return unitCurve('Cumulative gains', gains, 'share of pairs, by descending probability', 'share of positives captured', DIAGONAL, color);
}

/** Reliability diagram: observed rate against mean predicted probability per bin, point area by pairs (log). */
export function reliabilityChart(rel: ReliabilityDiagram, color: string): TopLevelSpec {
  const values = [];
  for (let b = 0; b < rel.count.length; b++) {
    if (rel.count[b] > 0) values.push({ x: rel.meanPredicted[b], y: rel.observedRate[b], pairs: rel.count[b] });
  }
  const x: PositionFieldDef<Field> = { field: 'x', type: 'quantitative', title: 'mean predicted probability', scale: { domain: [0, 1] }, axis: RATE_AXIS };
  const y: PositionFieldDef<Field> = { field: 'y', type: 'quantitative', title: 'observed purchase rate', scale: { domain: [0, 1] }, axis: RATE_AXIS };
  return {
    title: `Reliability, ${rel.count.length} equal-width bins, ECE ${rel.ece.toFixed(4)}`,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      DIAGONAL,
      { data: { values }, mark: { type: 'line', color }, encoding: { x, y } },
      {
        data: { values },
        mark: { type: 'circle', color, opacity: 0.85 },
        encoding: { x, y, size: { field: 'pairs', type: 'quantitative', title: 'pairs in bin', scale: { type: 'log', range: [20, 400] } } },
      },
    ],
  };
}

/** Score distribution per class: share of the class's pairs per bin, square-root y so both classes show. */
export function histogramChart(hist: ScoreHistogram, positiveColor: string, negativeColor: string): TopLevelSpec {
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const totals = { positive: sum(hist.positives), negative: sum(hist.negatives) };
  const values = [];
  for (let b = 0; b + 1 < hist.edges.length; b++) {
    const bin = { lower: hist.edges[b], upper: hist.edges[b + 1] };
    if (totals.negative > 0) values.push({ ...bin, class: 'not bought', share: hist.negatives[b] / totals.negative });
    if (totals.positive > 0) values.push({ ...bin, class: 'bought', share: hist.positives[b] / totals.positive });
  }
  return {
    title: 'Score distribution by outcome',
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
    encoding: {
      x: { field: 'lower', type: 'quantitative', title: 'predicted probability', axis: RATE_AXIS },
      x2: { field: 'upper' },
      y: { field: 'share', type: 'quantitative', title: 'share of the class (√ scale)', stack: null, scale: { type: 'sqrt', domainMin: 0, nice: false }, axis: RATE_AXIS },
      y2: { datum: 0 },
      color: { field: 'class', type: 'nominal', title: 'outcome', scale: { domain: ['bought', 'not bought'], range: [positiveColor, negativeColor] } },
    },
  };
}

/** The colour encoding shared by every per-system chart. */
function systemColor(systems: readonly string[]): ColorDef<Field> {
  return { field: 'system', type: 'nominal', title: 'system', scale: { domain: [...systems], scheme: 'tableau10' } };
}

/** One ranking metric against K, one line per system. */
export function atKChart(series: readonly AtKSeries[], metric: 'recall' | 'ndcg', systems: readonly string[]): TopLevelSpec {
  const label = metric === 'recall' ? 'Recall@K' : 'NDCG@K';
  const values = series.flatMap((s) => s.k.map((k, i) => ({ system: s.system, k, value: s[metric][i] })));
  return {
    title: `${label}, K = ${Math.min(...values.map((v) => v.k))} … ${Math.max(...values.map((v) => v.k))}`,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'k', type: 'quantitative', title: 'K (length of the list)' },
      y: { field: 'value', type: 'quantitative', title: label },
      color: systemColor(systems),
    },
  };
}

/** Ranking metrics at the report's K as grouped bars, one group per metric. */
export function metricsChart(rows: readonly MetricsRow[], systems: readonly string[]): TopLevelSpec {
  const k = rows[0]?.k ?? 10;
  const names = [`Recall@${k}`, `Precision@${k}`, `NDCG@${k}`, `HitRate@${k}`, `MAP@${k}`];
  const values = rows.flatMap((r) => [r.recall, r.precision, r.ndcg, r.hitRate, r.map].map((value, i) => ({ system: r.system, metric: names[i], value })));
  return {
    title: `Ranking metrics at K = ${k}`,
    config: CONFIG,
    width: WIDTH * 2 + 60,
    height: HEIGHT,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'metric', type: 'nominal', title: null, sort: names, axis: { labelAngle: 0 } },
      xOffset: { field: 'system', type: 'nominal', sort: [...systems] },
      y: { field: 'value', type: 'quantitative', title: 'mean over evaluated customers', scale: { domain: [0, 1] } },
      color: systemColor(systems),
    },
  };
}

/** Backtest: each ranking metric over as-of times, one panel per metric, one line per system. */
export function backtestChart(rows: readonly BacktestRow[], systems: readonly string[]): TopLevelSpec {
  const metrics = [
    ['recall', 'Recall'],
    ['precision', 'Precision'],
    ['ndcg', 'NDCG'],
    ['hitRate', 'HitRate'],
    ['map', 'MAP'],
  ] as const;
  const values = rows.flatMap((r) => metrics.map(([field, name]) => ({ asOf: r.asOf, system: r.system, metric: name, value: r[field] })));
  const encoding: UnitSpec<Field>['encoding'] = {
    x: { field: 'asOf', type: 'temporal', title: 'as-of time (UTC)', scale: { type: 'utc' }, axis: { format: '%Y-%m-%d', labelAngle: -30 } },
    y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
    color: systemColor(systems),
  };
  return {
    title: 'Backtest over as-of times',
    config: CONFIG,
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics.map(([, name]) => name) },
    columns: 3,
    spec: { width: 270, height: 170, layer: [{ mark: { type: 'line' }, encoding }, { mark: { type: 'point', filled: true }, encoding }] },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Rejected lines by reason, largest first. */
export function rejectsChart(reasons: readonly { reason: string; count: number }[], color: string): TopLevelSpec {
  return {
    title: 'Rejected lines by reason',
    config: CONFIG,
    width: WIDTH,
    height: { step: 22 },
    data: { values: reasons.map((r) => ({ ...r })) },
    mark: { type: 'bar', color },
    encoding: {
      y: { field: 'reason', type: 'nominal', title: null, sort: '-x' },
      x: { field: 'count', type: 'quantitative', title: 'lines' },
    },
  };
}
