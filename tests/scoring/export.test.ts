import { parquetToTable } from '../../lib/parquet';
import { ScoringInputError } from '../../scoring/errors';
import { csvField, exportBytes, exportChunks, scoresTable } from '../../scoring/export';
import { parseFormats } from '../../scoring/settings';
import type { TopK } from '../../ranking/topk';
import { MemoryStore } from '../helpers/memory-store';

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
const table = scoresTable(rows, customers, items);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('scores export', () => {
  it('quotes fields per RFC 4180 only when needed', () => {
    expect(csvField('85123A')).toBe('85123A');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('writes CSV with header, CRLF line ends and quoted ids, in chunks', () => {
    const csv = text(exportBytes(table, 'csv'));
    expect(csv).toBe(
      'customer_id,item_id,rank,probability\r\n' +
        '17850,ÉTÉ,1,0.25\r\n' +
        '17850,85123A,2,0.125\r\n' +
        '"X,""Y""","POST\nAGE",1,1e-7\r\n' +
        '"X,""Y""",ÉTÉ,2,0.3333333\r\n',
    );
    const chunks = [...exportChunks(table, 'csv', 2)];
    expect(chunks.length).toBe(3);
    expect(text(Buffer.concat(chunks))).toBe(csv);
  });

  it('writes each probability as the shortest text that reads back to its float32, so neighbours stay apart', () => {
    const close = Float32Array.from([0.12345679104328156, 0.12345677614212036]);
    const two = scoresTable({ n: 2, row: Int32Array.from([0, 1]), customer: Int32Array.from([0, 0]), item: Int32Array.from([0, 1]), rank: Int32Array.from([1, 2]), probability: close }, customers, items);
    const written = text(exportBytes(two, 'csv')).trimEnd().split('\r\n').slice(1).map((l) => l.split(',').pop()!);
    expect(written).toEqual(['0.12345679', '0.123456776']);
    expect(written.map((p) => Math.fround(Number(p)))).toEqual(Array.from(close));
  });

  it('writes JSON Lines whose objects hold the same rows', () => {
    const jsonl = text(exportBytes(table, 'jsonl'));
    expect(jsonl.endsWith('\n')).toBe(true);
    const parsed = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(parsed).toEqual([
      { customer_id: '17850', item_id: 'ÉTÉ', rank: 1, probability: 0.25 },
      { customer_id: '17850', item_id: '85123A', rank: 2, probability: 0.125 },
      { customer_id: 'X,"Y"', item_id: 'POST\nAGE', rank: 1, probability: 1e-7 },
      { customer_id: 'X,"Y"', item_id: 'ÉTÉ', rank: 2, probability: 0.3333333 },
    ]);
    expect(text(Buffer.concat([...exportChunks(table, 'jsonl', 1)]))).toBe(jsonl);
  });

  it('streams an export into a store', async () => {
    const store = new MemoryStore();
    const info = await store.put('exports/online-retail/run-1/top-k.csv', (async function* () { yield* exportChunks(table, 'csv', 1); })());
    expect(text(await store.get(info.key))).toBe(text(exportBytes(table, 'csv')));
  });

  it('builds the SCORES Arrow table, which survives Parquet', () => {
    const back = parquetToTable(exportBytes(table, 'parquet'));
    expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['customer_id:Utf8', 'item_id:Utf8', 'rank:Int32', 'probability:Float64']);
    expect(back.getChild('customer_id')!.toArray()).toEqual(['17850', '17850', 'X,"Y"', 'X,"Y"']);
    expect(back.getChild('item_id')!.toArray()).toEqual(['ÉTÉ', '85123A', 'POST\nAGE', 'ÉTÉ']);
    expect(Array.from(back.getChild('rank')!.toArray())).toEqual([1, 2, 1, 2]);
    expect(Array.from(back.getChild('probability')!.toArray())).toEqual(Array.from(rows.probability));
  });

  it('rejects dense ids without an external id', () => {
    expect(() => scoresTable(rows, ['17850'], items)).toThrow(ScoringInputError);
    expect(() => scoresTable(rows, customers, items.slice(0, 1))).toThrow(/row 0: customer 0 or item 2 has no external id/);
  });

  it('parses --format lists and rejects unknown formats, quoting them', () => {
    expect(parseFormats('csv')).toEqual(['csv']);
    expect(parseFormats(' JSONL, parquet,csv,parquet ')).toEqual(['jsonl', 'parquet', 'csv']);
    expect(() => parseFormats('csv,xlsx')).toThrow('export format "xlsx" in "csv,xlsx": expected a comma-separated list of csv, parquet, jsonl');
    expect(() => parseFormats(' , ')).toThrow(ScoringInputError);
  });
});
