/** The customer list of `berserkr export --customers <file>`. */
import { SCORES } from '../lib/schema';
import { CustomerListError } from './errors';
import { csvField } from './export';

/**
 * The customer id of one trimmed, non-empty line: the line itself, or the value of the
 * RFC 4180 quoted field it is (`"A,B"` is `A,B`, `""` inside the quotes one `"`).
 * A quote inside an unquoted id is kept as it is.
 * @param where `<file> line <n>` for errors; @param raw the line as read, quoted by errors.
 * @throws CustomerListError when an unquoted line holds a comma (a CSV row rather than an
 *   id; if the comma is the id's, the message shows the id quoted), a quote is never
 *   closed, the quoted id is empty, or text follows the closing quote.
 */
function lineId(line: string, where: string, raw: string): string {
  if (!line.startsWith('"')) {
    if (line.includes(',')) {
      throw new CustomerListError(
        `${where}: expected one customer id per line, found ${JSON.stringify(raw)}, with a comma outside quotes (a CSV row?); `
          + `if the comma is part of the id, quote the id as the CSV export does: ${csvField(line)}`,
      );
    }
    return line;
  }
  let id = '';
  for (let from = 1; ; ) {
    const close = line.indexOf('"', from);
    if (close < 0) throw new CustomerListError(`${where}: expected a closing quote in ${JSON.stringify(raw)}; a quote inside a quoted id is written twice ("")`);
    id += line.slice(from, close);
    if (line[close + 1] === '"') {
      id += '"';
      from = close + 2;
      continue;
    }
    const rest = line.slice(close + 1);
    if (rest !== '') {
      throw new CustomerListError(
        `${where}: expected one customer id per line, found ${JSON.stringify(rest)} after the quoted id ${JSON.stringify(id)} in ${JSON.stringify(raw)}; `
          + 'a quote inside a quoted id is written twice ("")',
      );
    }
    if (id === '') throw new CustomerListError(`${where}: expected a customer id, found an empty quoted one in ${JSON.stringify(raw)}`);
    return id;
  }
}

/**
 * Parses a customer list: one customer id per line (LF or CRLF), surrounding
 * blanks trimmed, empty lines skipped, an optional first line `customer_id`
 * (the SCORES header) skipped, duplicates kept once. An id holding a comma is
 * written as an RFC 4180 quoted field, the whole line: `"A,B"` is the id `A,B`,
 * and `""` inside the quotes is one `"` (`"A""B"` is `A"B`); blanks inside the
 * quotes are the id's.
 * @param text the file's content; @param name the file name for errors.
 * @throws CustomerListError (bad usage) when the list holds no id, or a line holds a
 *   comma outside quotes (a CSV row rather than an id), an unclosed quote, an empty
 *   quoted id or text after the closing quote, naming the file and the line, quoting
 *   the line, and saying to quote an id that holds a comma.
 */
export function parseCustomerList(text: string, name: string): Set<string> {
  const ids = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const id = lineId(line, `${name} line ${i + 1}`, raw);
    if (i === 0 && id === SCORES.customerId) return;
    ids.add(id);
  });
  if (ids.size === 0) throw new CustomerListError(`${name}: expected at least one customer id, found none`);
  return ids;
}
