import { readFileSync } from 'fs';
import { join } from 'path';
import { ingestObject } from '../../ingest/ingest';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { ConfigError, configHash, keptColumnName, loadConfig, rowsHash } from '../../lib/config';
import { FIXTURES, chunked, fixture } from './helpers';

const ROOT = join(__dirname, '..', '..');

describe('loadConfig', () => {
  it('loads config/online-retail.yaml with the protocol purchase rules', () => {
    const c = loadConfig(readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8'), 'config/online-retail.yaml');
    expect(c.name).toBe('online-retail');
    expect(c.csv).toEqual({ compression: 'auto', delimiter: ',', encoding: 'utf-8', header: true, duplicates: 'keep', extra_columns: 'keep', header_case: 'sensitive' });
    expect(c.raw).toEqual({ pattern: '**/*.csv*' });
    expect(c.columns.item).toEqual({ column: 'StockCode', required: true, transform: 'upper' });
    expect(c.columns.time).toMatchObject({ column: 'InvoiceDate', format: 'M/D/YYYY H:mm', timezone: 'UTC' });
    expect(c.columns.keep).toEqual(['Description', 'Country']);
    expect(c.purchase).toEqual([
      { column: 'customer_id', op: 'present' },
      { column: 'quantity', op: 'gt', value: 0 },
      { column: 'unit_price', op: 'gt', value: 0 },
      { column: 'order_id', op: 'not_starts_with', value: 'C' },
      { column: 'item_id', op: 'matches', value: '^[0-9]{5}' },
    ]);
  });

  const base = readFileSync(join(FIXTURES, 'config', 'loyalty.yaml'), 'utf8');
  /** The problems found in `yaml`, with their line (`line N: `) when `lines`, else without. */
  const problems = (yaml: string, lines = false) => {
    try {
      loadConfig(yaml, 'test.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).issues.map((issue) => (lines ? issue : issue.replace(/^line \d+: /, '')));
    }
    throw new Error('expected a ConfigError');
  };

  it('gives the line of each problem in the YAML, and the nearest key for a misspelt one', () => {
    const lineOf = (text: string) => base.split('\n').findIndex((l) => l.includes(text)) + 1;
    expect(problems(base.replace('encoding: latin1', 'encoding: cp1252'), true)[0]).toMatch(new RegExp(`^line ${lineOf('encoding: latin1')}: csv\\.encoding: `));
    const misspelt = problems(base.replace('duplicates: keep', 'duplicate: keep'), true);
    expect(misspelt).toHaveLength(2);
    expect(misspelt[0]).toMatch(/^line \d+: csv\.duplicates: Required \(found nothing\)$/);
    expect(misspelt[1]).toMatch(new RegExp(`^line ${lineOf('duplicates: keep')}: csv: Unrecognized key\\(s\\) in object: 'duplicate' .*; did you mean "duplicates" for "duplicate"\\?$`));
    // A key whose value is a block is found on its own line; the hint is a key of the same object.
    const block = problems(base.replace(/^columns:$/m, 'colums:'), true).find((p) => p.includes("'colums'"))!;
    expect(block).toMatch(new RegExp(`^line ${lineOf('columns:')}: \\(root\\): .*; did you mean "columns" for "colums"\\?$`));
    // A key of another object says where it belongs.
    expect(problems(base.replace('duplicates: keep', 'duplicates: keep\n  timezone: UTC'), true)[0]).toMatch(/; "timezone" is a key of columns\.time, not of csv$/);
    // No suggestion for a key like none of the schema's.
    const unlike = problems(`${base}\ncolour: 1\n`, true)[0];
    expect(unlike).toMatch(new RegExp(`^line ${base.split('\n').length + 1}: \\(root\\): Unrecognized key\\(s\\) in object: 'colour' `));
    expect(unlike).not.toContain('did you mean');
  });

  it('names the key path and quotes the bad value', () => {
    expect(problems(base.replace('delimiter: ";"', 'delimiter: ";;"'))).toEqual(['csv.delimiter: must be exactly one character (found ";;")']);
    expect(problems(base.replace('delimiter: ";"', 'delimiter: "§"'))).toEqual(['csv.delimiter: must be an ASCII character (the CSV reader splits fields on one byte) (found "§")']);
    expect(problems(base.replace('encoding: latin1', 'encoding: cp1252'))).toEqual([
      expect.stringMatching(/^csv\.encoding: Invalid enum value\. Expected 'utf-8' \| 'latin1' \| 'windows-1252' \| 'utf-16le', received 'cp1252' \(found "cp1252"\)$/),
    ]);
    expect(problems(base.replace('timezone: Europe/Paris', 'timezone: Europe/Pariss'))).toEqual([
      'columns.time.timezone: must be UTC or an IANA time zone such as Europe/London (found "Europe/Pariss")',
    ]);
    expect(problems(base.replace('format: DD-MM-YYYY', 'format: DD-MM-YY'))).toEqual(['columns.time.format: must be ISO8601, epoch_s, epoch_ms or a token format with the YYYY token (found "DD-MM-YY")']);
    expect(problems(base.replace('duplicates: keep', 'duplicates: maybe'))[0]).toMatch(/^csv\.duplicates: .*\(found "maybe"\)$/);
    expect(problems(base.replace('keep: [Store]', 'keep: [Store, Visit Date]'))).toEqual([
      'columns.keep.1: column "Visit Date" is already used by columns.time.column (found "Visit Date")',
    ]);
    expect(problems(base.replace('- { column: customer_id, op: present }', '- { column: unit_price, op: gt, value: 0 }'))).toEqual([
      'purchase.0.column: rule on "unit_price" but columns.price is not configured (found "unit_price")',
    ]);
    // A bad rule gets the error of its form: the op, the column or the value, and what it may be.
    const rule = (r: string) => problems(base.replace('- { column: customer_id, op: present }', r));
    expect(rule('- { column: quantity, op: greater, value: 0 }')).toEqual([
      "purchase.0.op: Invalid discriminator value. Expected 'present' | 'gt' | 'ge' | 'lt' | 'le' | 'starts_with' | 'not_starts_with' | 'matches' | 'not_matches' (found \"greater\")",
    ]);
    expect(rule('- { column: qty, op: gt, value: 0 }')).toEqual([
      expect.stringMatching(/^purchase\.0\.column: Invalid enum value\. Expected 'customer_id' \| 'item_id' \| 'quantity' \| 'unit_price' \| 'order_id', received 'qty' \(found "qty"\)$/),
    ]);
    expect(rule('- { column: quantity, op: gt, value: zero }')).toEqual(['purchase.0.value: Expected number, received string (found "zero")']);
    expect(problems(base.replace('name: loyalty-club', 'name: Loyalty Club'))[0]).toMatch(/^name: must be lower-case .* \(found "Loyalty Club"\)$/);
    expect(problems(base.replace('header: true', 'header: false'))).toEqual([
      'csv.columns: is required when csv.header is false (names of the columns in file order) (found nothing)',
    ]);
    expect(problems(`${base}\nextra: 1\n`)[0]).toMatch(/^\(root\): Unrecognized key\(s\) in object: 'extra'/);
    expect(problems('name: [unclosed')[0]).toMatch(/^YAML syntax: /);
  });

  it('validates the keys of raw objects, compression and headers', () => {
    expect(problems(base.replace('duplicates: keep', 'duplicates: keep\n  compression: bzip2'))).toEqual([
      expect.stringMatching(/^csv\.compression: Invalid enum value\. Expected 'auto' \| 'lzop' \| 'gzip' \| 'zstd' \| 'none', received 'bzip2' \(found "bzip2"\)$/),
    ]);
    expect(problems(base.replace('duplicates: keep', 'duplicates: keep\n  extra_columns: drop'))[0]).toMatch(/^csv\.extra_columns: Invalid enum value\. Expected 'keep' \| 'ignore' \| 'fail', received 'drop'/);
    expect(problems(base.replace('duplicates: keep', 'duplicates: keep\n  header_case: upper'))[0]).toMatch(/^csv\.header_case: Invalid enum value\. Expected 'sensitive' \| 'insensitive'/);
    expect(problems(`${base}\nraw: { pattern: "" }\n`)).toEqual(['raw.pattern: must be a non-empty glob such as **/*.csv* (found "")']);
    expect(problems(`${base}\nraw: { glob: "*.csv" }\n`)[0]).toMatch(/^raw: Unrecognized key\(s\) in object: 'glob'/);
    expect(problems(base.replace('format: DD-MM-YYYY', 'format: iso8601'))[0]).toMatch(/^columns\.time\.format: must be ISO8601, epoch_s, epoch_ms or a token format/);
    expect(problems(base.replace('keep: [Store]', 'keep: [Store, Extra Columns]'))).toEqual([
      'columns.keep.1: kept column "Extra Columns" would be named "extra_columns", which is already taken (found "Extra Columns")',
    ]);
    expect(() => loadConfig(base.replace('keep: [Store]', 'keep: [Store, Extra Columns]').replace('duplicates: keep', 'duplicates: keep\n  extra_columns: ignore'), 'k')).not.toThrow();
    expect(problems(base.replace('keep: [Store]', 'keep: [Store, "!!!"]'))).toEqual([
      'columns.keep.1: kept column "!!!" would have an empty name: its name holds no ASCII letter or digit (found "!!!")',
    ]);
  });

  it('matches configured names after trimming, and in any case with header_case: insensitive', () => {
    expect(problems(base.replace('keep: [Store]', 'keep: [Store, " Item Name "]'))).toEqual([
      'columns.keep.1: column " Item Name " is already used by columns.item.column as "Item Name" (names match after trimming) (found " Item Name ")',
    ]);
    expect(() => loadConfig(base.replace('keep: [Store]', 'keep: [Store, item name]'), 'k')).not.toThrow();
    expect(problems(base.replace('keep: [Store]', 'keep: [Store, item name]').replace('duplicates: keep', 'duplicates: keep\n  header_case: insensitive'))).toEqual([
      'columns.keep.1: column "item name" is already used by columns.item.column as "Item Name" (names match after trimming, in any case) (found "item name")',
    ]);
  });

  it('reads number separators, refusing a thousands separator that is the decimal one, and hashes "." as no setting', () => {
    const withSeparators = (lines: string) => base.replace('duplicates: keep', `duplicates: keep\n${lines}`);
    expect(loadConfig(withSeparators('  decimal_separator: ","\n  thousands_separator: "."'), 'k').csv).toMatchObject({ decimal_separator: ',', thousands_separator: '.' });
    expect(problems(withSeparators('  thousands_separator: "."'))).toEqual(['csv.thousands_separator: must differ from the decimal separator "." (found ".")']);
    expect(problems(withSeparators('  decimal_separator: ","\n  thousands_separator: ","'))).toEqual(['csv.thousands_separator: must differ from the decimal separator "," (found ",")']);
    expect(problems(withSeparators('  decimal_separator: ";"'))[0]).toMatch(/^csv\.decimal_separator: Invalid enum value\. Expected '\.' \| ',', received ';'/);
    const plain = loadConfig(base, 'k');
    expect(rowsHash(loadConfig(withSeparators('  decimal_separator: "."'), 'k'))).toBe(rowsHash(plain));
    expect(configHash(loadConfig(withSeparators('  decimal_separator: "."'), 'k'))).toBe(configHash(plain));
    expect(rowsHash(loadConfig(withSeparators('  decimal_separator: ","'), 'k'))).not.toBe(rowsHash(plain));
  });

  it('names kept columns in lower snake case', () => {
    expect(['Description', 'CustomerID', 'Unit Price', 'HTTPServer', 'Store'].map(keptColumnName)).toEqual(['description', 'customer_id', 'unit_price', 'http_server', 'store']);
  });
});

describe('a differently shaped data set, by configuration alone', () => {
  it('ingests the loyalty fixture: member number, DD-MM-YYYY in Europe/Paris, item name, latin1, no price or quantity', async () => {
    const config = loadConfig(readFileSync(join(FIXTURES, 'config', 'loyalty.yaml'), 'utf8'), 'loyalty.yaml');
    const it = ingestObject('loyalty.csv.lzo', chunked(fixture('config', 'loyalty.csv.lzo'), 3), config, { codecs: createLzoRegistry() });
    const clean = [];
    const rejects = [];
    let r = await it.next();
    for (; !r.done; r = await it.next()) {
      clean.push(...r.value.clean.toArray().map((x) => x.toJSON()));
      rejects.push(...r.value.rejects.toArray().map((x) => x.toJSON()));
    }
    expect(clean).toEqual([
      { customer_id: '1001', item_id: 'whole milk', event_time: Date.UTC(2015, 0, 2, 23), quantity: null, unit_price: null, order_id: null, store: 'Lyon', extra_columns: null, source_object: 'loyalty.csv.lzo', source_line: 2 },
      { customer_id: '1001', item_id: 'whole milk', event_time: Date.UTC(2015, 0, 2, 23), quantity: null, unit_price: null, order_id: null, store: 'Lyon', extra_columns: null, source_object: 'loyalty.csv.lzo', source_line: 3 },
      { customer_id: '1002', item_id: 'crème fraîche; 20cl', event_time: Date.UTC(2015, 5, 27, 22), quantity: null, unit_price: null, order_id: null, store: 'Paris 11e', extra_columns: null, source_object: 'loyalty.csv.lzo', source_line: 4 },
      { customer_id: '1001', item_id: 'whole milk', event_time: Date.UTC(2015, 5, 9, 22), quantity: null, unit_price: null, order_id: null, store: 'Paris 11e', extra_columns: null, source_object: 'loyalty.csv.lzo', source_line: 8 },
    ]);
    expect(rejects.map((x) => [x.source_line, x.reason])).toEqual([
      [5, 'bad_time: Visit Date="31-02-2015" does not match DD-MM-YYYY'],
      [6, 'missing_required: Member Number'],
      [7, 'field_count: expected 5 fields, found 4'],
    ]);
    expect(r.value).toEqual({
      read: 7, clean: 4, rejected: 3, duplicates: 1, byReason: { bad_time: 1, missing_required: 1, field_count: 1 },
      firstReject: { line: 5, reason: 'bad_time: Visit Date="31-02-2015" does not match DD-MM-YYYY' },
    });
  });
});
