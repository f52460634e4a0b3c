/** scoring/customer-list.ts: the `export --customers` file, one customer id per line, an id holding a comma quoted as in CSV. */
import { exitCodeOf, EXIT } from '../../cli/exit';
import { parseCustomerList } from '../../scoring/customer-list';

/** What parsing `text` as `vip.txt` throws; undefined when it parses. */
function refusal(text: string): Error | undefined {
  try {
    parseCustomerList(text, 'vip.txt');
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('parseCustomerList', () => {
  it('reads a quoted line as one RFC 4180 field: commas are the id\'s, "" is one quote, blanks inside the quotes kept', () => {
    const text = 'customer_id\n"A,B"\r\n  "C ""the shop"", Ltd"  \n" D "\nplain\n"plain"\n';
    expect(parseCustomerList(text, 'vip.txt')).toEqual(new Set(['A,B', 'C "the shop", Ltd', ' D ', 'plain']));
    // A quoted header is the header; a quote inside an unquoted id is kept as before.
    expect(parseCustomerList('"customer_id"\nAB"C\n', 'vip.txt')).toEqual(new Set(['AB"C']));
  });

  it('refuses a comma outside quotes as a CSV row, naming the file and the line and saying to quote the id', () => {
    const error = refusal('17850\n13047,85123A\n');
    expect(error?.message).toBe(
      'vip.txt line 2: expected one customer id per line, found "13047,85123A", with a comma outside quotes (a CSV row?); if the comma is part of the id, quote the id as the CSV export does: "13047,85123A"',
    );
    expect(exitCodeOf(error)).toBe(EXIT.usage);
    // The suggested quoting doubles the id's own quotes.
    expect(refusal('A"x,B\n')?.message).toMatch(/quote the id as the CSV export does: "A""x,B"$/);
  });

  it('refuses a quoted id that is not one whole field, naming the file, the line and what follows', () => {
    expect(refusal('"A,B",C\n')?.message).toBe('vip.txt line 1: expected one customer id per line, found ",C" after the quoted id "A,B" in "\\"A,B\\",C"; a quote inside a quoted id is written twice ("")');
    expect(refusal('ok\n"A"B"\n')?.message).toMatch(/^vip\.txt line 2: expected one customer id per line, found "B\\"" after the quoted id "A"/);
    expect(refusal('"A,B\n')?.message).toBe('vip.txt line 1: expected a closing quote in "\\"A,B"; a quote inside a quoted id is written twice ("")');
    expect(refusal('x\n\n""\n')?.message).toBe('vip.txt line 3: expected a customer id, found an empty quoted one in "\\"\\""');
    for (const text of ['"A,B",C\n', '"A,B\n', '""\n']) expect(exitCodeOf(refusal(text))).toBe(EXIT.usage);
  });
});
