/**
 * Small HTML building blocks of the report: escaping, number formats
 * (`lib/format.ts`) and tables. Every piece of input text reaches the page through {@link escapeHtml}.
 */

/** Escapes `& < > " '` so any text is safe in element content and quoted attributes (HTML Living Standard §13.1). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export { count, fixed, percent } from '../lib/format';

/** One table cell: text (escaped here) and an optional class (`num`, `mono`, `best`, `wrap`). */
export interface Cell {
  text: string;
  className?: string;
}

/**
 * A table with a header row; every cell's text is escaped.
 * @param head column titles.
 * @param body rows of cells, each as long as `head`.
 */
export function table(head: readonly string[], body: readonly (readonly Cell[])[], className = ''): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = body.map((row) => `<tr>${row.map((c) => (c.className ? `<td class="${c.className}">` : '<td>') + escapeHtml(c.text) + '</td>').join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

/** The note an optional part of the report shows when the run has no data for it. */
export function notAvailable(reason: string): string {
  return `<p class="na">Not available for this run: ${escapeHtml(reason)}</p>`;
}
