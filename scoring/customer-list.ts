/** The customer list of `berserkr export --customers <file>`. */
import { SCORES } from '../lib/schema';
import { CustomerListError } from './errors';

/**
 * Parses a customer list: one customer id per line (LF or CRLF), surrounding
 * blanks trimmed, empty lines skipped, an optional first line `customer_id`
 * (the SCORES header) skipped, duplicates kept once.
 * @param text the file's content; @param name the file name for errors.
 * @throws CustomerListError (bad usage) when the list holds no id, or a line holds a comma
 *   (a CSV row rather than an id), quoting the line and its number.
 */
export function parseCustomerList(text: string, name: string): Set<string> {
  const ids = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || (i === 0 && line === SCORES.customerId)) return;
    if (line.includes(',')) throw new CustomerListError(`${name} line ${i + 1}: expected one customer id per line, found ${JSON.stringify(raw)}`);
    ids.add(line);
  });
  if (ids.size === 0) throw new CustomerListError(`${name}: expected at least one customer id, found none`);
  return ids;
}
