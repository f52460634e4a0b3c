import { CsvRecordBatch, CsvRecordTooLongError, parseCsv } from '../../ingest/csv';
import { decodeText } from '../../ingest/text';
import { chunked } from './helpers';

interface Rec {
  line: number;
  fields: string[];
  raw: string;
}

async function parse(text: string | Uint8Array, chunk = 3, delimiter = ','): Promise<{ records: Rec[]; unterminated: boolean }> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const records: Rec[] = [];
  let unterminated = false;
  for await (const b of parseCsv(decodeText(chunked(bytes, chunk), 'utf-8'), { delimiter })) {
    collect(b, records);
    unterminated = b.unterminated;
  }
  return { records, unterminated };
}

function collect(b: CsvRecordBatch, out: Rec[]): void {
  for (let r = 0; r < b.count; r++) out.push({ line: b.line[r], fields: b.fields.slice(b.fieldStart[r], b.fieldStart[r + 1]), raw: b.raw[r] });
}

describe('parseCsv (RFC 4180) in 3-byte chunks', () => {
  it('splits plain records on LF with line numbers and raw text', async () => {
    const { records } = await parse('a,b,c\n1,2,3\n4,,6\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'], raw: 'a,b,c' },
      { line: 2, fields: ['1', '2', '3'], raw: '1,2,3' },
      { line: 3, fields: ['4', '', '6'], raw: '4,,6' },
    ]);
  });

  it('handles CRLF, and a last line without a terminator', async () => {
    const { records } = await parse('a,b\r\n1,2\r\n3,4');
    expect(records.map((r) => r.fields)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
    expect(records.map((r) => r.raw)).toEqual(['a,b', '1,2', '3,4']);
  });

  it('a final line terminator does not make an empty record; an inner empty line does', async () => {
    const { records } = await parse('a\n1\n\n2\n');
    expect(records).toEqual([
      { line: 1, fields: ['a'], raw: 'a' },
      { line: 2, fields: ['1'], raw: '1' },
      { line: 3, fields: [''], raw: '' },
      { line: 4, fields: ['2'], raw: '2' },
    ]);
  });

  it('quoted fields with delimiters, doubled quotes and line breaks; physical line numbers', async () => {
    const text = 'id,desc,n\r\n1,"a, b",2\r\n2,"say ""hi""",3\r\n3,"two\r\nlines\nthree",4\r\n4,"",5\r\n';
    const { records } = await parse(text);
    expect(records).toEqual([
      { line: 1, fields: ['id', 'desc', 'n'], raw: 'id,desc,n' },
      { line: 2, fields: ['1', 'a, b', '2'], raw: '1,"a, b",2' },
      { line: 3, fields: ['2', 'say "hi"', '3'], raw: '2,"say ""hi""",3' },
      { line: 4, fields: ['3', 'two\r\nlines\nthree', '4'], raw: '3,"two\r\nlines\nthree",4' },
      { line: 7, fields: ['4', '', '5'], raw: '4,"",5' },
    ]);
  });

  it.each([1, 2, 3, 5, 64])('gives the same records for chunks of %i bytes', async (size) => {
    const text = 'x,"q""\n,",y\r\n"",b\n"end"';
    const { records } = await parse(text, size);
    expect(records.map((r) => r.fields)).toEqual([['x', 'q"\n,', 'y'], ['', 'b'], ['end']]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('keeps a stray quote inside an unquoted field, and text after a closing quote', async () => {
    const { records } = await parse('5" pipe,"ab"cd,e\n');
    expect(records[0].fields).toEqual(['5" pipe', 'abcd', 'e']);
  });

  it('flags an unterminated quote at the end instead of failing', async () => {
    const { records, unterminated } = await parse('a,b\n1,"open\nstill open');
    expect(unterminated).toBe(true);
    expect(records[1]).toEqual({ line: 2, fields: ['1', 'open\nstill open'], raw: '1,"open\nstill open' });
  });

  it('drops a UTF-8 BOM and decodes multi-byte characters split across chunks', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('name\ncrème brûlée ✓\n')]);
    const { records } = await parse(bytes, 1);
    expect(records.map((r) => r.fields[0])).toEqual(['name', 'crème brûlée ✓']);
  });

  it('decodes latin1 as ISO-8859-1 (0x80-0x9F are C1 controls, not windows-1252)', async () => {
    const out: string[] = [];
    for await (const s of decodeText(chunked(new Uint8Array([0x63, 0x72, 0xe8, 0x6d, 0x65, 0x80]), 2), 'latin1')) out.push(s);
    expect(out.join('')).toBe('crème\u0080');
  });

  it('honours another delimiter', async () => {
    const { records } = await parse('a;b\n"x;y";2\n', 3, ';');
    expect(records[1].fields).toEqual(['x;y', '2']);
  });

  it('bounds memory: a record that outgrows maxRecordChars (a quote left open) is an error naming its line', async () => {
    const text = 'a,b\n1,2\n3,"open' + ',x\n'.repeat(100);
    const run = async () => {
      for await (const _ of parseCsv(decodeText(chunked(new TextEncoder().encode(text), 16), 'utf-8'), { delimiter: ',', maxRecordChars: 200, source: 'raw/k.csv.lzo' })) void _;
    };
    await expect(run()).rejects.toThrow(new CsvRecordTooLongError('raw/k.csv.lzo', 3, 200));
    await expect(run()).rejects.toThrow('raw/k.csv.lzo: line 3: record longer than 200 characters (expected a line break; is a quote left open?)');
  });
});
