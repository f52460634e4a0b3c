import { CsvRecordBatch, CsvRecordTooLongError, fieldText, parseCsv, recordText } from '../../ingest/csv';
import { TextEncoding, TextEncodingError, firstControlCharacter, toUtf8 } from '../../ingest/text';
import { chunked } from './helpers';

interface Rec {
  line: number;
  fields: string[];
  raw: string;
}

async function parse(text: string | Uint8Array, chunk = 3, delimiter = ',', encoding: TextEncoding = 'utf-8'): Promise<{ records: Rec[]; unterminated: boolean }> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const records: Rec[] = [];
  let unterminated = false;
  for await (const b of parseCsv(toUtf8(chunked(bytes, chunk), encoding), { delimiter })) {
    collect(b, records);
    unterminated = b.unterminated;
  }
  return { records, unterminated };
}

function collect(b: CsvRecordBatch, out: Rec[]): void {
  for (let r = 0; r < b.count; r++) {
    const fields: string[] = [];
    for (let f = b.fieldStart[r]; f < b.fieldStart[r + 1]; f++) fields.push(fieldText(b, f));
    out.push({ line: b.line[r], fields, raw: recordText(b, r) });
  }
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

  it.each([1, 3, 64])('counts the physical lines each record spans, in %i-byte chunks', async (size) => {
    const spans = async (text: string) => {
      const out: [number, number][] = [];
      for await (const b of parseCsv(toUtf8(chunked(new TextEncoder().encode(text), size), 'utf-8'), { delimiter: ',' })) {
        for (let r = 0; r < b.count; r++) out.push([b.line[r], b.lineCount[r]]);
      }
      return out;
    };
    // [line, lines]: a quoted field's line breaks (LF or CRLF) add lines; an empty line is one.
    expect(await spans('a,b\n1,"x\r\ny\nz"\n\n2,3\n4,"5"')).toEqual([[1, 1], [2, 3], [5, 1], [6, 1], [7, 1]]);
    // A quote left open runs to the end: every line from the one it opened on, the final line break ending the last.
    expect(await spans('a,b\n1,2\n3,"open\n4,5\n6,7\n')).toEqual([[1, 1], [2, 1], [3, 3]]);
    expect(await spans('a,b\n3,"open\n4,5\n6,7')).toEqual([[1, 1], [2, 3]]);
    // ... or to the next quote, taking the lines up to it.
    expect(await spans('a,b\n1,"x\n2,"y"\n3,4\n')).toEqual([[1, 1], [2, 2], [4, 1]]);
  });

  it('drops a UTF-8 BOM and decodes multi-byte characters split across chunks', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('name\ncrème brûlée ✓\n')]);
    const { records } = await parse(bytes, 1);
    expect(records.map((r) => r.fields[0])).toEqual(['name', 'crème brûlée ✓']);
  });

  it('re-encodes latin1 (ISO-8859-1: 0x80-0x9F are C1 controls, not windows-1252) as UTF-8', async () => {
    const out: Uint8Array[] = [];
    for await (const b of toUtf8(chunked(new Uint8Array([0x63, 0x72, 0xe8, 0x6d, 0x65, 0x80, 0xff]), 2), 'latin1')) out.push(b);
    expect(Buffer.concat(out).toString('utf8')).toBe('crème\u0080\u00ff');
    // A quoted latin1 field holding the delimiter and a doubled quote, read in 1-byte chunks.
    const { records } = await parse(new Uint8Array([0x61, 0x3b, 0x22, 0xe9, 0x3b, 0x22, 0x22, 0x22, 0x0a]), 1, ';', 'latin1');
    expect(records).toEqual([{ line: 1, fields: ['a', 'é;"'], raw: 'a;"é;"""' }]);
  });

  it('re-encodes UTF-16LE as UTF-8, dropping its byte order mark, with code units and surrogate pairs split across chunks', async () => {
    const want = 'name;note\r\nZoë;😀 “ok”\r\n';
    for (const size of [1, 2, 3, 5]) {
      const out: Uint8Array[] = [];
      for await (const b of toUtf8(chunked(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(want, 'utf16le')]), size), 'utf-16le', 'a.txt')) out.push(b);
      expect([size, Buffer.concat(out).toString('utf8')]).toEqual([size, want]);
    }
    const { records } = await parse(Buffer.from('a;"b;c"\n', 'utf16le'), 3, ';', 'utf-16le');
    expect(records[0].fields).toEqual(['a', 'b;c']);
  });

  it('fails UTF-16LE that is not, naming the object and the bytes', async () => {
    const drain = async (bytes: Uint8Array, encoding: TextEncoding) => {
      for await (const _ of toUtf8(chunked(bytes, 4), encoding, 'orders.txt'));
    };
    const lone = Buffer.concat([Buffer.from('ab', 'utf16le'), Buffer.of(0x00, 0xd8), Buffer.from('cd', 'utf16le')]);
    await expect(drain(lone, 'utf-16le')).rejects.toThrow(new TextEncodingError('orders.txt', 'is not UTF-16 little-endian text within bytes 2 to 8: an unpaired surrogate'));
    await expect(drain(Buffer.concat([Buffer.from('ab', 'utf16le'), Buffer.of(0x41)]), 'utf-16le')).rejects.toThrow(
      'orders.txt: is not UTF-16 little-endian text at its end (byte 5): an odd byte or an unpaired surrogate',
    );
    // A high surrogate at a chunk's end is held back, and fails with the next chunk: the range starts at it.
    await expect(drain(Buffer.concat([Buffer.from('a', 'utf16le'), Buffer.of(0x00, 0xd8), Buffer.from('b', 'utf16le')]), 'utf-16le')).rejects.toThrow(
      'orders.txt: is not UTF-16 little-endian text within bytes 2 to 6: an unpaired surrogate',
    );
    await expect(drain(Buffer.concat([Buffer.of(0xfe, 0xff), Buffer.from('a,b', 'utf16le').swap16()]), 'utf-16le')).rejects.toThrow(
      'orders.txt: starts with the byte order mark of UTF-16 big-endian (fe ff), not utf-16le text: save it as UTF-8 or UTF-16 little-endian',
    );
  });

  it('refuses UTF-16 read as UTF-8 or a single-byte encoding, naming the setting', async () => {
    const drain = async (bytes: Uint8Array, encoding: TextEncoding) => {
      for await (const _ of toUtf8(chunked(bytes, 1), encoding, 'orders.csv'));
    };
    const utf16 = Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('a,b\n', 'utf16le')]);
    await expect(drain(utf16, 'utf-8')).rejects.toThrow('orders.csv: starts with the byte order mark of UTF-16 little-endian (ff fe), not utf-8 text: set csv.encoding: utf-16le');
    await expect(drain(Buffer.from('a,b\n', 'utf16le'), 'windows-1252')).rejects.toThrow(
      'orders.csv: starts with a character and a zero byte, as UTF-16 little-endian writes ASCII (61 00), not windows-1252 text: set csv.encoding: utf-16le',
    );
    await expect(drain(Buffer.concat([Buffer.of(0xfe, 0xff), Buffer.from('a', 'latin1')]), 'latin1')).rejects.toThrow(
      'orders.csv: starts with the byte order mark of UTF-16 big-endian (fe ff), not latin1 text: save it as UTF-8 or UTF-16 little-endian',
    );
    await expect(drain(Buffer.from('a,b\n'), 'latin1')).resolves.toBeUndefined();
  });

  it('re-encodes windows-1252 as UTF-8: Latin-1 but for 0x80-0x9F (WHATWG index-windows-1252)', async () => {
    // Node's own TextDecoder('windows-1252') reads 0x80-0x9F as Latin-1 in some versions (nodejs/node#60888), so the row is spelt out.
    const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
    const every = Uint8Array.from({ length: 256 }, (_, b) => b);
    const out: Uint8Array[] = [];
    for await (const b of toUtf8(chunked(every, 7), 'windows-1252')) out.push(b);
    const latin1 = Buffer.from(every).toString('latin1');
    expect(Buffer.concat(out).toString('utf8')).toBe(latin1.slice(0, 0x80) + high + latin1.slice(0xa0));
    const { records } = await parse(new Uint8Array([0x61, 0x3b, 0x93, 0x80, 0x35, 0x94, 0x0a]), 1, ';', 'windows-1252');
    expect(records[0].fields).toEqual(['a', '“€5”']);
  });

  it.each([1, 2, 4])('keeps a UTF-8 BOM-like prefix that is not a BOM, in %i-byte chunks', async (size) => {
    const { records } = await parse(new Uint8Array([0xef, 0xbb, 0x41, 0x0a, 0xef, 0xbb, 0xbf, 0x0a]), size);
    expect(records.map((r) => r.raw)).toEqual(['\ufffdA', '\ufeff']);
  });

  it('honours another delimiter', async () => {
    const { records } = await parse('a;b\n"x;y";2\n', 3, ';');
    expect(records[1].fields).toEqual(['x;y', '2']);
  });

  it('bounds memory: a record that outgrows maxRecordBytes (a quote left open) is an error naming its line', async () => {
    const text = 'a,b\n1,2\n3,"open' + ',x\n'.repeat(100);
    const run = async () => {
      for await (const _ of parseCsv(toUtf8(chunked(new TextEncoder().encode(text), 16), 'utf-8'), { delimiter: ',', maxRecordBytes: 200, source: 'raw/k.csv.lzo' })) void _;
    };
    await expect(run()).rejects.toThrow(new CsvRecordTooLongError('raw/k.csv.lzo', 3, 200));
    await expect(run()).rejects.toThrow("raw/k.csv.lzo: line 3: record longer than 200 bytes (expected a line break; is a quote left open, or is csv.encoding not the object's?)");
  });

  it('bounds every record: one over maxRecordBytes that is complete in one chunk is an error naming its line', async () => {
    const text = `a,b\n1,2\n${'x'.repeat(201)},3\n4,5\n`;
    const run = async () => {
      for await (const _ of parseCsv(toUtf8(chunked(new TextEncoder().encode(text), 1 << 20), 'utf-8'), { delimiter: ',', maxRecordBytes: 200, source: 'raw/k.csv.lzo' })) void _;
    };
    await expect(run()).rejects.toThrow('raw/k.csv.lzo: line 3: record of 203 bytes, over the limit of 200 bytes');
  });

  it('accepts a record of exactly maxRecordBytes', async () => {
    const text = `a,b\n${'x'.repeat(198)},3\n`;
    const lines: number[] = [];
    for await (const b of parseCsv(toUtf8(chunked(new TextEncoder().encode(text), 5), 'utf-8'), { delimiter: ',', maxRecordBytes: 200 })) lines.push(...b.line);
    expect(lines).toEqual([1, 2]);
  });
});

describe('parseCsv round trip (seeded random RFC 4180 text, random chunk sizes)', () => {
  /** Park–Miller minimal standard generator: deterministic test data. */
  const rng = (seed: number) => () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const quote = (f: string) => (/[,"\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);

  it.each([1, 2, 3])('seed %i: 300 records of fields with commas, quotes, CR, LF and UTF-8', async (seed) => {
    const r = rng(seed);
    const alphabet = ['a', 'b', ',', '"', '\n', '\r', 'é', '✓', ' ', '7'];
    const records: string[][] = [];
    for (let i = 0; i < 300; i++) {
      const width = 1 + Math.floor(r() * 4);
      records.push(Array.from({ length: width }, () => Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('')));
    }
    const text = records.map((rec) => rec.map(quote).join(',') + (r() < 0.5 ? '\r\n' : '\n')).join('');
    const bytes = new TextEncoder().encode(text);
    const out: string[][] = [];
    let lines = 0;
    for await (const b of parseCsv(toUtf8((async function* () {
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(r() * 9);
        yield bytes.slice(i, i + n);
        i += n;
      }
    })(), 'utf-8'), { delimiter: ',' })) {
      for (let k = 0; k < b.count; k++) {
        out.push(Array.from({ length: b.fieldStart[k + 1] - b.fieldStart[k] }, (_, f) => fieldText(b, b.fieldStart[k] + f)));
        expect(b.line[k]).toBe(lines + 1);
        lines += b.lineCount[k];
      }
    }
    expect(out).toEqual(records);
    // Every physical line is in exactly one record.
    expect(lines).toBe(text.split('\n').length - 1);
  });
});

describe('firstControlCharacter', () => {
  const find = (text: string) => {
    const bytes = new TextEncoder().encode(`<${text}>`);
    return firstControlCharacter(bytes, 1, bytes.length - 1);
  };

  it('finds C0 controls, DEL and C1 controls, and nothing else of U+0000–U+00FF', () => {
    for (let c = 0; c <= 0xff; c++) {
      const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
      expect([c, find(`ab${String.fromCharCode(c)}c`)]).toEqual([c, control ? { codePoint: c, at: 3 } : undefined]);
    }
  });

  it('names the first one by its code point and byte offset, and sees no control in other characters', () => {
    expect(find('é\r\n')).toEqual({ codePoint: 0x0d, at: 3 });
    expect(find('\u0100\u0180\u2028\u00a0\ufeff€😀')).toBeUndefined();
    expect(find('')).toBeUndefined();
  });
});
