/**
 * The report's model-card section: the card of the model the run trained
 * (`models/<data set>/<model-id>/model-card.json`, `lib/catalog/model-card.ts`)
 * with its sections as the card's text has them (`CARD_SECTIONS`), and the
 * calibration of the run's own lists at the as-of time beside the card's
 * validation figures when the run could be evaluated.
 */
import type { ModelCard } from '../lib/catalog';
import { signed } from '../lib/format';
import { formatWeight } from '../training/blend';
import { activeSources, backtestSource, CARD_SECTIONS, NO_BACKTEST, SOURCE_LABELS } from '../training/model-card-markdown';
import { comparedWith } from '../training/promotion';
import { type Cell, count, escapeHtml, fixed, notAvailable, percent, table } from './html';
import type { MetricsRow } from './types';

const num = (x: number | undefined, digits = 4): Cell => ({ text: fixed(x, digits), className: 'num' });
const signedCell = (x: number): Cell => ({ text: signed(x), className: 'num' });

function part(title: (typeof CARD_SECTIONS)[number], body: string): string {
  return `<div class="card-part"><h3>${escapeHtml(title)}</h3>\n${body}\n</div>`;
}

const para = (text: string): string => `<p>${escapeHtml(text)}</p>`;

function promotion(card: ModelCard): string {
  const p = card.promotion;
  const b = p.bootstrap;
  const rows = [
    ...p.comparisons.map((c) => ({ label: `challenger against ${comparedWith(c)}`, c })),
    ...(p.blend === undefined ? [] : [{ label: `blend (weight ${formatWeight(p.blend.weight)} on the model, out of fold) against ${p.blend.comparison.against}`, c: p.blend.comparison }]),
  ];
  const body = rows.map(({ label, c }) => [{ text: label }, num(c.challenger), num(c.other), signedCell(c.meanDifference), num(c.standardError), signedCell(c.lower), num(c.pValue, 3), { text: c.significant ? 'yes' : 'no' }]);
  return [
    `<p>Outcome: <b>${escapeHtml(p.outcome)}</b>; scoring uses <code>${escapeHtml(p.scoringWith)}</code>.</p>`,
    `<blockquote>${escapeHtml(p.decision)}</blockquote>`,
    table(['comparison', `NDCG@${card.k}`, 'other', 'difference', 'standard error', `${Math.round(b.confidence * 100)} % lower bound`, 'p', 'significant'], body),
    para(`Paired bootstrap over the validation customers, ${b.resamples} resamples, seed ${b.seed}: promoted only when the one-sided lower bound of the lead over the best baseline, and over the champion when there is one, is above 0.`),
  ].join('\n');
}

/**
 * The model-card section.
 * @param card the card, or undefined when the run's model has none (a model saved before cards, or no training in the run).
 * @param atAsOf the run's own model row at the as-of time, when evaluated: its ECE and ECE@K are shown beside the card's.
 */
export function modelCardSection(card: ModelCard | undefined, atAsOf: MetricsRow | undefined): string {
  const title = 'Model card';
  if (card === undefined) return `<section id="model-card"><h2>${title}</h2>\n${notAvailable('the run trained no model with a card')}\n</section>`;
  const t = card.training;
  const k = card.k;
  const c = card.candidates;
  const cal = card.calibration;
  const parts = [
    `<p class="facts">model <b>${escapeHtml(card.modelId)}</b> · data set <b>${escapeHtml(card.dataset)}</b> · created <b>${escapeHtml(card.createdAt)}</b> · backend <b>${escapeHtml(card.backend)}</b> · as-of <b>${escapeHtml(card.asOf)}</b> · horizon <b>${card.horizonDays} days</b> · K <b>${k}</b></p>`,
    part(
      CARD_SECTIONS[0],
      table(
        ['what', 'value'],
        [
          [{ text: 'events read' }, { text: `${t.window.from} to ${t.window.to} (exclusive)`, className: 'wrap' }],
          [{ text: `training cut-offs, every ${t.cutoffStepDays} days` }, { text: t.cutoffs.join(', '), className: 'wrap' }],
          [{ text: 'validation cut-off' }, { text: `${t.validationCutoff} (labels end at the as-of time)`, className: 'wrap' }],
          [{ text: 'rows' }, { text: `${count(t.rows.training)} training, ${count(t.rows.validation)} validation`, className: 'wrap' }],
          [{ text: 'members, seed, refit' }, { text: `${t.members}, ${t.seed}, ${t.refit ? 'refitted on training + validation' : 'not refitted'}`, className: 'wrap' }],
        ],
      ),
    ),
    part(CARD_SECTIONS[1], `<p>${card.features.length} features: ${card.features.map((x) => `<code>${escapeHtml(x)}</code>`).join(', ')}</p>`),
    part(
      CARD_SECTIONS[2],
      para(`On the validation cut-off ${c.cutoff}: share of the ${count(c.purchases)} true purchases of ${count(c.customers)} customers among the candidates (sources overlap).`) +
        table(
          ['source', 'recall', 'candidates per customer'],
          [
            ...activeSources(c).map((s) => [{ text: `${s.source}: ${SOURCE_LABELS[s.source]}` }, { text: percent(s.recall), className: 'num' }, num(s.perCustomer, 1)]),
            [{ text: 'all sources' }, { text: percent(c.recall), className: 'best' }, num(c.perCustomer, 1)],
          ],
        ),
    ),
    part(
      CARD_SECTIONS[3],
      table(
        ['system', 'role', `NDCG@${k}`, `Recall@${k}`, `Precision@${k}`, 'ECE', `ECE@${k}`, 'log loss', 'customers'],
        card.validation.systems.map((s) => [{ text: s.system }, { text: s.role }, num(s.ndcg), num(s.recall), num(s.precision), num(s.ece), num(s.eceTopK), num(s.logLoss), { text: count(s.customers), className: 'num' }]),
      ),
    ),
    part(CARD_SECTIONS[4], promotion(card)),
    part(
      CARD_SECTIONS[5],
      para(`Method ${cal.method} (held-out log loss: Platt ${fixed(cal.heldOutLogLoss.platt, 4)}, isotonic ${fixed(cal.heldOutLogLoss.isotonic, 4)}). On the validation cut-off, where it was fitted (in sample): ECE ${fixed(cal.ece, 4)}, ECE@${k} over the top-${k} lists ${fixed(cal.eceTopK, 4)}.`) +
        (atAsOf === undefined ? '' : para(`This run's lists (${atAsOf.system}) at the as-of time: ECE ${fixed(atAsOf.ece, 4)}, ECE@${atAsOf.k} ${fixed(atAsOf.eceTopK, 4)}.`)),
    ),
    part(
      CARD_SECTIONS[6],
      card.backtest === null || card.backtest.length === 0
        ? para(NO_BACKTEST)
        : para(backtestSource(card.backtestRunId)) + table(['as-of', 'system', `NDCG@${k}`, `Recall@${k}`], card.backtest.map((r) => [{ text: r.asOf }, { text: r.system }, num(r.ndcg), num(r.recall)])),
    ),
  ];
  return `<section id="model-card"><h2>${title}</h2>\n${parts.join('\n')}\n</section>`;
}
