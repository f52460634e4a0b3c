import { Table } from 'apache-arrow';
import { CsvRecordBatch, fieldText, parseCsv } from '../../ingest/csv';
import { toUtf8 } from '../../ingest/text';
import { HeaderMismatchError, RecordTyper, resolveLayout } from '../../ingest/typing';
import { parseConfig } from '../../lib/config';
import { DatasetConfig } from '../../lib/config-types';
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

async function typeText(text: string, cfg = config) {
  let typer: RecordTyper | undefined;
  for await (const batch of parseCsv(toUtf8(chunked(new TextEncoder().encode(text), 3), 'utf-8'), { delimiter: ',' })) {
    let from = 0;
    if (!typer) {
      typer = new RecordTyper('raw/x.csv.lzo', cfg, resolveLayout(headerOf(batch), cfg, 'raw/x.csv.lzo'), 4);
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
      { customer_id: '17850', item_id: '85123A', event_time: Date.UTC(2010, 11, 1, 8, 26), quantity: 6, unit_price: 2.55, order_id: '536365', description: 'WHITE HANGING HEART T-LIGHT HOLDER, big', country: 'United Kingdom', source_object: 'raw/x.csv.lzo', source_line: 2 },
      { customer_id: null, item_id: 'D', event_time: Date.UTC(2010, 11, 1, 9, 41), quantity: -1, unit_price: 27.5, order_id: 'C536379', description: 'Discount', country: 'United Kingdom', source_object: 'raw/x.csv.lzo', source_line: 3 },
    ]);
    expect(counts).toEqual({ read: 2, clean: 2, rejected: 0, duplicates: 0, byReason: {} });
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
      [12, 'unterminated_quote: a quoted field is not closed before the end of the object'],
    ]);
    expect(rows(rejects)[0]).toEqual({ source_object: 'raw/x.csv.lzo', source_line: 3, reason: expect.any(String), raw: '536365,85123A,X,12x,12/1/2010 8:26,2.55,17850,UK' });
    expect(counts).toEqual({
      read: 11,
      clean: 1,
      rejected: 10,
      duplicates: 1,
      byReason: { bad_number: 3, bad_time: 1, field_count: 2, missing_required: 1, empty_line: 1, duplicate: 1, unterminated_quote: 1 },
    });
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
