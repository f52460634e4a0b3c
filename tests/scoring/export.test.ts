import { parquetToTable, tableToParquet } from '../../lib/parquet';
import { csvField, scoresCsv, scoresCsvChunks, scoresCsvStream, scoresTable } from '../../scoring/export';
import { MemoryStore } from '../training/memory-store';
import { ScoringInputError } from '../../scoring/errors';
import type { TopK } from '../../scoring/topk';

const rows: TopK = {
  n: 4,
  row: Int32Array.from([0, 1, 2, 3]),
  customer: Int32Array.from([0, 0, 1, 1]),
  item: Int32Array.from([2, 0, 1, 2]),
  rank: Int32Array.from([1, 2, 1, 2]),
  probability: Float32Array.from([0.25, 0.125, 1e-7, 0.3333333]),
};
const customers = ['17850', 'X,"Y"'];
const items = ['85123A', 'POST\nAGE', 'ÉTÉ'];

describe('scores export', () => {
  it('quotes fields per RFC 4180 only when needed', () => {
    expect(csvField('85123A')).toBe('85123A');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('writes CSV with header, CRLF line ends and quoted ids', () => {
    const text = new TextDecoder().decode(scoresCsv(rows, customers, items));
    expect(text).toBe(
      'customer_id,item_id,rank,probability\r\n' +
        '17850,ÉTÉ,1,0.25\r\n' +
        '17850,85123A,2,0.125\r\n' +
        '"X,""Y""","POST\nAGE",1,1e-7\r\n' +
        '"X,""Y""",ÉTÉ,2,0.3333333\r\n',
    );
    const chunks = [...scoresCsvChunks(rows, customers, items, 2)];
    expect(chunks.length).toBe(3);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });

  it('streams the CSV into a store', async () => {
    const store = new MemoryStore();
    const info = await store.put('exports/run-1/top-k.csv', scoresCsvStream(rows, customers, items, 1));
    expect(new TextDecoder().decode(await store.get(info.key))).toBe(new TextDecoder().decode(scoresCsv(rows, customers, items)));
  });

  it('builds the SCORES Arrow table, which survives Parquet', () => {
    const table = parquetToTable(tableToParquet(scoresTable(rows, customers, items)));
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'customer_id:Utf8',
      'item_id:Utf8',
      'rank:Int32',
      'probability:Float64',
    ]);
    expect(table.getChild('customer_id')!.toArray()).toEqual(['17850', '17850', 'X,"Y"', 'X,"Y"']);
    expect(table.getChild('item_id')!.toArray()).toEqual(['ÉTÉ', '85123A', 'POST\nAGE', 'ÉTÉ']);
    expect(Array.from(table.getChild('rank')!.toArray())).toEqual([1, 2, 1, 2]);
    expect(Array.from(table.getChild('probability')!.toArray())).toEqual(Array.from(rows.probability));
  });

  it('rejects dense ids without an external id', () => {
    expect(() => scoresTable(rows, ['17850'], items)).toThrow(ScoringInputError);
    expect(() => scoresCsv(rows, customers, items.slice(0, 1))).toThrow(/row 0: customer 0 or item 2 has no external id/);
  });
});
