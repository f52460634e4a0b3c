/**
 * The text of a model card, `model-card.md` beside `model-card.json`: the same
 * facts for people, in sections Training window and cut-offs, Features,
 * Candidate sources, Validation against the baselines, Promotion, Calibration
 * and Backtest. Pure; the same card gives the same text.
 */
import type { ModelCard } from '../lib/catalog';
import { count, fixed, percent, signed } from '../lib/format';
import { formatWeight } from './blend';
import { comparedWith } from './promotion';

/** How the card and the report name each candidate source. */
export const SOURCE_LABELS: Record<ModelCard['candidates']['sources'][number]['source'], string> = {
  own: "customer's own past items",
  popular: 'most popular items',
  copurchase: "co-purchased with the customer's last orders",
  knn: "bought by the customer's nearest customers",
};

/** The backtest section's text when the card has no backtest. */
export const NO_BACKTEST = 'None of this procedure (configuration and training settings) up to the as-of time: `berserkr backtest` runs one, and the cards of later trainings quote it.';

/** Where the backtest rows come from. */
export function backtestSource(runId: string | null): string {
  return `From backtest run ${runId ?? '(unknown)'} of this procedure (configuration and training settings), at its as-of times up to this model's:`;
}

/** The headings of the card's sections, in order (the report uses the same). */
export const CARD_SECTIONS = ['Training window and cut-offs', 'Features', 'Candidate sources', 'Validation against the baselines', 'Promotion', 'Calibration', 'Backtest'] as const;

const f = (x: number | undefined, digits = 4): string => fixed(x, digits);

/** The candidate sources a card lists: those that put candidates on the validation cut-off (the customer-KNN source is off unless asked for). */
export function activeSources(c: ModelCard['candidates']): ModelCard['candidates']['sources'] {
  return c.sources.filter((s) => s.perCustomer > 0);
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The comparisons of the promotion decision as table rows. */
function comparisons(card: ModelCard): string {
  const rows = card.promotion.comparisons.map((c) => [
    comparedWith(c),
    f(c.challenger),
    f(c.other),
    signed(c.meanDifference),
    f(c.standardError),
    signed(c.lower),
    c.pValue.toFixed(3),
    c.significant ? 'yes' : 'no',
  ]);
  const b = card.promotion.bootstrap;
  return table(['challenger against', `NDCG@${card.k} challenger`, 'other', 'difference', 'standard error', `${Math.round(b.confidence * 100)} % lower bound`, 'p', 'significant'], rows);
}

/**
 * The markdown text of `card`.
 * @returns a document with one `##` section per entry of {@link CARD_SECTIONS}, ending with a newline.
 */
export function modelCardMarkdown(card: ModelCard): string {
  const t = card.training;
  const k = card.k;
  const out: string[] = [];
  out.push(`# Model card: ${card.modelId}`, '');
  out.push(
    `Data set **${card.dataset}**; created ${card.createdAt} on the ${card.backend} backend; configuration hash \`${card.configHash}\`.`,
    `For every known customer and item: the calibrated probability that the customer buys the item within ${card.horizonDays} days after the as-of time ${card.asOf}; lists are the top ${k}.`,
    '',
  );

  out.push(`## ${CARD_SECTIONS[0]}`, '');
  out.push(
    `- Events read: from ${t.window.from} to the as-of time ${t.window.to}, exclusive; nothing at or after it reaches features, vocabularies, normalisation, selection or calibration.`,
    `- Training cut-offs (labels: purchases in [t, t + ${card.horizonDays} days)), every ${t.cutoffStepDays} days: ${t.cutoffs.join(', ')}.`,
    `- Validation cut-off: ${t.validationCutoff}; its labels end at the as-of time. Calibration, the promotion rule and any blend are fitted there.`,
    `- Rows: ${count(t.rows.training)} training, ${count(t.rows.validation)} validation; ${t.members} member(s), seed ${t.seed}; ${t.refit ? 'then refitted on the training and validation cut-offs' : 'not refitted'}.`,
    '',
  );

  out.push(`## ${CARD_SECTIONS[1]}`, '');
  out.push(`${card.features.length} features, in input order: ${card.features.map((x) => `\`${x}\``).join(', ')}.`, '');

  const c = card.candidates;
  out.push(`## ${CARD_SECTIONS[2]}`, '');
  out.push(`Recall of the candidates on the validation cut-off ${c.cutoff}: the share of the ${count(c.purchases)} true purchases of its ${count(c.customers)} customers that are candidates. Sources overlap.`, '');
  out.push(
    table(
      ['source', 'recall', 'candidates per customer'],
      [...activeSources(c).map((s) => [`${s.source}: ${SOURCE_LABELS[s.source]}`, percent(s.recall), f(s.perCustomer, 1)]), ['all sources', percent(c.recall), f(c.perCustomer, 1)]],
    ),
    '',
  );

  out.push(`## ${CARD_SECTIONS[3]}`, '');
  out.push(`On the validation cut-off ${card.validation.cutoff}, over the same customers; ECE and log loss over every scored pair, ECE@${k} over the top-${k} lists.`, '');
  out.push(
    table(
      ['system', 'role', `NDCG@${k}`, `Recall@${k}`, `Precision@${k}`, `HitRate@${k}`, `MAP@${k}`, 'ECE', `ECE@${k}`, 'log loss', 'customers'],
      card.validation.systems.map((s) => [s.system, s.role, f(s.ndcg), f(s.recall), f(s.precision), f(s.hitRate), f(s.map), f(s.ece), f(s.eceTopK), f(s.logLoss), count(s.customers)]),
    ),
    '',
  );

  const p = card.promotion;
  out.push(`## ${CARD_SECTIONS[4]}`, '');
  out.push(`Outcome: **${p.outcome}**; scoring uses \`${p.scoringWith}\`.`, '', `> ${p.decision}`, '');
  out.push(comparisons(card), '');
  out.push(
    `Paired bootstrap over the validation customers: ${p.bootstrap.resamples} resamples, seed ${p.bootstrap.seed}; the challenger is promoted only when the one-sided ${Math.round(p.bootstrap.confidence * 100)} % lower bound of its lead over the best baseline, and over the champion when there is one, is above 0.`,
  );
  if (p.blend !== undefined) {
    const b = p.blend;
    out.push(
      '',
      `Blend with baseline ${b.baseline}: weight ${formatWeight(b.weight)} on the model (${b.foldWeights.map(formatWeight).join(' and ')} chosen on each half of the customers, judged on the other); out of fold NDCG@${k} ${f(b.comparison.challenger)} against ${f(b.comparison.other)}: ${signed(b.comparison.meanDifference)}, lower bound ${signed(b.comparison.lower)}, p ${b.comparison.pValue.toFixed(3)}.`,
    );
  }
  out.push('');

  const cal = card.calibration;
  out.push(`## ${CARD_SECTIONS[5]}`, '');
  out.push(
    `Method ${cal.method}, chosen by held-out log loss (Platt ${f(cal.heldOutLogLoss.platt)}, isotonic ${f(cal.heldOutLogLoss.isotonic)}) on the validation cut-off.`,
    `ECE over every validation pair ${f(cal.ece)}; over the top-${k} lists (ECE@${k}) ${f(cal.eceTopK)}. In sample: the calibration was fitted on these pairs (the evaluation at the as-of time measures it out of sample).`,
    `Carried to the horizon: the saved network's scores move by ${signed(cal.refitShift)} in logit to the level of the network the map was fitted on, and the probabilities by ${signed(cal.shift)} in logit, from the validation cut-off's base rate ${f(cal.validationRate)} to the one forecast for the horizon, ${f(cal.forecastRate)} (its one-step trend).`,
    '',
  );

  out.push(`## ${CARD_SECTIONS[6]}`, '');
  if (card.backtest === null || card.backtest.length === 0) out.push(NO_BACKTEST);
  else {
    out.push(backtestSource(card.backtestRunId), '');
    out.push(table(['as-of', 'system', `NDCG@${k}`, `Recall@${k}`], card.backtest.map((r) => [r.asOf, r.system, f(r.ndcg), f(r.recall)])));
  }
  out.push('');
  return out.join('\n');
}
