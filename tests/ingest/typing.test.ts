import { Table } from 'apache-arrow';
import { CsvRecordBatch, fieldText, parseCsv } from '../../ingest/csv';
import { toUtf8 } from '../../ingest/text';
import { HeaderMismatchError, RecordTyper, TIME_SAMPLE_LINES, UnreadableTimesError, latestAcceptedTime, resolveLayout } from '../../ingest/typing';
import { parseConfig } from '../../lib/config';
import { DatasetConfig } from '../../lib/config-types';
import { rejectBudget } from '../../ingest/reject-budget';
import { chunked } from './helpers';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const config: DatasetConfig = parseConfig(
  {
    name: 'retail',
    csv: { duplicates: 'reject' },
    columns: {
      order: { column: 'InvoiceNo' },
      item: { column: 'StockCode', transform: 'upper' },
      time: { column: 'InvoiceDate', format: 'M/D/YYYY H:mm', timezone: 'UTC' },
      quantity: { column: 'Quantity' },
      price: { column: 'UnitPrice' },
      customer: { column: 'CustomerID', required: false },
      keep: ['Description', 'Country'],
    },
  },
  'test',
);

async function typeText(text: string, cfg = config, notAfter?: number) {
  let typer: RecordTyper | undefined;
  for await (const batch of parseCsv(toUtf8(chunked(new TextEncoder().encode(text), 3), 'utf-8'), { delimiter: ',' })) {
    let from = 0;
    if (!typer) {
      typer = new RecordTyper('raw/x.csv.lzo', cfg, resolveLayout(headerOf(batch), cfg, 'raw/x.csv.lzo'), 4, 1, notAfter);
      from = 1;
    }
    typer.add(batch, from);
  }
  const { clean, rejects } = typer!.take();
  return { clean, rejects, counts: typer!.counts };
}

const headerOf = (b: CsvRecordBatch) => Array.from({ length: b.fieldStart[1] }, (_, f) => fieldText(b, f));
const rows = (t: Table) => t.toArray().map((r) => r.toJSON());

describe('RecordTyper', () => {
  it('types good lines into the clean contract with lineage', async () => {
    const { clean, counts } = await typeText(
      `${HEADER}\n536365,85123a,"WHITE HANGING HEART T-LIGHT HOLDER, big",6,12/1/2010 8:26,2.55,17850,United Kingdom\nC536379,D,Discount,-1,12/1/2010 9:41,27.5,,United Kingdom\n`,
    );
    expect(rows(clean)).toEqual([
      { customer_id: '17850', item_id: '85123A', event_time: Date.UTC(2010, 11, 1, 8, 26), quantity: 6, unit_price: 2.55, order_id: '536365', description: 'WHITE HANGING HEART T-LIGHT HOLDER, big', country: 'United Kingdom', extra_columns: null, source_object: 'raw/x.csv.lzo', source_line: 2 },
      { customer_id: null, item_id: 'D', event_time: Date.UTC(2010, 11, 1, 9, 41), quantity: -1, unit_price: 27.5, order_id: 'C536379', description: 'Discount', country: 'United Kingdom', extra_columns: null, source_object: 'raw/x.csv.lzo', source_line: 3 },
    ]);
    expect(counts).toEqual({ read: 2, clean: 2, rejected: 0, duplicates: 0, byReason: {} });
  });

  it('names no duplicate as the longest reject, as the reject budget does not count duplicates', async () => {
    const twoLines = '536365,85123A,"two\nlines",6,12/1/2010 8:26,2.55,17850,UK';
    const { counts } = await typeText([HEADER, twoLines, twoLines].join('\n'));
    expect(counts).toMatchObject({ read: 4, clean: 2, rejected: 2, duplicates: 2, byReason: { duplicate: 2 } });
    expect(counts.longestReject).toBeUndefined();
  });

  it('rejects a copy of a rejected line for its reason, not as a duplicate, so the reject budget counts it', async () => {
    const bad = '536365,85123A,X,6,2010-12-01 08:26,2.55,17850,UK';
    const good = '536366,85123A,X,6,12/1/2010 8:26,2.55,17850,UK';
    const { clean, rejects, counts } = await typeText([HEADER, bad, good, bad, good, bad].join('\n'));
    expect(rows(clean).map((r) => r.source_line)).toEqual([3]);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [2, 'bad_time: InvoiceDate="2010-12-01 08:26" does not match M/D/YYYY H:mm'],
      [4, 'bad_time: InvoiceDate="2010-12-01 08:26" does not match M/D/YYYY H:mm'],
      [5, 'duplicate: same text as line 3'],
      [6, 'bad_time: InvoiceDate="2010-12-01 08:26" does not match M/D/YYYY H:mm'],
    ]);
    expect(counts).toMatchObject({ read: 5, clean: 1, rejected: 4, duplicates: 3, byReason: { bad_time: 3, duplicate: 1 } });
    // An object of nothing but copies of one unreadable line has no readable line: over the budget.
    const copies = await typeText([HEADER, ...Array(300).fill(bad)].join('\n'));
    expect(copies.counts).toMatchObject({ read: 300, clean: 0, rejected: 300, duplicates: 299, byReason: { bad_time: 300 } });
    expect(() => rejectBudget()('raw/x.csv.lzo', copies.counts)).toThrow('300 of 300 lines rejected (100 %: bad_time 300)');
  });

  it('rejects a time after the latest accepted one as future_time, and takes the latest itself', async () => {
    const notAfter = latestAcceptedTime(new Date('2011-12-10T00:00:00Z'));
    expect(notAfter).toBe(Date.UTC(2011, 11, 11));
    const text = [HEADER, '536365,85123A,X,6,12/11/2011 0:00,2.55,17850,UK', '536366,85123A,X,6,12/11/2011 0:01,2.55,17850,UK', '536367,85123A,X,6,1/1/2100 0:00,2.55,17850,UK'].join('\n');
    const { clean, rejects, counts } = await typeText(text, config, notAfter);
    expect(rows(clean).map((r) => r.source_line)).toEqual([2]);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [3, 'future_time: InvoiceDate="12/11/2011 0:01" is 2011-12-11T00:01:00.000Z, after 2011-12-11T00:00:00.000Z (a day after the ingest started)'],
      [4, 'future_time: InvoiceDate="1/1/2100 0:00" is 2100-01-01T00:00:00.000Z, after 2011-12-11T00:00:00.000Z (a day after the ingest started)'],
    ]);
    expect(counts).toMatchObject({ read: 3, clean: 1, rejected: 2, byReason: { future_time: 2 } });
    // Without a bound every time is taken.
    expect((await typeText(text)).counts).toMatchObject({ clean: 3, rejected: 0 });
  });

  it('rejects bad lines with a stable code and a detail quoting the value', async () => {
    const good = '536365,85123A,X,6,12/1/2010 8:26,2.55,17850,UK';
    const text = [
      HEADER,
      good,
      '536365,85123A,X,12x,12/1/2010 8:26,2.55,17850,UK',
      '536365,85123A,X,6,13/45/2011 8:26,2.55,17850,UK',
      '536365,85123A,X,6,12/1/2010 8:26,2.55,17850,UK,extra',
      '536365,,X,6,12/1/2010 8:26,2.55,17850,UK',
      '536365,85123A,X,6,12/1/2010 8:26,1,5,17850,UK',
      '536365,85123A,X,6,12/1/2010 8:26,abc,17850,UK',
      '536365,85123A,X,99999999999,12/1/2010 8:26,2.55,17850,UK',
      '',
      good,
      '536365,85123A,X,6,12/1/2010 8:26,1e400,17850,UK',
      '536366,85123A,"open quote,6,12/1/2010 8:26,2.55,17850,UK',
    ].join('\n');
    const { clean, rejects, counts } = await typeText(text);
    expect(clean.numRows).toBe(1);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [3, 'bad_number: Quantity="12x" (expected an int32 integer)'],
      [4, 'bad_time: InvoiceDate="13/45/2011 8:26" does not match M/D/YYYY H:mm'],
      [5, 'field_count: expected 8 fields, found 9'],
      [6, 'missing_required: StockCode'],
      [7, 'field_count: expected 8 fields, found 9'],
      [8, 'bad_number: UnitPrice="abc" (expected a decimal number)'],
      [9, 'bad_number: Quantity="99999999999" (expected an int32 integer)'],
      [10, 'empty_line: the line has no text'],
      [11, 'duplicate: same text as line 2'],
      [12, 'bad_number: UnitPrice="1e400" (out of the range of a 64-bit float)'],
      [13, 'unterminated_quote: a quoted field is not closed before the end of the object'],
    ]);
    expect(rows(rejects)[0]).toEqual({ source_object: 'raw/x.csv.lzo', source_line: 3, reason: expect.any(String), raw: '536365,85123A,X,12x,12/1/2010 8:26,2.55,17850,UK' });
    expect(counts).toEqual({
      read: 12,
      clean: 1,
      rejected: 11,
      duplicates: 1,
      byReason: { bad_number: 4, bad_time: 1, field_count: 2, missing_required: 1, empty_line: 1, duplicate: 1, unterminated_quote: 1 },
      firstReject: { line: 3, reason: 'bad_number: Quantity="12x" (expected an int32 integer)' },
    });
  });

  it('counts each record by the physical lines it spans, clean or rejected, so every line is counted once', async () => {
    const line = (order: number, description = 'X', country = 'UK') => `${order},85123A,${description},6,12/1/2010 8:26,2.55,17850,${country}`;
    const text = [
      HEADER,
      line(536361),
      line(536362, '"two\nlines"'), // a valid record of two lines: clean
      line(536363, 'X', '"UK'), // a stray quote swallows the next line, up to its quote
      line(536364, '"X"'),
      line(536365),
      line(536366, 'X', '"UK'), // a quote left open swallows the rest of the object
      line(536367),
      line(536368),
    ].join('\n') + '\n';
    const { clean, rejects, counts } = await typeText(text);
    expect(rows(clean).map((r) => [r.source_line, r.order_id, r.description])).toEqual([[2, '536361', 'X'], [3, '536362', 'two\nlines'], [7, '536365', 'X']]);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [5, 'field_count: expected 8 fields, found 13'],
      [8, 'unterminated_quote: a quoted field is not closed before the end of the object'],
    ]);
    // 9 data lines: 4 in 3 clean rows, 5 in 2 rejects.
    expect(counts).toEqual({
      read: 9,
      clean: 4,
      rejected: 5,
      duplicates: 0,
      byReason: { field_count: 2, unterminated_quote: 3 },
      firstReject: { line: 5, reason: 'field_count: expected 8 fields, found 13' },
      longestReject: { line: 8, lines: 3, reason: 'unterminated_quote: a quoted field is not closed before the end of the object' },
    });
  });

  it('rejects a customer, item or order id holding a line break as bad_id, every line of its record, while other columns may hold them', async () => {
    const line = (order: string, item: string, customer: string, description = 'X') => `${order},${item},${description},6,12/1/2010 8:26,2.55,${customer},UK`;
    const text = [
      HEADER,
      line('536361', '85123A', '"17850', 'X'), // a stray quote: the customer runs into the next line, up to its quote
      line('536362', '85123A', '17851"'),
      line('"536363\r\n"', '85123A', '17852'),
      line('536364', '"851\n23A"', '17853'),
      line('536365', '85123A', '17854', '"two\nlines"'),
    ].join('\n');
    const { clean, rejects, counts } = await typeText(text);
    expect(rows(clean).map((r) => [r.source_line, r.description])).toEqual([[8, 'two\nlines']]);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [2, 'bad_id: CustomerID="17850,UK\\n536362,85123A,X,6,12/1/2010 8:26,2.55,17851" holds a line break (U+000A)'],
      [4, 'bad_id: InvoiceNo="536363\\r\\n" holds a line break (U+000D)'],
      [6, 'bad_id: StockCode="851\\n23A" holds a line break (U+000A)'],
    ]);
    expect(counts).toMatchObject({ read: 8, clean: 2, rejected: 6, byReason: { bad_id: 6 } });
  });

  it('rejects an id holding NUL, DEL or another C0 or C1 control character as bad_id, naming it', async () => {
    const line = (order: string, item: string, customer: string) => `${order},${item},X\u0000\u0081,6,12/1/2010 8:26,2.55,${customer},UK`;
    const text = [
      HEADER,
      line('536361', '85123A', 'C\u00001'),
      line('536362', '85123A', 'C\u0081'), // windows-1252's unassigned byte 0x81
      line('536363', '85123A\u007f', '17850'),
      line('536364\t', '85123A', '17850'),
      line('536365', '85123A', '17850\u009f'),
      line('536366', '85123A', 'C\u00a0\u0100\u2028é'), // not controls: NBSP, Ā, LINE SEPARATOR, é
    ].join('\n');
    const { clean, rejects, counts } = await typeText(text);
    expect(rows(clean).map((r) => [r.source_line, r.customer_id, r.description])).toEqual([[7, 'C\u00a0\u0100\u2028é', 'X\u0000\u0081']]);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [2, 'bad_id: CustomerID="C\\u00001" holds the control character U+0000'],
      [3, 'bad_id: CustomerID="C\u0081" holds the control character U+0081'],
      [4, 'bad_id: StockCode="85123A\u007f" holds the control character U+007F'],
      [5, 'bad_id: InvoiceNo="536364\\t" holds the control character U+0009'],
      [6, 'bad_id: CustomerID="17850\u009f" holds the control character U+009F'],
    ]);
    expect(counts).toMatchObject({ read: 6, clean: 1, rejected: 5, byReason: { bad_id: 5 } });
  });

  it('reads quantities and prices with the configured separators, and quotes them in a reject', async () => {
    const european = parseConfig({ ...config, csv: { ...config.csv, decimal_separator: ',', thousands_separator: '.' } }, 'european');
    const { clean, rejects } = await typeText(
      `${HEADER}\n536365,85123A,X,1.200,12/1/2010 8:26,"1.234,56",17850,UK\n536366,85123A,X,6,12/1/2010 8:26,2.55,17850,UK\n536367,85123A,X,"1,5",12/1/2010 8:26,"2,55",17850,UK\n`,
      european,
    );
    expect(rows(clean).map((r) => [r.quantity, r.unit_price])).toEqual([[1200, 1234.56]]);
    expect(rows(rejects).map((r) => r.reason)).toEqual([
      'bad_number: UnitPrice="2.55" (expected a decimal number, decimal separator ",", thousands separator ".")',
      'bad_number: Quantity="1,5" (expected an int32 integer, decimal separator ",", thousands separator ".")',
    ]);
  });

  it('keeps duplicates when configured, still counting them', async () => {
    const keep = { ...config, csv: { ...config.csv, duplicates: 'keep' as const } };
    const line = '536365,85123A,X,6,12/1/2010 8:26,2.55,17850,UK';
    const { clean, counts } = await typeText(`${HEADER}\n${line}\n${line}\n${line}\n`, keep);
    expect(clean.numRows).toBe(3);
    expect(counts.duplicates).toBe(2);
    expect(counts.rejected).toBe(0);
  });

  it('rejects a required customer that is missing', async () => {
    const strict = parseConfig({ ...config, columns: { ...config.columns, customer: { column: 'CustomerID', required: true } } }, 'strict');
    const { rejects } = await typeText(`${HEADER}\n536365,85123A,X,6,12/1/2010 8:26,2.55,,UK\n`, strict);
    expect(rows(rejects)[0].reason).toBe('missing_required: CustomerID');
  });

  it('takes an id of only white space as missing, whatever the transform: a reject when required, else null', async () => {
    const strict = parseConfig({ ...config, columns: { ...config.columns, customer: { column: 'CustomerID', required: true } } }, 'strict');
    const line = (order: string, item: string, customer: string) => `${order},${item},X,6,12/1/2010 8:26,2.55,${customer},UK`;
    const text = [
      HEADER,
      line('536361', '85123A', ' '),
      line('536362', ' ', '17850'), // StockCode is upper-cased
      line('536363', '\t', '17850'),
      line('536364', '\u00a0', '17850'),
      line('\u3000 ', '85123A', '17850'),
      line('536366', '85123A', ''),
      line('536367', '85123A', ' 17850'),
    ].join('\n');
    const { clean, rejects, counts } = await typeText(text, strict);
    expect(rows(clean).map((r) => [r.source_line, r.customer_id])).toEqual([[8, ' 17850']]);
    expect(rows(rejects).map((r) => [r.source_line, r.reason])).toEqual([
      [2, 'missing_required: CustomerID=" " is only white space'],
      [3, 'missing_required: StockCode=" " is only white space'],
      [4, 'missing_required: StockCode="\\t" is only white space'],
      [5, 'missing_required: StockCode="\u00a0" is only white space'],
      [6, 'missing_required: InvoiceNo="\u3000 " is only white space'],
      [7, 'missing_required: CustomerID'],
    ]);
    expect(counts).toMatchObject({ read: 7, clean: 1, rejected: 6, byReason: { missing_required: 6 } });
    // A customer that is not required is null, as an empty one is.
    const optional = await typeText([HEADER, line('536361', '85123A', ' '), line('536362', '85123A', '\u00a0\t')].join('\n'));
    expect(rows(optional.clean).map((r) => [r.source_line, r.customer_id])).toEqual([[2, null], [3, null]]);
  });

  it('rejects lines with invalid UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(`${HEADER}\n536365,85123A,X`), 0xff, ...new TextEncoder().encode(',6,12/1/2010 8:26,2.55,17850,UK\n')]);
    let typer: RecordTyper | undefined;
    for await (const batch of parseCsv(toUtf8(chunked(bytes, 3), 'utf-8'), { delimiter: ',' })) {
      typer ??= new RecordTyper('k', config, resolveLayout(headerOf(batch), config, 'k'));
      typer.add(batch, batch.line[0] === 1 ? 1 : 0);
    }
    const rejects = rows(typer!.take().rejects);
    expect(rejects[0].reason).toBe('bad_encoding: invalid UTF-8 at byte offset 15 of the line');
    expect(rejects[0].raw).toBe('536365,85123A,X\ufffd,6,12/1/2010 8:26,2.55,17850,UK');
  });
});

describe('resolveLayout', () => {
  it('maps columns by name in any order', () => {
    const layout = resolveLayout('Country,CustomerID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo'.split(','), config, 'k');
    expect([layout.order, layout.item, layout.time, layout.customer, layout.keep]).toEqual([7, 6, 3, 1, [5, 0]]);
  });

  it('fails the object naming missing and unexpected columns', () => {
    const header = 'InvoiceNo,StockCode,Description,Qty,InvoiceDate,UnitPrice,CustomerID,Country,Country'.split(',');
    let error: unknown;
    try {
      resolveLayout(header, config, 'raw/2011-01.csv.lzo');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HeaderMismatchError);
    expect((error as HeaderMismatchError).missing).toEqual(['Quantity']);
    expect((error as HeaderMismatchError).unexpected).toEqual(['Qty', 'Country (2 times)']);
    expect((error as Error).message).toBe(
      'raw/2011-01.csv.lzo: line 1: header does not match the configuration: missing columns "Quantity"; unexpected columns "Qty", "Country (2 times)"; found header "InvoiceNo,StockCode,Description,Qty,InvoiceDate,UnitPrice,CustomerID,Country,Country"',
    );
  });
});

describe('header names: trimmed, and in any case with csv.header_case: insensitive', () => {
  const named = (csv: Partial<DatasetConfig['csv']>): DatasetConfig => ({ ...config, csv: { ...config.csv, ...csv } });

  it('matches names after trimming both the header and the configuration', () => {
    const spaced = { ...config, columns: { ...config.columns, order: { ...config.columns.order!, column: ' InvoiceNo ' } } };
    const layout = resolveLayout(' InvoiceNo ,StockCode,Description,\tQuantity,InvoiceDate,UnitPrice,CustomerID,Country '.split(','), spaced, 'k');
    expect([layout.order, layout.quantity, layout.keep, layout.extra]).toEqual([0, 3, [2, 7], []]);
  });

  it('matches names in any case only when insensitive', () => {
    const header = 'INVOICENO,stockcode,Description,Quantity,invoicedate,UnitPrice,CustomerId,COUNTRY'.split(',');
    expect(() => resolveLayout(header, named({ extra_columns: 'fail' }), 'raw/upper.csv')).toThrow(
      'raw/upper.csv: line 1: header does not match the configuration: missing columns "CustomerID", "StockCode", "InvoiceDate", "InvoiceNo", "Country"; '
        + 'unexpected columns "INVOICENO", "stockcode", "invoicedate", "CustomerId", "COUNTRY"',
    );
    const layout = resolveLayout(header, named({ header_case: 'insensitive' }), 'raw/upper.csv');
    expect([layout.order, layout.item, layout.time, layout.customer, layout.keep, layout.extra]).toEqual([0, 1, 4, 6, [2, 7], []]);
  });

  it('asks whether csv.encoding is right when the header does not read as text', () => {
    const utf16 = { ...config, csv: { ...config.csv, encoding: 'utf-16le' as const } };
    // UTF-8 bytes read as UTF-16LE: pairs of letters become CJK characters.
    const garbled = new TextDecoder('utf-16le').decode(Buffer.from(HEADER)).split(',');
    expect(() => resolveLayout(garbled, utf16, 'k')).toThrow(/; it does not read as text in csv\.encoding utf-16le: is that the object's encoding\?$/);
    // UTF-16 bytes read as UTF-8: NUL between the letters.
    const nul = Buffer.from(HEADER, 'utf16le').toString('utf8').split(',');
    expect(() => resolveLayout(nul, config, 'k')).toThrow(/; it does not read as text in csv\.encoding utf-8: is that the object's encoding\?$/);
    // A UTF-8 byte order mark read as windows-1252 or latin1 is named as one.
    for (const encoding of ['windows-1252', 'latin1'] as const) {
      const single = { ...config, csv: { ...config.csv, encoding } };
      expect(() => resolveLayout(`\u00ef\u00bb\u00bf${HEADER}`.split(','), single, 'k')).toThrow(
        `unexpected columns "ï»¿InvoiceNo"; found header "ï»¿${HEADER}"; it starts with a UTF-8 byte order mark (bytes EF BB BF, read as "ï»¿" in csv.encoding ${encoding}): is the object UTF-8 (csv.encoding: utf-8)?`,
      );
    }
    // A header of readable names that do not match says nothing of the encoding.
    expect(() => resolveLayout(HEADER.replace('Quantity', 'Qty').split(','), config, 'k')).toThrow(/found header "[^"]*"$/);
  });

  it('names an unnamed column by its position: a leading index column, a trailing delimiter', () => {
    const layout = resolveLayout(`,${HEADER},`.split(','), config, 'k');
    expect([layout.order, layout.extra, layout.extraNames]).toEqual([1, [0, 9], ['column_1', 'column_10']]);
    expect(() => resolveLayout(`${HEADER}, `.split(','), named({ extra_columns: 'fail' }), 'k')).toThrow('unexpected columns "column_9"; found header "');
  });

  it('counts names that differ only in case as one column when insensitive', () => {
    const header = `${HEADER},country`.split(',');
    expect(() => resolveLayout(header, named({ header_case: 'insensitive' }), 'k')).toThrow('unexpected columns "Country (2 times)"');
    expect(resolveLayout(header, config, 'k').extraNames).toEqual(['country']);
  });
});

describe('csv.extra_columns: header columns the configuration does not name', () => {
  const mode = (extra_columns: DatasetConfig['csv']['extra_columns']): DatasetConfig => ({ ...config, csv: { ...config.csv, extra_columns } });
  const header = `Channel,${HEADER}, Loyalty Tier `;
  const text = `${header}\nweb,536365,85123A,X,6,12/1/2010 8:26,2.55,17850,UK,"gold ""plus"""\n,536366,85123A,X,6,12/1/2010 8:26,2.55,17850,UK,"a\\b\tc\n\u0001"\n`;

  it('keep (the default) carries them as one JSON object per line in the column extra_columns', async () => {
    expect(config.csv.extra_columns).toBe('keep');
    const { clean, counts } = await typeText(text);
    expect(clean.schema.fields.map((f) => f.name)).toEqual([
      'customer_id', 'item_id', 'event_time', 'quantity', 'unit_price', 'order_id', 'description', 'country', 'extra_columns', 'source_object', 'source_line',
    ]);
    const extras = rows(clean).map((r) => r.extra_columns);
    expect(extras).toEqual([
      JSON.stringify({ Channel: 'web', 'Loyalty Tier': 'gold "plus"' }),
      JSON.stringify({ Channel: null, 'Loyalty Tier': 'a\\b\tc\n\u0001' }),
    ]);
    expect(JSON.parse(extras[1])).toEqual({ Channel: null, 'Loyalty Tier': 'a\\b\tc\n\u0001' });
    expect(rows(clean).map((r) => [r.order_id, r.description, r.country])).toEqual([['536365', 'X', 'UK'], ['536366', 'X', 'UK']]);
    // Two rows of three lines: the second record's quoted field holds a line break.
    expect(counts).toMatchObject({ read: 3, clean: 3, rejected: 0 });
  });

  it('keep leaves the column null for an object without extra columns', async () => {
    const { clean } = await typeText(`${HEADER}\n536365,85123A,X,6,12/1/2010 8:26,2.55,17850,UK\n`);
    expect(rows(clean).map((r) => r.extra_columns)).toEqual([null]);
  });

  it('ignore drops them and has no extra_columns column', async () => {
    const { clean, counts } = await typeText(text, mode('ignore'));
    expect(clean.schema.fields.map((f) => f.name)).not.toContain('extra_columns');
    expect(rows(clean).map((r) => r.order_id)).toEqual(['536365', '536366']);
    expect(counts.clean).toBe(3);
  });

  it('fail fails the object naming them', async () => {
    await expect(typeText(text, mode('fail'))).rejects.toThrow(
      `raw/x.csv.lzo: line 1: header does not match the configuration: unexpected columns "Channel", "Loyalty Tier"; found header ${JSON.stringify(header.split(',').map((h) => h.trim()).join(','))}`,
    );
  });

  it('an object missing a configured column fails in every mode, naming the extra columns as a hint', () => {
    for (const m of ['keep', 'ignore', 'fail'] as const) {
      expect(() => resolveLayout(HEADER.replace('Quantity', 'Qty').split(','), mode(m), 'k')).toThrow('missing columns "Quantity"; unexpected columns "Qty"');
    }
  });
});

describe('a time format that reads most of a sample wrong fails the object at once', () => {
  const line = (i: number, time: string) => `5${String(i).padStart(5, '0')},85123A,X,6,${time},2.55,17850,UK`;
  const lines = (n: number, time: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i, time(i))).join('\n');

  async function typeWith(body: string, maxUnreadableTimes: number, cfg = config) {
    let typer: RecordTyper | undefined;
    for await (const batch of parseCsv(toUtf8(chunked(new TextEncoder().encode(`${HEADER}\n${body}\n`), 4096), 'utf-8'), { delimiter: ',' })) {
      let from = 0;
      if (!typer) {
        typer = new RecordTyper('raw/iso.csv', cfg, resolveLayout(headerOf(batch), cfg, 'raw/iso.csv'), 4, maxUnreadableTimes);
        from = 1;
      }
      typer.add(batch, from);
    }
    return typer!;
  }

  it('throws once 1,000 times are sampled, quoting the first three it could not read', async () => {
    expect(TIME_SAMPLE_LINES).toBe(1000);
    const error = await typeWith(lines(5000, (i) => `2010-12-01T08:${String(i % 60).padStart(2, '0')}:00Z`), 0.5).catch((e) => e);
    expect(error).toBeInstanceOf(UnreadableTimesError);
    expect(error).toMatchObject({ objectKey: 'raw/iso.csv', unreadable: 1000, sampled: 1000 });
    expect(error.message).toBe('raw/iso.csv: 1000 of the first 1000 times of column InvoiceDate do not match the time format "M/D/YYYY H:mm", '
      + 'e.g. line 2: "2010-12-01T08:00:00Z", line 3: "2010-12-01T08:01:00Z", line 4: "2010-12-01T08:02:00Z"; check columns.time.format '
      + '(the object fails at once, its earlier output, if any, stays published; --max-reject-ratio 1 takes such lines as rejects)');
  });

  it('samples distinct lines: copies of one bad line do not fail a good object, in either duplicates mode', async () => {
    const copies = Array.from({ length: 600 }, () => line(0, 'bad')).join('\n');
    const good = lines(2000, (i) => `12/${1 + (i % 28)}/2010 ${8 + (i % 10)}:${String(i % 60).padStart(2, '0')}`).split('\n').slice(1).join('\n');
    for (const duplicates of ['keep', 'reject'] as const) {
      const typer = await typeWith(`${copies}\n${good}`, 0.5, { ...config, csv: { ...config.csv, duplicates } });
      expect([duplicates, typer.counts]).toEqual([duplicates, expect.objectContaining({ read: 2599, clean: 1999, rejected: 600, byReason: { bad_time: 600 } })]);
    }
  });

  it('leaves an object of fewer times to the reject budgets, and passes when at most the limit share is unreadable', async () => {
    const small = await typeWith(lines(999, () => '2010-12-01'), 0.5);
    expect(small.counts).toMatchObject({ read: 999, clean: 0, rejected: 999, byReason: { bad_time: 999 } });
    const half = await typeWith(lines(2000, (i) => (i < 500 || i >= 1000 ? 'bad' : '12/1/2010 8:26')), 0.5);
    expect(half.counts).toMatchObject({ read: 2000, clean: 500, rejected: 1500 });
    const all = await typeWith(lines(1500, () => 'bad'), 1);
    expect(all.counts).toMatchObject({ read: 1500, clean: 0, rejected: 1500, byReason: { bad_time: 1500 } });
  });
});
