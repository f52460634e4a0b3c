import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../lib/store/file';
import { Catalog, InvalidRunIdError } from '../../lib/catalog';
import { CurveInputError } from '../../report/curves';
import { renderRunReport, writeReport } from '../../report/publish';
import { renderReport, ReportInputError } from '../../report/render';
import type { TopLevelSpec } from 'vega-lite';
import { ChartRenderError, inlineSvg, renderSvg } from '../../report/svg';
import type { ReportInput } from '../../report/types';
import { CARD_SECTIONS, NO_BACKTEST } from '../../training/model-card-markdown';
import { syntheticModelCard, syntheticReportInput } from './synthetic';

const SECTIONS = ['lineage', 'metrics', 'at-k', 'discrimination', 'calibration', 'candidates', 'backtest', 'model-card'];
const CHARTS = ['rejects', 'metrics', 'recall-at-k', 'ndcg-at-k', 'roc', 'pr', 'gains', 'histogram', 'reliability', 'backtest'];

/** The report of a run that kept nothing optional and could not be evaluated. */
const minimal = (): ReportInput => ({
  title: 'berserkr score',
  runId: '20111210T000000Z-000001',
  asOf: '2011-12-10T00:00:00.000Z',
  horizonDays: 30,
  modelId: 'm1',
  lineage: [],
  rows: {},
  metrics: [],
});

/** The text of the section with this id. */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('renderReport on a full Online-Retail-shaped run', () => {
  let html: string;
  beforeAll(async () => {
    html = await renderReport(syntheticReportInput());
  });

  it('has every section and every chart as one inline <svg>', () => {
    for (const id of SECTIONS) expect(html).toContain(`<section id="${id}">`);
    const figures = [...html.matchAll(/<figure class="chart" id="chart-([a-z-]+)">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1]).sort()).toEqual([...CHARTS].sort());
    for (const [, , body] of figures) {
      expect(body.match(/<svg /g)).toHaveLength(1);
      expect(body).toMatch(/<svg [^>]*width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
      expect(body).toMatch(/<path |<rect /);
    }
    expect(html).not.toContain('Not available for this run');
  });

  it('is self-contained: no URL, script, external style or resource reference', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import/i);
    expect(html).not.toMatch(/\b(src|srcset)=/i);
    for (const [ref] of html.matchAll(/href="[^"]*"|url\([^)]*\)/g)) expect(ref).toMatch(/^(href="#|url\(#)/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('gives every SVG fragment id once in the page, so charts never share a clip path', () => {
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, id] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(id);
  });

  it('shows lineage, counts and the read = clean + rejected check', () => {
    const lineage = sectionOf(html, 'lineage');
    expect(lineage).toContain('2011-12.csv.lzo');
    expect(lineage.match(/<td class="mono">sha256-/g)).toHaveLength(13);
    expect(lineage).toContain('<p class="check ok">every line counted once: read 541,909 = clean 530,104 + rejected 11,805 (2.18 % rejected)</p>');
    expect(lineage).toContain('<p class="check ok">rejects by reason add up: 11,805 = rejected 11,805</p>');
    expect(lineage).toContain('cancelled_invoice');
  });

  it('puts the model beside the baselines and marks the best per column', () => {
    const metrics = sectionOf(html, 'metrics');
    expect(metrics).toContain('<td>gbdt-20111109</td><td class="best">0.201</td><td class="best">0.318</td><td class="best">0.402</td>');
    expect(metrics).toContain('<td>repeat</td><td class="num">0.166</td>');
    expect(metrics).toContain('<td class="num">0.0061</td><td class="num">0.0285</td><td class="num">0.1180</td><td class="num">1,387</td>');
    expect(metrics).toContain('<th>ECE</th><th>ECE@10</th><th>log loss</th>');
  });

  it('reads the scored pairs into ROC, PR, reliability with ECE, and candidate recall', () => {
    expect(sectionOf(html, 'discrimination')).toMatch(/ROC, AUC 0\.8\d\d/);
    expect(sectionOf(html, 'calibration')).toMatch(/ECE 0\.00\d\d/);
    expect(sectionOf(html, 'candidates')).toContain('61.0 %');
  });

  it('shows the model card: each of its sections, the decision with its bootstrap figures, calibration beside the run\'s own', () => {
    const card = sectionOf(html, 'model-card');
    for (const title of CARD_SECTIONS) expect(card).toContain(`<h3>${title}</h3>`);
    expect(card).toContain('model <b>gbdt-20111109</b>');
    expect(card).toContain('2011-04-13T00:00:00.000Z, 2011-05-13T00:00:00.000Z');
    expect(card).toContain('<code>ci_customer_knn_score</code>');
    expect(card).toContain('<td>own: customer&#39;s own past items</td><td class="num">41.2 %</td>');
    expect(card).toContain('<td>all sources</td><td class="best">59.3 %</td>');
    expect(card).not.toContain('<td>knn:'); // no candidates from it: off, not listed
    expect(card).toContain('Outcome: <b>promoted</b>; scoring uses <code>gbdt-20111109</code>.');
    expect(card).toContain('<blockquote>promoted: validation NDCG@10 0.3367 beats best baseline repeat 0.2840: +0.0527, 95 % lower bound +0.0446, p 0.001;');
    expect(card).toContain('<td>challenger against best baseline repeat</td><td class="num">0.3367</td><td class="num">0.2840</td><td class="num">+0.0527</td>');
    expect(card).toContain('ECE 0.0000, ECE@10 over the top-10 lists 0.0310');
    expect(card).toContain('This run&#39;s lists (gbdt-20111109) at the as-of time: ECE 0.0061, ECE@10 0.0285.');
    expect(card).toContain(NO_BACKTEST);
  });

  it('renders the same input to the same text', async () => {
    expect(await renderReport(syntheticReportInput())).toBe(html);
  });
});

describe('renderReport on partial runs', () => {
  it('notes every missing part instead of drawing an empty chart', async () => {
    const html = await renderReport(minimal());
    expect(html).not.toContain('<svg');
    for (const id of SECTIONS) expect(sectionOf(html, id)).toContain('<p class="na">Not available for this run: ');
    expect(sectionOf(html, 'metrics')).toContain('no truth to evaluate against');
    expect(sectionOf(html, 'backtest')).toContain('no backtest was run');
    expect(sectionOf(html, 'model-card')).toContain('the run trained no model with a card');
  });

  it('shows a blend and a backtest when the card has them', async () => {
    const card = syntheticModelCard();
    const blend = { ...card.promotion.comparisons[0], challenger: 0.2840, other: 0.2822, meanDifference: 0.0019, lower: 0.0002, pValue: 0.042 };
    card.promotion = { ...card.promotion, outcome: 'blend', scoringWith: 'blend:gbdt-20111109', blend: { baseline: 'repeat', weight: 0.001, foldWeights: [0.001, 0.05], comparison: blend } };
    card.backtest = [{ asOf: '2011-09-10T00:00:00.000Z', system: 'model', recall: 0.19, ndcg: 0.35 }];
    card.backtestRunId = '20261206T040000Z-a1b2c3';
    const html = sectionOf(await renderReport({ ...minimal(), modelCard: card }), 'model-card');
    expect(html).toContain('<td>blend (weight 0.001 on the model, out of fold) against repeat</td><td class="num">0.2840</td><td class="num">0.2822</td><td class="num">+0.0019</td>');
    expect(html).toContain('<td>2011-09-10T00:00:00.000Z</td><td>model</td><td class="num">0.3500</td>');
    expect(html).toContain('From backtest run 20261206T040000Z-a1b2c3 of this procedure');
    expect(html).not.toContain('at the as-of time: ECE');
  });

  it('notes the curves a single-class scoring cannot define, and draws the rest', async () => {
    const html = await renderReport({ ...minimal(), scored: { probability: Float32Array.of(0.1, 0.4, 0.2), label: new Uint8Array(3) } });
    const scored = sectionOf(html, 'discrimination');
    expect(scored).toContain('ROC needs both classes, found 0 positive and 3 negative pairs');
    expect(scored).toContain('id="chart-histogram"');
    expect(sectionOf(html, 'calibration')).toContain('id="chart-reliability"');
  });

  it('flags counts that do not add up', async () => {
    const html = await renderReport({ ...minimal(), rows: { 'ingest.read': 10, 'ingest.clean': 7, 'ingest.rejected': 2, 'ingest.rejected.bad_date': 1 } });
    expect(html).toContain('<p class="check fail">every line counted once: read 10 ≠ clean 7 + rejected 2');
    expect(html).toContain('<p class="check fail">rejects by reason add up: 1 ≠ rejected 2</p>');
  });

  it('escapes every piece of input text, in tables and inside the charts', async () => {
    const html = await renderReport({
      ...minimal(),
      title: '<script>alert(1)</script>',
      lineage: [{ store: 'file:///tmp/a&b', key: 'x"><img src=y>.csv.lzo', etag: "'e'" }],
      rows: { 'ingest.rejected': 3, 'ingest.rejected.<img src=z>': 3 },
      metrics: [{ system: '<script>m</script>', recall: 0.1, precision: 0.1, ndcg: 0.1, hitRate: 0.1, map: 0.1, customers: 3, k: 10 }],
    });
    expect(html).toContain('id="chart-metrics"');
    expect(html).toContain('id="chart-rejects"');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('<td class="mono">x&#34;&#62;&#60;img src=y&#62;.csv.lzo</td>');
    expect(html).toContain('file:///tmp/a&#38;b');
  });
});

describe('renderReport input errors', () => {
  it('quotes the bad value', async () => {
    await expect(renderReport({ ...minimal(), asOf: 'yesterday' })).rejects.toThrow(new ReportInputError('asOf', 'expected an ISO 8601 time, found "yesterday"'));
    await expect(renderReport({ ...minimal(), candidateRecall: 1.5 })).rejects.toThrow('report input candidateRecall: expected a share in [0, 1], found 1.5');
    await expect(renderReport({ ...minimal(), atK: [{ system: 'm1', k: [1, 2], recall: [0.1], ndcg: [0.1, 0.2] }] })).rejects.toThrow(
      'report input atK["m1"]: expected k, recall and ndcg of equal length, found 2, 1, 2',
    );
    await expect(renderReport({ ...minimal(), scored: { probability: Float32Array.of(0.5, 2), label: Uint8Array.of(0, 1) } })).rejects.toThrow(CurveInputError);
  });
});

describe('inlineSvg', () => {
  it('drops namespace declarations and renames fragment ids per chart in order', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs><clipPath id="clip9"/><clipPath id="clip4"/></defs><g clip-path="url(#clip4)"/><g clip-path="url(#clip9)"/></svg>';
    expect(inlineSvg(svg, 'roc')).toBe('<svg><defs><clipPath id="roc-1"/><clipPath id="roc-2"/></defs><g clip-path="url(#roc-2)"/><g clip-path="url(#roc-1)"/></svg>');
  });
});

describe('renderRunReport and writeReport', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berserkr-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes runs/<data set>/<run-id>.html beside the run record and returns its URI', async () => {
    const lake = new FileStore(dir);
    const input = minimal();
    const written = await writeReport(new Catalog(lake, 'online-retail'), await renderRunReport(input));
    expect(written.key).toBe('runs/online-retail/20111210T000000Z-000001.html');
    expect(written.uri).toBe(`${lake.uri.replace(/\/+$/, '')}/runs/online-retail/20111210T000000Z-000001.html`);
    expect(readFileSync(join(dir, 'runs', 'online-retail', '20111210T000000Z-000001.html'), 'utf8')).toBe(await renderReport(input));
  });

  it('refuses a bad run id before writing', async () => {
    const catalog = new Catalog(new FileStore(dir), 'online-retail');
    expect(() => catalog.reports.key('run-1')).toThrow(InvalidRunIdError);
    await expect(renderRunReport({ ...minimal(), runId: '../x' })).rejects.toThrow(InvalidRunIdError);
    await expect(writeReport(catalog, { runId: '../x', html: '<html></html>' })).rejects.toThrow(InvalidRunIdError);
  });
});

describe('renderSvg', () => {
  it('renders a Vega-Lite spec to an SVG element', async () => {
    const svg = await renderSvg({ data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] }, mark: 'line', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } }, 't');
    expect(svg).toMatch(/^<svg [^>]*width="\d+" height="\d+" viewBox="0 0 \d+ \d+">/);
    expect(svg).not.toContain('xmlns');
    expect(svg).toContain('aria-roledescription="line mark" d="M0,66.667L200,0"'); // (1, 2) → (2, 3) on a 200 × 200 plot with y from 0 to 3
    expect(svg.endsWith('</svg>')).toBe(true);
  });

  it('fails on a Vega-Lite warning and on an invalid spec, naming the chart', async () => {
    // Vega-Lite accepts a quantitative shape only with a warning (its types reject it too).
    const shapes = { data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'a', type: 'quantitative' } } };
    const warned = renderSvg(shapes as unknown as TopLevelSpec, 'shapes');
    await expect(warned).rejects.toThrow(ChartRenderError);
    await expect(warned).rejects.toThrow(/^chart "shapes": Vega-Lite → Vega → SVG failed: warnings: /);
    await expect(renderSvg({ data: { values: [] }, mark: 'nope' } as unknown as TopLevelSpec, 'bad')).rejects.toThrow(/^chart "bad": /);
  });
});
