/**
 * The run report (tracker issue 7): one self-contained HTML page that shows
 * whether the data was sane and the model is good. Styles are inline, charts are
 * inline SVG rendered on the server by Vega-Lite → Vega (`svg.ts`), there is no
 * script, and a Content-Security-Policy of `default-src 'none'` makes the
 * browser refuse any network fetch, so the page opens offline from a bucket, a
 * mail attachment or `file://`.
 *
 * Sections: run summary; inputs and lineage (objects, ETags, row counts,
 * rejects by reason, read = clean + rejected); ranking metrics of the model
 * beside the baselines; Recall@K and NDCG@K over K; ROC, precision-recall,
 * cumulative gains and score distribution of the scored pairs; reliability with
 * ECE; candidate recall; backtest over as-of times; the model card of the model
 * the run trained (`model-card.ts`). A part the input lacks shows a short
 * "not available for this run" note instead of an empty chart.
 */
import type { TopLevelSpec } from 'vega-lite';
import { atKChart, backtestChart, gainsChart, histogramChart, metricsChart, precisionRecallChart, rejectsChart, reliabilityChart, rocChart } from './charts';
import { computeCurves, type Curves } from './curves';
import { type Cell, count, escapeHtml, fixed, notAvailable, percent, table } from './html';
import { modelCardSection } from './model-card';
import { renderSvg } from './svg';
import type { MetricsRow, ReportInput } from './types';

/** A report input that breaks the {@link ReportInput} contract; `field` names the bad part. */
export class ReportInputError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`report input ${field}: ${detail}`);
    this.name = 'ReportInputError';
  }
}

/** Colour of single-series charts: the first colour of Tableau 10, the model's in per-system charts. */
const MODEL_COLOR = '#4c78a8';
const POSITIVE_COLOR = '#f58518';
/** Prefix of the per-reason reject counts in {@link ReportInput.rows}. */
const REJECT_REASON = 'ingest.rejected.';

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:#1f2328;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:0 0 12px;padding-bottom:6px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:16px 0 6px}
blockquote{margin:8px 0;padding:6px 12px;border-left:4px solid #d0d7de;color:#1f2328;background:#f6f8fa}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:18px 20px;margin:18px 0}
.facts{color:#57606a;margin:0 0 16px}
.facts b{color:#1f2328;font-weight:600}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{flex:1 1 160px;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px}
.tile .v{font-size:22px;font-weight:600}
.tile .l{color:#57606a;font-size:12px}
.tile.good{border-left:4px solid #1a7f37}.tile.bad{border-left:4px solid #cf222e}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:16px;align-items:start}
figure.chart{margin:0;overflow-x:auto}
figure.chart svg{display:block;max-width:100%;height:auto}
figcaption{color:#57606a;font-size:12px;margin-top:4px}
table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top;white-space:nowrap}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.best{text-align:right;font-variant-numeric:tabular-nums;font-weight:700}
td.wrap{white-space:normal}
td.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;white-space:normal;word-break:break-all}
.check{margin:4px 0}.check.ok::before{content:"✓ ";color:#1a7f37}.check.fail::before{content:"✗ ";color:#cf222e}
.na{color:#57606a;font-style:italic;background:#f6f8fa;border:1px dashed #d0d7de;border-radius:6px;padding:10px 14px}
footer{color:#57606a;font-size:12px;text-align:center}
`;

/** Checks the parts of the input the page relies on. */
function validate(input: ReportInput): void {
  if (Number.isNaN(Date.parse(input.asOf))) throw new ReportInputError('asOf', `expected an ISO 8601 time, found ${JSON.stringify(input.asOf)}`);
  if (!(input.horizonDays > 0)) throw new ReportInputError('horizonDays', `expected a positive number of days, found ${input.horizonDays}`);
  const ks = new Set(input.metrics.map((m) => m.k));
  if (ks.size > 1) throw new ReportInputError('metrics', `expected one K for every system, found ${[...ks].join(', ')}`);
  for (const s of input.atK ?? []) {
    if (s.recall.length !== s.k.length || s.ndcg.length !== s.k.length) {
      throw new ReportInputError(`atK[${JSON.stringify(s.system)}]`, `expected k, recall and ndcg of equal length, found ${s.k.length}, ${s.recall.length}, ${s.ndcg.length}`);
    }
  }
  for (const b of input.backtest ?? []) {
    if (Number.isNaN(Date.parse(b.asOf))) throw new ReportInputError('backtest', `expected ISO 8601 as-of times, found ${JSON.stringify(b.asOf)} for ${JSON.stringify(b.system)}`);
  }
  const r = input.candidateRecall;
  if (r !== undefined && !(r >= 0 && r <= 1)) throw new ReportInputError('candidateRecall', `expected a share in [0, 1], found ${r}`);
}

/** Every system name in first-seen order (model first, as the metrics list them), for stable colours. */
function systemsOf(input: ReportInput): string[] {
  const names = [...input.metrics.map((m) => m.system), ...(input.atK ?? []).map((s) => s.system), ...(input.backtest ?? []).map((b) => b.system)];
  return [...new Set(names)];
}

/** A rendered chart with a one-line reading guide under it. */
async function figure(id: string, spec: TopLevelSpec, caption: string): Promise<string> {
  return `<figure class="chart" id="chart-${id}">${await renderSvg(spec, id)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

function tile(value: string, label: string, verdict?: boolean): string {
  const cls = verdict === undefined ? 'tile' : verdict ? 'tile good' : 'tile bad';
  return `<div class="${cls}"><div class="v">${escapeHtml(value)}</div><div class="l">${escapeHtml(label)}</div></div>`;
}

function check(ok: boolean, text: string): string {
  return `<p class="check ${ok ? 'ok' : 'fail'}">${escapeHtml(text)}</p>`;
}

/** The model's row (listed first) and the best baseline by NDCG@K, when there are metrics. */
function modelAndBestBaseline(metrics: readonly MetricsRow[]): { model?: MetricsRow; best?: MetricsRow } {
  const [model, ...baselines] = metrics;
  const best = baselines.reduce<MetricsRow | undefined>((b, r) => (b === undefined || r.ndcg > b.ndcg ? r : b), undefined);
  return { model, best };
}

function summary(input: ReportInput, curves: Curves | undefined): string {
  const { model, best } = modelAndBestBaseline(input.metrics);
  const tiles: string[] = [];
  if (model !== undefined) {
    tiles.push(tile(fixed(model.ndcg), `NDCG@${model.k} of ${model.system}`, best === undefined ? undefined : model.ndcg >= best.ndcg));
    if (best !== undefined) tiles.push(tile(fixed(best.ndcg), `NDCG@${best.k} of the best baseline, ${best.system}`));
    tiles.push(tile(fixed(model.recall), `Recall@${model.k} of ${model.system}`));
    if (model.ece !== undefined) tiles.push(tile(fixed(model.ece, 4), 'ECE, 10 equal-width bins'));
    if (model.eceTopK !== undefined) tiles.push(tile(fixed(model.eceTopK, 4), `ECE over the top-${model.k} lists`));
  }
  if (curves?.roc !== undefined) tiles.push(tile(fixed(curves.roc.auc), 'ROC AUC over scored pairs'));
  if (input.candidateRecall !== undefined) tiles.push(tile(percent(input.candidateRecall), 'candidate recall'));
  const facts = [
    ['run', input.runId],
    ['as-of', input.asOf],
    ['horizon', `${input.horizonDays} days`],
    ['model', input.modelId],
  ]
    .map(([k, v]) => `${escapeHtml(k)} <b>${escapeHtml(v)}</b>`)
    .join(' · ');
  return `<header><h1>${escapeHtml(input.title)}</h1><p class="facts">${facts}</p>${tiles.length > 0 ? `<div class="tiles">${tiles.join('')}</div>` : ''}</header>`;
}

async function lineage(input: ReportInput): Promise<string> {
  const parts: string[] = [];
  parts.push(
    input.lineage.length === 0
      ? notAvailable('the run record lists no input objects')
      : table(['store', 'key', 'ETag'], input.lineage.map((o) => [{ text: o.store, className: 'mono' }, { text: o.key, className: 'mono' }, { text: o.etag, className: 'mono' }])),
  );
  const counts = Object.entries(input.rows).filter(([name]) => !name.startsWith(REJECT_REASON));
  const reasons = Object.entries(input.rows)
    .filter(([name]) => name.startsWith(REJECT_REASON))
    .map(([name, n]) => ({ reason: name.slice(REJECT_REASON.length), count: n }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  parts.push(counts.length === 0 ? notAvailable('the run record has no row counts') : table(['rows', 'count'], counts.map(([name, n]) => [{ text: name }, { text: count(n), className: 'num' }])));
  const read = input.rows['ingest.read'];
  const clean = input.rows['ingest.clean'];
  const rejected = input.rows['ingest.rejected'];
  if (read !== undefined && clean !== undefined && rejected !== undefined) {
    parts.push(check(read === clean + rejected, `every line counted once: read ${count(read)} ${read === clean + rejected ? '=' : '≠'} clean ${count(clean)} + rejected ${count(rejected)} (${percent(read > 0 ? rejected / read : 0, 2)} rejected)`));
  }
  if (rejected !== undefined && reasons.length > 0) {
    const byReason = reasons.reduce((s, r) => s + r.count, 0);
    parts.push(check(byReason === rejected, `rejects by reason add up: ${count(byReason)} ${byReason === rejected ? '=' : '≠'} rejected ${count(rejected)}`));
  }
  if (reasons.length === 0) parts.push(notAvailable(rejected === 0 ? 'no line was rejected' : 'the run record has no rejects by reason'));
  else {
    parts.push(`<div class="charts">${await figure('rejects', rejectsChart(reasons, MODEL_COLOR), 'Lines of the raw files that ingest rejected, by reason; each is kept with its line in rejects/.')}</div>`);
  }
  return section('lineage', 'Inputs and lineage', parts.join('\n'));
}

async function metrics(input: ReportInput, systems: readonly string[]): Promise<string> {
  if (input.metrics.length === 0) return section('metrics', 'Model and baselines', notAvailable('no metrics: the data does not reach as-of + horizon, so there is no truth to evaluate against'));
  const rows = input.metrics;
  const k = rows[0].k;
  const columns = ['recall', 'precision', 'ndcg', 'hitRate', 'map'] as const;
  const best = columns.map((c) => Math.max(...rows.map((r) => r[c])));
  const body: Cell[][] = rows.map((r) => [
    { text: r.system },
    ...columns.map((c, i) => ({ text: fixed(r[c]), className: rows.length > 1 && r[c] === best[i] ? 'best' : 'num' })),
    { text: fixed(r.ece, 4), className: 'num' },
    { text: fixed(r.eceTopK, 4), className: 'num' },
    { text: fixed(r.logLoss, 4), className: 'num' },
    { text: count(r.customers), className: 'num' },
  ]);
  const head = ['system', `Recall@${k}`, `Precision@${k}`, `NDCG@${k}`, `HitRate@${k}`, `MAP@${k}`, 'ECE', `ECE@${k}`, 'log loss', 'customers'];
  const chart = await figure('metrics', metricsChart(rows, systems), 'Each metric is the mean over evaluated customers; a customer without a list scores 0.');
  return section('metrics', 'Model and baselines', `${table(head, body)}\n<p class="facts">Bold: best per column. ECE and log loss are over all scored pairs, ECE@${k} over the pairs of the top-${k} lists (models only).</p>\n<div class="charts">${chart}</div>`);
}

async function atK(input: ReportInput, systems: readonly string[]): Promise<string> {
  const series = input.atK ?? [];
  if (series.length === 0) return section('at-k', 'Recall@K and NDCG@K', notAvailable('metrics at K = 1 … 50 were not computed'));
  const charts = await Promise.all([
    figure('recall-at-k', atKChart(series, 'recall', systems), 'Share of each customer’s purchases found in the top K, averaged.'),
    figure('ndcg-at-k', atKChart(series, 'ndcg', systems), 'Binary-gain NDCG with log2(rank + 1) discount, averaged.'),
  ]);
  return section('at-k', 'Recall@K and NDCG@K', `<div class="charts">${charts.join('')}</div>`);
}

const DISCRIMINATION = 'Scored pairs: ROC, precision-recall, cumulative gains, score distribution';

async function scoredSections(curves: Curves | undefined): Promise<string[]> {
  const none = 'the run kept no scored pairs with outcomes';
  if (curves === undefined) {
    return [section('discrimination', DISCRIMINATION, notAvailable(none)), section('calibration', 'Calibration', notAvailable(none))];
  }
  const classes = `${count(curves.positives)} positive and ${count(curves.negatives)} negative pairs`;
  const roc = curves.roc === undefined ? notAvailable(`ROC needs both classes, found ${classes}`) : await figure('roc', rocChart(curves.roc, MODEL_COLOR), 'Dashed: a random ranking. Ties in probability are drawn as one diagonal segment.');
  const pr = curves.pr === undefined ? notAvailable(`precision-recall needs positives, found ${classes}`) : await figure('pr', precisionRecallChart(curves.pr, MODEL_COLOR), `Dashed: the base rate ${percent(curves.pr.baseRate, 2)}, the precision of a random ranking.`);
  const rel = curves.reliability;
  const binTable = table(
    ['bin', 'pairs', 'mean predicted', 'observed rate', 'observed − predicted'],
    Array.from(rel.count, (n, b) => [
      { text: `[${fixed(rel.lower[b], 1)}, ${fixed(rel.lower[b] + 1 / rel.count.length, 1)}${b === rel.count.length - 1 ? ']' : ')'}` },
      { text: count(n), className: 'num' },
      { text: fixed(rel.meanPredicted[b], 4), className: 'num' },
      { text: fixed(rel.observedRate[b], 4), className: 'num' },
      { text: fixed(rel.observedRate[b] - rel.meanPredicted[b], 4), className: 'num' },
    ]),
  );
  const reliability = await figure('reliability', reliabilityChart(rel, MODEL_COLOR), 'Dashed: perfect calibration. ECE = Σ (pairs in bin / pairs) · |mean predicted − observed rate|.');
  const gains = curves.gains === undefined ? notAvailable(`gains need positives, found ${classes}`) : await figure('gains', gainsChart(curves.gains, MODEL_COLOR), 'Dashed: a random order. Lift at a share x of pairs is the curve’s height divided by x.');
  const histogram = await figure('histogram', histogramChart(curves.histogram, POSITIVE_COLOR, MODEL_COLOR), `Each class sums to 100 %; ${classes}.`);
  return [
    section('discrimination', DISCRIMINATION, `<div class="charts">${roc}${pr}${gains}${histogram}</div>`),
    section('calibration', 'Calibration', `<div class="charts">${reliability}<div>${binTable}</div></div>`),
  ];
}

function candidates(input: ReportInput, model: MetricsRow | undefined): string {
  if (input.candidateRecall === undefined) return section('candidates', 'Candidate generation', notAvailable('candidate recall was not measured'));
  const tiles = [tile(percent(input.candidateRecall), 'of the true purchases are among the candidates')];
  if (input.candidatesPerCustomer !== undefined) tiles.push(tile(fixed(input.candidatesPerCustomer, 1), 'candidates per customer, mean'));
  if (model !== undefined) tiles.push(tile(fixed(model.recall), `Recall@${model.k} of ${model.system}`));
  const text = 'Candidate recall bounds what ranking can reach: a purchase whose item is not a candidate of its customer cannot be recommended at any K.';
  return section('candidates', 'Candidate generation', `<div class="tiles">${tiles.join('')}</div>\n<p class="facts">${escapeHtml(text)}</p>`);
}

async function backtest(input: ReportInput, systems: readonly string[]): Promise<string> {
  const rows = input.backtest ?? [];
  if (rows.length === 0) return section('backtest', 'Backtest over as-of times', notAvailable('no backtest was run'));
  const asOfs = new Set(rows.map((r) => r.asOf)).size;
  const chart = await figure('backtest', backtestChart(rows, systems), `${asOfs} as-of times; each point is a full evaluation at that as-of time with the same horizon.`);
  return section('backtest', 'Backtest over as-of times', `<div class="charts">${chart}</div>`);
}

/**
 * Renders the run report.
 * @param input the run's lineage, counts, metrics and optional scored pairs, metrics at K, backtest and candidate recall.
 * @returns one UTF-8 HTML document (no external reference, no script); the same input gives the same text.
 * @throws ReportInputError when the input breaks its contract (quoting the value).
 * @throws CurveInputError when the scored pairs are invalid (a probability outside [0, 1], a label not 0/1, length mismatch).
 * @throws ChartRenderError when Vega-Lite or Vega fails on a chart.
 */
export async function renderReport(input: ReportInput): Promise<string> {
  validate(input);
  const systems = systemsOf(input);
  const curves = input.scored === undefined || input.scored.label.length === 0 ? undefined : computeCurves(input.scored);
  const body = [
    summary(input, curves),
    await lineage(input),
    await metrics(input, systems),
    await atK(input, systems),
    ...(await scoredSections(curves)),
    candidates(input, input.metrics[0]),
    await backtest(input, systems),
    modelCardSection(input.modelCard, input.metrics[0]),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${input.title}: ${input.runId}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body.join('\n')}
<footer>berserkr run report · charts by Vega-Lite, rendered to SVG on the server · no scripts, no network</footer>
</main>
</body>
</html>
`;
}
