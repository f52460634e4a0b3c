import { readFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { EmptyObjectError, UncheckedContentError } from '../../ingest/ingest';
import { LzopFormatError } from '../../ingest/lzop';
import { HeaderMismatchError } from '../../ingest/typing';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { RejectBudgetError, RunRejectBudgetError, ingestAll } from '../../ingest';
import { ForgetAllError } from '../../ingest/run';
import { INGEST_RULES } from '../../ingest/rules';
import { Catalog, DatasetFormatError, MixedConfigurationError } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { parquetToTable } from '../../lib/parquet';
import { corruptWithoutChecksums, fixture, retailLzop, ZSTD_SAMPLE, zstdFrame } from './helpers';
import { refusingFence } from '../helpers/fence';
import { MemoryStore } from '../helpers/memory-store';

const loaded = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');
/** The bundled configuration with later copies of a line rejected, so duplicates show in rejects/. */
const config = { ...loaded, csv: { ...loaded.csv, duplicates: 'reject' as const } };
const codecs = createLzoRegistry();
let attempts = 0;
const options = (batchLines = 1000) => ({ codecs, batchLines, attemptId: () => `a${++attempts}`, now: () => new Date('2026-01-02T03:04:05Z') });

function setUp() {
  const raw = new MemoryStore(100);
  const lake = new MemoryStore();
  return { raw, lake };
}

async function seed(raw: MemoryStore) {
  await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
  await raw.put('landing/2010-12b.csv.lzo', fixture('lzop', 'sample.9.lzo'));
  const corrupt = fixture('lzop', 'sample.1.lzo');
  corrupt[60] ^= 0xff;
  await raw.put('landing/broken.csv.lzo', corrupt);
  await raw.put('landing/README.txt', 'not a data file');
}

describe('ingestAll', () => {
  it('ingests every .lzo object, publishes through the ledger, and a corrupt object fails alone', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    const result = await ingestAll(raw, lake, config, options(20));
    expect(result.ingested.map((i) => i.key)).toEqual(['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo']);
    expect(result.failed.map((f) => f.key)).toEqual(['landing/broken.csv.lzo']);
    expect(result.failed[0].error).toBeInstanceOf(LzopFormatError);
    expect(result.failed[0].error.message).toMatch(/^landing\/broken\.csv\.lzo: /);

    const entry = result.ledger.objects['landing/2010-12a.csv.lzo'];
    expect(entry.counts).toEqual({ read: 39, clean: 39, rejected: 0, duplicates: 0, byReason: {} });
    expect(entry.clean).toEqual(['clean/online-retail/landing/2010-12a.csv.lzo/a1/part-00000.parquet', 'clean/online-retail/landing/2010-12a.csv.lzo/a1/part-00001.parquet']);
    expect(entry.rejects).toEqual([]);
    expect(entry.etag).toBe((await raw.head('landing/2010-12a.csv.lzo'))!.etag);
    expect(await new Catalog(lake, 'online-retail').ledger.load()).toEqual(result.ledger);
    // No part of the failed object is left behind.
    expect((await lake.list('clean/online-retail/landing/broken')).length).toBe(0);

    const clean = await new Catalog(lake, 'online-retail').clean.load();
    expect(clean.numRows).toBe(78);
    expect(clean.get(0)!.toJSON()).toMatchObject({ customer_id: '17850', item_id: '85123A', event_time: Date.UTC(2010, 11, 1, 8, 26), source_object: 'landing/2010-12a.csv.lzo', source_line: 2 });
    expect(clean.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'customer_id:Utf8', 'item_id:Utf8', 'event_time:Timestamp<MILLISECOND, UTC>', 'quantity:Int32', 'unit_price:Float64',
      'order_id:Utf8', 'description:Utf8', 'country:Utf8', 'extra_columns:Utf8', 'source_object:Utf8', 'source_line:Int32',
    ]);
  });

  it('takes only new or changed objects on a rerun, and replaces a changed object\'s output', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    const first = await ingestAll(raw, lake, config, options());
    const keysAfterFirst = [...lake.objects.keys()].sort();

    const again = await ingestAll(raw, lake, config, options());
    expect(again.ingested).toEqual([]);
    expect(again.unchanged).toEqual(['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo']);
    expect([...lake.objects.keys()].sort()).toEqual(keysAfterFirst);

    // The producer re-sends b with other content: 100 copies of the sample, header lines included.
    await raw.put('landing/2010-12b.csv.lzo', fixture('lzop', 'repeat.lzo'));
    const third = await ingestAll(raw, lake, config, options());
    expect(third.ingested.map((i) => i.key)).toEqual(['landing/2010-12b.csv.lzo']);
    const b = third.ledger.objects['landing/2010-12b.csv.lzo'];
    // 3,999 data lines: 39 clean; the repeated header at line 41 and its 98 later copies
    // are bad times, and the 99 × 39 copies of the data lines are duplicates.
    expect(b.counts).toEqual({ read: 3999, clean: 39, rejected: 3960, duplicates: 3959, byReason: { bad_time: 99, duplicate: 3861 }, firstReject: { line: 41, reason: 'bad_time: InvoiceDate="InvoiceDate" does not match M/D/YYYY H:mm' } });
    expect(b.attempt).not.toBe(first.ledger.objects['landing/2010-12b.csv.lzo'].attempt);
    // Old parts are gone; the lake holds exactly what the ledger lists (plus the ledger).
    const listed = Object.values(third.ledger.objects).flatMap((e) => [...e.clean, ...e.rejects]);
    expect([...lake.objects.keys()].sort()).toEqual([...listed, 'ledger/online-retail.json'].sort());
    const rejects = parquetToTable(await lake.get(b.rejects[0]));
    expect(rejects.get(0)!.toJSON()).toEqual({
      source_object: 'landing/2010-12b.csv.lzo',
      source_line: 41,
      reason: 'bad_time: InvoiceDate="InvoiceDate" does not match M/D/YYYY H:mm',
      raw: 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
    });
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(78);
  });

  it('a crash before the ledger switch leaves the published output as it was', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    await ingestAll(raw, lake, config, options());
    const before = Buffer.from(await lake.get('ledger/online-retail.json')).toString();
    const keysBefore = [...lake.objects.keys()].sort();
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'repeat.lzo'));
    lake.failPutsMatching = /^ledger\//;
    const result = await ingestAll(raw, lake, config, options());
    expect(result.failed.map((f) => [f.key, f.error.message])).toEqual([
      ['landing/2010-12a.csv.lzo', 'injected failure writing ledger/online-retail.json'],
      ['landing/broken.csv.lzo', expect.stringMatching(/^landing\/broken\.csv\.lzo: /)],
    ]);
    expect(result.unpublished?.message).toBe('injected failure writing ledger/online-retail.json');
    expect(Buffer.from(await lake.get('ledger/online-retail.json')).toString()).toBe(before);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(78);
  });

  it('a ledger write that lands but reports an error publishes the objects; one that cannot be checked keeps their parts', async () => {
    const { raw, lake } = setUp();
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
    const put = lake.put.bind(lake);
    lake.put = async (key, body) => {
      const info = await put(key, body);
      if (key.startsWith('ledger/')) throw new Error('lost response');
      return info;
    };
    const landed = await ingestAll(raw, lake, config, options());
    expect([landed.ingested.map((i) => i.key), landed.failed, landed.unpublished]).toEqual([['landing/2010-12a.csv.lzo'], [], undefined]);
    expect(landed.ledgerWriteError?.message).toBe('lost response');
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(39);

    // The object changes; its ledger write fails and the ledger cannot be read back: its new parts stay, unlisted.
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.9.lzo').subarray(0));
    let down = false;
    lake.put = async (key, body) => {
      if (key.startsWith('ledger/')) {
        down = true;
        throw new Error('connection reset');
      }
      return put(key, body);
    };
    const get = lake.get.bind(lake);
    lake.get = async (key) => (down ? Promise.reject(new Error('unreachable')) : get(key));
    const unknown = await ingestAll(raw, lake, config, { ...options(), attemptId: () => 'unlisted' });
    expect(unknown.failed.map((f) => f.error.message)).toEqual(['connection reset']);
    expect(unknown.unpublished?.message).toBe('connection reset');
    expect(await lake.list('clean/online-retail/landing/2010-12a.csv.lzo/unlisted/')).toHaveLength(1);
    // The next run publishes the object again and deletes the unlisted attempt.
    [lake.put, lake.get] = [put, get];
    const next = await ingestAll(raw, lake, config, options());
    expect(next.ingested.map((i) => i.key)).toEqual(['landing/2010-12a.csv.lzo']);
    expect(await lake.list('clean/online-retail/landing/2010-12a.csv.lzo/unlisted/')).toEqual([]);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(39);
  });

  it('deletes leftovers of a crashed attempt when the object is next published', async () => {
    const { raw, lake } = setUp();
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
    await lake.put('clean/online-retail/landing/2010-12a.csv.lzo/crashed/part-00000.parquet', 'partial');
    const result = await ingestAll(raw, lake, config, options());
    expect(result.ingested).toHaveLength(1);
    expect(await lake.head('clean/online-retail/landing/2010-12a.csv.lzo/crashed/part-00000.parquet')).toBeUndefined();
  });

  it('reads an unchanged object again when a part the ledger lists is gone, finding it by one listing per kind, not a request per part', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    await raw.put('landing/2010-12b.csv.lzo', fixture('lzop', 'repeat.lzo')); // with rejects (duplicates)
    const first = await ingestAll(raw, lake, config, options(20));
    const [a, b] = ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'].map((k) => first.ledger.objects[k]);
    const later = { ...options(20), now: () => new Date('2026-01-05T00:00:00Z') };
    expect([a.clean.length, b.clean.length, b.rejects.length > 0]).toEqual([2, 2, true]);
    const lists: string[] = [];
    const heads: string[] = [];
    const [list, head] = [lake.list.bind(lake), lake.head.bind(lake)];
    // Keys only: a folder store would otherwise read every part to hash it.
    lake.list = (prefix, o) => (lists.push(`${prefix}${o?.etags === false ? ' (keys)' : ''}`), list(prefix, o));
    lake.head = (key) => (heads.push(key), head(key));

    // Every part there: nothing read, one listing of each kind's prefix, no HEAD of a part.
    const calm = await ingestAll(raw, lake, config, options(20));
    expect([calm.unchanged, calm.partsMissing, calm.ingested]).toEqual([['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'], [], []]);
    expect(lists).toEqual(['clean/online-retail/ (keys)', 'rejects/online-retail/ (keys)']);
    expect(heads.filter((k) => !k.startsWith('ledger/'))).toEqual([]);

    // A clean part of a and a reject part of b deleted: both read again, the lake whole again.
    await lake.delete(a.clean[1]);
    await lake.delete(b.rejects[0]);
    await expect(new Catalog(lake, 'online-retail').clean.load()).rejects.toThrow(a.clean[1]);
    lists.length = 0;
    const repaired = await ingestAll(raw, lake, config, later);
    expect(repaired.partsMissing).toEqual([{ key: 'landing/2010-12a.csv.lzo', parts: [a.clean[1]] }, { key: 'landing/2010-12b.csv.lzo', parts: [b.rejects[0]] }]);
    expect(repaired.ingested.map((i) => i.key)).toEqual(['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo']);
    expect(repaired.unchanged).toEqual([]);
    expect(lists.filter((p) => !p.includes('.csv.lzo/'))).toEqual(['clean/online-retail/ (keys)', 'rejects/online-retail/ (keys)']);
    for (const key of ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo']) {
      const entry = repaired.ledger.objects[key];
      expect(entry.attempt).not.toBe(first.ledger.objects[key].attempt);
      expect(entry.counts).toEqual(first.ledger.objects[key].counts);
      // The same rows again: not new data for the schedule's retraining rule.
      expect(entry.ingestedAt).toBe(first.ledger.objects[key].ingestedAt);
    }
    // The surviving parts of the old attempts are deleted; the lake holds what the ledger lists.
    const listed = Object.values(repaired.ledger.objects).flatMap((e) => [...e.clean, ...e.rejects]);
    expect([...lake.objects.keys()].sort()).toEqual([...listed, 'ledger/online-retail.json'].sort());
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(78);
    expect((await ingestAll(raw, lake, config, options(20))).unchanged).toHaveLength(2);
  });

  it('re-ingests when the configuration changes', async () => {
    const { raw, lake } = setUp();
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
    await ingestAll(raw, lake, config, options());
    const keep = { ...config, csv: { ...config.csv, duplicates: 'keep' as const } };
    expect((await ingestAll(raw, lake, keep, options())).ingested).toHaveLength(1);
    expect((await ingestAll(raw, lake, keep, options())).unchanged).toEqual(['landing/2010-12a.csv.lzo']);
  });

  it('re-ingests nothing, and mixes nothing, when only settings read after ingest change (purchase rules, raw.pattern)', async () => {
    const { raw, lake } = setUp();
    const [a, b] = ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'];
    await raw.put(a, fixture('lzop', 'sample.1.lzo'));
    await raw.put(b, fixture('lzop', 'sample.9.lzo'));
    await ingestAll(raw, lake, config, options());
    await raw.delete(a); // archived
    const rules = { ...config, raw: { pattern: '**/*.lzo' }, purchase: config.purchase.slice(1) };
    const again = await ingestAll(raw, lake, rules, options());
    expect([again.ingested, again.unchanged, again.mixedConfiguration]).toEqual([[], [b], undefined]);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(78);
  });

  it('counts an entry of an earlier version (no rowsHash) as of the current settings when its configuration is the current one', async () => {
    const { raw, lake } = setUp();
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
    await ingestAll(raw, lake, config, options());
    const catalog = new Catalog(lake, 'online-retail');
    const legacy = await catalog.ledger.load();
    for (const entry of Object.values(legacy.objects)) delete entry.rowsHash;
    await catalog.ledger.publish(legacy);
    // Nothing new to read: the ledger still says which settings made the entry, at once.
    expect((await ingestAll(raw, lake, config, options())).unchanged).toEqual(['landing/2010-12a.csv.lzo']);
    expect(Object.values((await catalog.ledger.load()).objects).map((e) => e.rowsHash)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    await raw.put('landing/2010-12b.csv.lzo', fixture('lzop', 'sample.9.lzo'));
    const r = await ingestAll(raw, lake, config, options());
    expect([r.ingested.map((i) => i.key), r.unchanged, r.mixedConfiguration]).toEqual([['landing/2010-12b.csv.lzo'], ['landing/2010-12a.csv.lzo'], undefined]);
    expect(Object.values((await catalog.ledger.load()).objects).map((e) => e.rowsHash)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect((await catalog.clean.load()).numRows).toBe(78);
  });

  it('reads again, once, the objects an older version of ingest\'s rules made, as new rows; one whose raw object is gone keeps its rows', async () => {
    const { raw, lake } = setUp();
    const [a, b] = ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'];
    await raw.put(a, fixture('lzop', 'sample.1.lzo'));
    await raw.put(b, fixture('lzop', 'sample.9.lzo'));
    const first = await ingestAll(raw, lake, config, options());
    expect(Object.values(first.ledger.objects).map((e) => e.rules)).toEqual([INGEST_RULES, INGEST_RULES]);
    // A ledger of version 1 of the rules, which did not record them; b's raw object since archived.
    const catalog = new Catalog(lake, 'online-retail');
    const old = await catalog.ledger.load();
    for (const entry of Object.values(old.objects)) delete entry.rules;
    await catalog.ledger.publish(old);
    await raw.delete(b);

    const later = { ...options(), now: () => new Date('2026-01-05T00:00:00Z') };
    const again = await ingestAll(raw, lake, config, later);
    expect([again.olderRules, again.ingested.map((i) => i.key), again.unchanged, again.mixedConfiguration]).toEqual([[{ key: a, rules: 1 }], [a], [], undefined]);
    const entry = again.ledger.objects[a];
    // Its rows may differ: new data for the schedule.
    expect([entry.rules, entry.attempt === first.ledger.objects[a].attempt, entry.ingestedAt]).toEqual([INGEST_RULES, false, '2026-01-05T00:00:00.000Z']);
    expect(entry.counts).toEqual(first.ledger.objects[a].counts);
    // b keeps the rows of the older rules, and readers take them with a's.
    expect(again.ledger.objects[b]).toEqual(old.objects[b]);
    expect((await catalog.clean.load()).numRows).toBe(78);
    const calm = await ingestAll(raw, lake, config, later);
    expect([calm.olderRules, calm.unchanged]).toEqual([[], [a]]);

    // Missing parts too: said as well; a ledger of a newer version (a rollback) is left as it is, and said.
    const now = await catalog.ledger.load();
    delete now.objects[a].rules;
    await catalog.ledger.publish(now);
    await lake.delete(now.objects[a].clean[0]);
    const both = await ingestAll(raw, lake, config, later);
    expect([both.olderRules, both.partsMissing, both.ingested.map((i) => i.key)]).toEqual([[{ key: a, rules: 1 }], [{ key: a, parts: [now.objects[a].clean[0]] }], [a]]);
    const newer = await catalog.ledger.load();
    newer.objects[a].rules = INGEST_RULES + 1;
    await catalog.ledger.publish(newer);
    const rolledBack = await ingestAll(raw, lake, config, later);
    expect([rolledBack.newerRules, rolledBack.unchanged, rolledBack.ingested]).toEqual([[a], [a], []]);
  });

  it('keeps the rows of older rules published, and says so again on each run, when the current rules fail the object', async () => {
    const { raw, lake } = setUp();
    const key = 'landing/2010-12a.csv';
    const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n';
    const line = (customer: string) => `536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,${customer},United Kingdom\n`;
    await raw.put(key, header + line('17850') + line('17851'));
    await ingestAll(raw, lake, config, options());
    // Rows that version 1 of the rules made of a file whose ids hold a control character, which version 2 rejects (bad_id).
    await raw.put(key, header + line('1785\u00010') + line('1785\u00011'));
    const catalog = new Catalog(lake, 'online-retail');
    const old = await catalog.ledger.load();
    const { etag, size } = (await raw.head(key))!;
    old.objects[key] = { ...old.objects[key], etag, size };
    delete old.objects[key].rules;
    await catalog.ledger.publish(old);

    for (let run = 0; run < 2; run++) {
      const again = await ingestAll(raw, lake, config, options());
      expect([again.olderRules, again.ingested]).toEqual([[{ key, rules: 1 }], []]);
      expect(again.failed.map((f) => [f.key, f.error.constructor])).toEqual([[key, RejectBudgetError]]);
      expect(again.ledger.objects[key]).toEqual(old.objects[key]);
      expect((await catalog.clean.load()).getChild('customer_id')!.toArray()).toEqual(['17850', '17851']);
    }
  });

  it('says when a configuration change leaves objects of the old one, which readers refuse, and forgets them when asked', async () => {
    const { raw, lake } = setUp();
    const [a, b] = ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'];
    await raw.put(a, fixture('lzop', 'sample.1.lzo'));
    await raw.put(b, fixture('lzop', 'sample.9.lzo'));
    expect((await ingestAll(raw, lake, config, options())).mixedConfiguration).toBeUndefined();
    await raw.delete(a); // archived
    const keep = { ...config, csv: { ...config.csv, duplicates: 'keep' as const } };
    const changed = await ingestAll(raw, lake, keep, options());
    expect(changed.ingested.map((i) => i.key)).toEqual([b]);
    expect(changed.otherConfiguration).toEqual([a]);
    expect(changed.gone).toEqual([a]); // kept, and said
    expect(changed.mixedConfiguration).toBeInstanceOf(MixedConfigurationError);
    const catalog = new Catalog(lake, 'online-retail');
    await expect(catalog.clean.load()).rejects.toThrow(/^the clean data of data set "online-retail" mix 2 settings of csv and columns, .*\(landing\/2010-12a\.csv\.lzo\).*--forget-missing$/);

    // An empty listing is most likely a wrong location: nothing is forgotten.
    const empty = new MemoryStore();
    await expect(ingestAll(empty, lake, keep, { ...options(), forgetMissing: true })).rejects.toThrow(ForgetAllError);
    expect(Object.keys((await catalog.ledger.load()).objects)).toEqual([a, b]);

    // An object listed but unreadable (a link to an unmounted volume) is not gone.
    const list = raw.list.bind(raw);
    raw.list = async (prefix: string) => [...(await list(prefix)), { key: a, size: 0, etag: '', lastModified: 0, unreadable: 'a symbolic link to "/mnt/x", which does not exist' }];
    expect((await ingestAll(raw, lake, keep, { ...options(), forgetMissing: true })).forgotten).toEqual([]);
    raw.list = list;
    expect((await catalog.ledger.load()).forgottenAt).toBeUndefined();

    const forgot = await ingestAll(raw, lake, keep, { ...options(), forgetMissing: true });
    expect([forgot.forgotten, forgot.gone, forgot.unchanged, forgot.otherConfiguration, forgot.mixedConfiguration]).toEqual([[a], [], [b], [], undefined]);
    expect(await catalog.ledger.load()).toMatchObject({ objects: { [b]: expect.anything() }, forgottenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(Object.keys((await catalog.ledger.load()).objects)).toEqual([b]);
    expect(await lake.list(catalog.clean.prefix(a))).toEqual([]);
    expect((await catalog.clean.load()).numRows).toBe(39);
  });

  it('says which objects have the content of another (same ETag and size), under either duplicates setting, if they hold lines', async () => {
    const { raw, lake } = setUp();
    await raw.put('a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
    await raw.put('a (1).csv.lzo', fixture('lzop', 'sample.1.lzo'));
    await raw.put('b.csv.lzo', fixture('lzop', 'sample.9.lzo'));
    const first = await ingestAll(raw, lake, config, options()); // duplicates: reject
    expect(first.ingested.map((i) => i.key)).toEqual(['a (1).csv.lzo', 'a.csv.lzo', 'b.csv.lzo']);
    expect([first.failed, first.copies]).toEqual([[], [{ key: 'a.csv.lzo', of: 'a (1).csv.lzo' }]]);
    // A later object with the content of one ingested before.
    await raw.put('c.csv.lzo', fixture('lzop', 'sample.9.lzo'));
    expect((await ingestAll(raw, lake, config, options())).copies).toEqual([{ key: 'c.csv.lzo', of: 'b.csv.lzo' }]);
    // Under duplicates: keep alike (every object is read again then, the pair among them).
    const keep = { ...config, csv: { ...config.csv, duplicates: 'keep' as const } };
    expect((await ingestAll(raw, lake, keep, options())).copies).toEqual([{ key: 'a.csv.lzo', of: 'a (1).csv.lzo' }, { key: 'c.csv.lzo', of: 'b.csv.lzo' }]);

    // Two objects of a header and no line (a month without sales) are no copies worth a word.
    const { raw: raw2, lake: lake2 } = setUp();
    await raw2.put('m1.csv.lzo', retailLzop(0, 0));
    await raw2.put('m2.csv.lzo', retailLzop(0, 0));
    const empty = await ingestAll(raw2, lake2, config, options());
    expect([empty.ingested.length, empty.copies]).toEqual([2, []]);
  });

  it('refuses an unreadable ledger without writing anything', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    await lake.put('ledger/online-retail.json', '{"version": 2}');
    await expect(ingestAll(raw, lake, config, options())).rejects.toThrow(DatasetFormatError);
    await expect(new Catalog(lake, 'online-retail').clean.load()).rejects.toThrow('invalid ledger memory://test/ledger/online-retail.json: field version: Invalid literal value, expected 1');
    expect([...lake.objects.keys()]).toEqual(['ledger/online-retail.json']);
  });

  it('fails an object whose header does not fit, or that has no header, and publishes a header-only object', async () => {
    const { raw, lake } = setUp();
    await raw.put('bad-header.csv.lzo', fixture('lzop', 'bad-header.lzo'));
    await raw.put('empty.csv.lzo', fixture('lzop', 'empty.lzo'));
    await raw.put('header-only.csv.lzo', fixture('lzop', 'header-only.lzo'));
    const result = await ingestAll(raw, lake, config, options());
    expect(result.failed.map((f) => [f.key, f.error.constructor])).toEqual([
      ['bad-header.csv.lzo', HeaderMismatchError],
      ['empty.csv.lzo', EmptyObjectError],
    ]);
    expect(result.failed[0].error.message).toMatch(/^bad-header\.csv\.lzo: line 1: header does not match the configuration: missing columns "Quantity"; unexpected columns "Qty"; /);
    expect(result.ledger.objects['header-only.csv.lzo']).toMatchObject({ clean: [], rejects: [], counts: { read: 0, clean: 0, rejected: 0 } });
  });

  it('fails an object whose compressed data is corrupt and carries no checksums, and keeps its earlier output', async () => {
    const { raw, lake } = setUp();
    await raw.put('landing/x.csv.lzo', fixture('lzop', 'sample.nocheck.lzo'));
    const first = await ingestAll(raw, lake, config, options());
    const keysBefore = [...lake.objects.keys()].sort();
    const { bytes, blockAt } = corruptWithoutChecksums();
    await raw.put('landing/x.csv.lzo', bytes);
    const result = await ingestAll(raw, lake, config, options());
    expect(result.ingested).toEqual([]);
    expect(result.failed.map((f) => f.key)).toEqual(['landing/x.csv.lzo']);
    expect(result.failed[0].error).toBeInstanceOf(LzopFormatError);
    expect(result.failed[0].error.message).toMatch(new RegExp(`^landing/x\\.csv\\.lzo: corrupt compressed data \\(block at byte ${blockAt}, lzo1x: output underrun `));
    expect(result.ledger).toEqual(first.ledger);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(39);
  });

  it('records the checksums that covered each object, and with requireChecksum fails the objects none covered', async () => {
    const text = fixture('lzop', 'sample.csv');
    const objects: Record<string, Uint8Array> = {
      'adler.csv.lzo': fixture('lzop', 'sample.1.lzo'),
      'crc.csv.lzo': fixture('lzop', 'sample.crc32.lzo'),
      // Two members each: every byte covered by one checksum or the other, or some by none.
      'members.csv.lzo': Buffer.concat([fixture('lzop', 'sample.1.lzo'), fixture('lzop', 'sample.crc32.lzo')]),
      'partly.csv.lzo': Buffer.concat([fixture('lzop', 'sample.1.lzo'), fixture('lzop', 'sample.nocheck.lzo')]),
      'nocheck.csv.lzo': fixture('lzop', 'sample.nocheck.lzo'),
      'checked.csv.gz': gzipSync(text),
      'checked.csv.zst': ZSTD_SAMPLE.zstd,
      'unchecked.csv.zst': zstdFrame([{ raw: Buffer.from(ZSTD_SAMPLE.text) }]),
      'plain.csv': text,
    };
    const expected: Record<string, string[]> = {
      'adler.csv.lzo': ['adler32'],
      'crc.csv.lzo': ['crc32'],
      'members.csv.lzo': ['adler32', 'crc32'],
      'partly.csv.lzo': [],
      'nocheck.csv.lzo': [],
      'checked.csv.gz': ['crc32'],
      'checked.csv.zst': ['xxh64'],
      'unchecked.csv.zst': [],
      'plain.csv': [],
    };
    for (const workers of [0, 1]) {
      const { raw, lake } = setUp();
      for (const [key, bytes] of Object.entries(objects)) await raw.put(key, bytes);
      const all = await ingestAll(raw, lake, config, { ...options(), workers });
      expect(all.failed).toEqual([]);
      expect(Object.fromEntries(all.ingested.map(({ key, entry }) => [key, entry.checksums]))).toEqual(expected);
    }

    const strict = setUp();
    for (const [key, bytes] of Object.entries(objects)) await strict.raw.put(key, bytes);
    const result = await ingestAll(strict.raw, strict.lake, config, { ...options(), requireChecksum: true });
    const unchecked = Object.keys(expected).filter((key) => expected[key].length === 0).sort();
    expect(result.failed.map((f) => f.key)).toEqual(unchecked);
    expect(result.ingested.map((i) => i.key)).toEqual(Object.keys(expected).filter((key) => expected[key].length > 0).sort());
    for (const f of result.failed) expect(f.error).toBeInstanceOf(UncheckedContentError);
    expect(result.failed.find((f) => f.key === 'nocheck.csv.lzo')!.error.message).toBe(
      'nocheck.csv.lzo: no checksum covers its content (the lzop file carries no checksum of its decompressed blocks, as lzop -F writes it), and checksums are required: a changed byte in it could not be noticed',
    );
    expect(result.failed.find((f) => f.key === 'plain.csv')!.error.message).toMatch(/^plain\.csv: no checksum covers its content \(an uncompressed object has none\)/);
    // Nothing of a failed object is left in the lake.
    for (const key of unchecked) expect(await strict.lake.list(`clean/online-retail/${key}`)).toEqual([]);
  });

  it('fails objects over the reject budget, such as all of them after a wrong time format, and keeps their earlier output', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    const first = await ingestAll(raw, lake, config, options());
    const keysBefore = [...lake.objects.keys()].sort();
    const wrongTime = { ...config, columns: { ...config.columns, time: { ...config.columns.time, format: 'YYYY-MM-DD HH:mm' } } };

    const result = await ingestAll(raw, lake, wrongTime, options());
    expect(result.ingested).toEqual([]);
    expect(result.failed.map((f) => [f.key, f.error.constructor])).toEqual([
      ['landing/2010-12a.csv.lzo', RejectBudgetError],
      ['landing/2010-12b.csv.lzo', RejectBudgetError],
      ['landing/broken.csv.lzo', LzopFormatError],
    ]);
    expect(result.failed[0].error.message).toBe('landing/2010-12a.csv.lzo: 39 of 39 lines rejected (100 %: bad_time 39), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 10; the first rejected line is line 2 (bad_time: InvoiceDate="12/1/2010 8:26" does not match YYYY-MM-DD HH:mm); its earlier output, if any, stays published');
    expect(result.ledger).toEqual(first.ledger);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(78);

    // A budget of 1 takes them as they are.
    const forced = await ingestAll(raw, lake, wrongTime, { ...options(), maxRejectRatio: 1 });
    expect(forced.ingested.map((i) => [i.key, i.entry.counts.rejected])).toEqual([['landing/2010-12a.csv.lzo', 39], ['landing/2010-12b.csv.lzo', 39]]);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(0);
  });

  it('weighs a reject by the lines it swallowed: a quote left open fails the object, naming its line, and keeps its earlier output', async () => {
    const { raw, lake } = setUp();
    const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
    const line = (i: number, description = 'X', country = 'UK') => `${500000 + i},85123A,${description},6,12/1/2010 8:26,2.55,17850,${country}`;
    const csv = (records: string[]) => [header, ...records].join('\n') + '\n';
    const good = Array.from({ length: 1000 }, (_, i) => line(i));
    // A valid record of two lines (a quoted line break) is clean: 1,001 lines in 1,000 rows.
    const twoLines = good.map((r, i) => (i === 1 ? line(i, '"two\nlines"') : r));
    await raw.put('orders.csv', csv(twoLines));
    const first = await ingestAll(raw, lake, config, options());
    expect(first.ingested.map((i) => [i.key, i.entry.counts])).toEqual([['orders.csv', { read: 1001, clean: 1001, rejected: 0, duplicates: 0, byReason: {} }]]);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(1000);
    const keysBefore = [...lake.objects.keys()].sort();

    // A stray quote in the record of line 8 swallows its 995 lines up to the end into one reject.
    await raw.put('orders.csv', csv(twoLines.map((r, i) => (i === 5 ? line(i, 'X', '"UK') : r))));
    const result = await ingestAll(raw, lake, config, options());
    expect(result.ingested).toEqual([]);
    expect(result.failed.map((f) => [f.key, f.error.constructor, f.error.message])).toEqual([[
      'orders.csv',
      RejectBudgetError,
      'orders.csv: 995 of 1001 lines rejected (99.4 %: unterminated_quote 995), over the reject budget of 5 % (--max-reject-ratio 0.05), which allows 50; '
        + 'the longest rejected record spans 995 lines from line 8 (unterminated_quote: a quoted field is not closed before the end of the object); '
        + 'its earlier output, if any, stays published',
    ]]);
    expect(result.ledger).toEqual(first.ledger);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);

    // With a later quoted field it swallows the lines up to it: here one more, a reject of two lines within the budget.
    await raw.put('orders.csv', csv(twoLines.map((r, i) => (i === 5 ? line(i, 'X', '"UK') : i === 6 ? line(i, '"X"') : r))));
    const within = await ingestAll(raw, lake, config, options());
    expect(within.ingested.map((i) => [i.key, i.entry.counts])).toEqual([['orders.csv', {
      read: 1001,
      clean: 999,
      rejected: 2,
      duplicates: 0,
      byReason: { field_count: 2 },
      firstReject: { line: 8, reason: 'field_count: expected 8 fields, found 13' },
      longestReject: { line: 8, lines: 2, reason: 'field_count: expected 8 fields, found 13' },
    }]]);
    expect(await new Catalog(lake, 'online-retail').ledger.load()).toEqual(within.ledger);
  });

  it('rejects times more than a day after the ingest started as future_time', async () => {
    const { raw, lake } = setUp();
    // options() starts the ingest at 2026-01-02T03:04:05Z: times up to 2026-01-03T03:04:05Z are taken.
    const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
    const good = Array.from({ length: 300 }, (_, i) => `${500000 + i},85123A,X,6,12/1/2010 8:26,2.55,17850,UK`);
    await raw.put('orders.csv', [header, ...good, '600000,85123A,X,6,1/3/2026 3:04,2.55,17850,UK', '600001,85123A,X,6,1/3/2026 3:05,2.55,17850,UK', '600002,85123A,X,6,1/1/2100 0:00,2.55,17850,UK'].join('\n') + '\n');
    const result = await ingestAll(raw, lake, config, options());
    expect(result.ingested.map((i) => i.entry.counts)).toEqual([{
      read: 303, clean: 301, rejected: 2, duplicates: 0, byReason: { future_time: 2 },
      firstReject: { line: 303, reason: 'future_time: InvoiceDate="1/3/2026 3:05" is 2026-01-03T03:05:00.000Z, after 2026-01-03T03:04:05.000Z (a day after the ingest started)' },
    }]);
    const rejects = (await new Catalog(lake, 'online-retail').rejects.load()).toArray().map((r) => [r.source_line, r.reason]);
    expect(rejects).toEqual([
      [303, 'future_time: InvoiceDate="1/3/2026 3:05" is 2026-01-03T03:05:00.000Z, after 2026-01-03T03:04:05.000Z (a day after the ingest started)'],
      [304, 'future_time: InvoiceDate="1/1/2100 0:00" is 2100-01-01T00:00:00.000Z, after 2026-01-03T03:04:05.000Z (a day after the ingest started)'],
    ]);
  });

  it('budgets a small object as one of 200 lines: 10 bad lines of 12 ingest, 11 fail it', async () => {
    const { raw, lake } = setUp();
    await raw.put('small-within.csv.lzo', retailLzop(2, 10));
    await raw.put('small-over.csv.lzo', retailLzop(1, 11));
    const result = await ingestAll(raw, lake, config, options());
    expect(result.ingested.map((i) => [i.key, i.entry.counts.clean, i.entry.counts.rejected])).toEqual([['small-within.csv.lzo', 2, 10]]);
    expect(result.failed.map((f) => [f.key, f.error.message])).toEqual([
      ['small-over.csv.lzo', expect.stringMatching(/^small-over\.csv\.lzo: 11 of 12 lines rejected \(91\.67 %: bad_time 11\), over the reject budget of 5 % \(--max-reject-ratio 0\.05\), which allows 10;/)],
    ]);
    // The object over its own budget does not count against the run's: with it, 21 of 24 lines would be.
    expect(result.overBudget).toBeUndefined();
  });

  it('publishes none of a run\'s objects when together they are over the budget, and keeps their earlier output', async () => {
    const { raw, lake } = setUp();
    await raw.put('m1.csv.lzo', retailLzop(12, 0));
    const first = await ingestAll(raw, lake, config, options());
    const keysBefore = [...lake.objects.keys()].sort();
    // Three small objects, each within its own allowance of 10 lines; together 30 of 36 lines.
    for (const [i, key] of ['m1.csv.lzo', 'm2.csv.lzo', 'm3.csv.lzo'].entries()) await raw.put(key, retailLzop(2, 10, 100 * i));
    await raw.put('all-bad.csv.lzo', retailLzop(0, 30));
    const events: string[] = [];
    const result = await ingestAll(raw, lake, config, { ...options(), onObject: (e) => events.push(`${e.status} ${e.key}`) });

    expect(result.ingested).toEqual([]);
    expect(result.overBudget).toBeInstanceOf(RunRejectBudgetError);
    expect(result.overBudget!.message).toBe('3 objects of this run: 30 of 36 lines rejected (83.33 %: bad_time 30), over the run\'s reject budget of 5 % (--max-reject-ratio 0.05), which allows 10; none of them is published and their earlier output, if any, stays published');
    expect(result.failed.map((f) => [f.key, f.error.constructor])).toEqual([
      ['all-bad.csv.lzo', RejectBudgetError],
      ['m1.csv.lzo', RunRejectBudgetError],
      ['m2.csv.lzo', RunRejectBudgetError],
      ['m3.csv.lzo', RunRejectBudgetError],
    ]);
    expect(result.failed[2].error.message).toBe(`m2.csv.lzo: not published: ${result.overBudget!.message}`);
    expect(events).toEqual(['failed all-bad.csv.lzo', 'read m1.csv.lzo', 'read m2.csv.lzo', 'read m3.csv.lzo', 'failed m1.csv.lzo', 'failed m2.csv.lzo', 'failed m3.csv.lzo']);
    // Nothing of the run was written for good: the ledger and the lake are as before.
    expect(result.ledger).toEqual(first.ledger);
    expect(await new Catalog(lake, 'online-retail').ledger.load()).toEqual(first.ledger);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(12);

    // Within the budget (a ratio of 1 here), the run's objects are published together.
    const forced = await ingestAll(raw, lake, config, { ...options(), maxRejectRatio: 1, onObject: (e) => events.push(`${e.status} ${e.key}`) });
    expect(forced.overBudget).toBeUndefined();
    expect(forced.ingested.map((i) => i.key)).toEqual(['all-bad.csv.lzo', 'm1.csv.lzo', 'm2.csv.lzo', 'm3.csv.lzo']);
    expect(new Set(forced.ingested.map((i) => i.entry.ingestedAt)).size).toBe(1);
    expect(events.slice(-4)).toEqual(['ingested all-bad.csv.lzo', 'ingested m1.csv.lzo', 'ingested m2.csv.lzo', 'ingested m3.csv.lzo']);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(6);
  });

  it('stops between objects when its signal aborts: publishes the objects read whole, reads no other, and names them', async () => {
    const { raw, lake } = setUp();
    for (const [i, key] of ['m1.csv.lzo', 'm2.csv.lzo', 'm3.csv.lzo', 'm4.csv.lzo'].entries()) await raw.put(key, retailLzop(12, 0, 100 * i));
    const stop = new AbortController();
    const events: string[] = [];
    const result = await ingestAll(raw, lake, config, {
      ...options(),
      signal: stop.signal,
      onObject: (e) => {
        events.push(`${e.status} ${e.key}`);
        if (e.status === 'read') stop.abort(new Error('received SIGTERM')); // as the first object's reading ends
      },
    });
    expect(result.interrupted).toEqual({ reason: 'received SIGTERM', notRead: ['m2.csv.lzo', 'm3.csv.lzo', 'm4.csv.lzo'] });
    expect([result.ingested.map((i) => i.key), result.failed, result.unchanged]).toEqual([['m1.csv.lzo'], [], []]);
    expect(events).toEqual(['read m1.csv.lzo', 'ingested m1.csv.lzo']);
    // Committed by the ledger like any run's objects; nothing of the others was written.
    const ledger = await new Catalog(lake, 'online-retail').ledger.load();
    expect(Object.keys(ledger.objects)).toEqual(['m1.csv.lzo']);
    expect([...lake.objects.keys()].sort()).toEqual(['clean/online-retail/m1.csv.lzo/' + ledger.objects['m1.csv.lzo'].attempt + '/part-00000.parquet', 'ledger/online-retail.json']);
    // The next run reads the others.
    const next = await ingestAll(raw, lake, config, options());
    expect([next.ingested.map((i) => i.key), next.unchanged, next.interrupted]).toEqual([['m2.csv.lzo', 'm3.csv.lzo', 'm4.csv.lzo'], ['m1.csv.lzo'], undefined]);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(48);
  });

  it('is not interrupted when its signal aborts after the last object is read: it publishes them all', async () => {
    const { raw, lake } = setUp();
    for (const [i, key] of ['m1.csv.lzo', 'm2.csv.lzo'].entries()) await raw.put(key, retailLzop(12, 0, 100 * i));
    const stop = new AbortController();
    const result = await ingestAll(raw, lake, config, { ...options(), signal: stop.signal, onObject: (e) => e.key === 'm2.csv.lzo' && e.status === 'read' && stop.abort(new Error('received SIGINT')) });
    expect([result.ingested.map((i) => i.key), result.interrupted]).toEqual([['m1.csv.lzo', 'm2.csv.lzo'], undefined]);
  });

  it.each([
    ['in process', {}],
    ['with an encoder thread (two objects in hand)', { encodeThreads: 1 }],
  ])('abandons the objects being read at their next part when its signal aborts, %s: their new parts are deleted, their earlier output stays published', async (_how, threads) => {
    const { raw, lake } = setUp();
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'sample.1.lzo'));
    await ingestAll(raw, lake, config, options(20));
    const ledgerBefore = Buffer.from(await lake.get('ledger/online-retail.json')).toString();
    const keysBefore = [...lake.objects.keys()].sort();
    // The object changes (100 copies of the sample: parts of 20 lines) and another lands.
    await raw.put('landing/2010-12a.csv.lzo', fixture('lzop', 'repeat.lzo'));
    await raw.put('landing/2010-12b.csv.lzo', fixture('lzop', 'sample.9.lzo'));
    const stop = new AbortController();
    const put = lake.put.bind(lake);
    const written: string[] = [];
    lake.put = async (key, body) => {
      const info = await put(key, body);
      written.push(key);
      if (key.startsWith('clean/')) stop.abort(new Error('received SIGTERM')); // once its first new part is written
      return info;
    };
    const events: string[] = [];
    const result = await ingestAll(raw, lake, config, { ...options(20), ...threads, signal: stop.signal, onObject: (e) => events.push(`${e.status} ${e.key}`) });
    expect(result.interrupted).toEqual({ reason: 'received SIGTERM', notRead: ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'] });
    expect([result.ingested, result.failed, events]).toEqual([[], [], []]);
    // One part was written, then deleted; the ledger was not rewritten and lists the earlier attempt, whose parts stay.
    expect(written).toEqual([expect.stringMatching(/^clean\/online-retail\/landing\/2010-12a\.csv\.lzo\/a\d+\/part-00000\.parquet$/)]);
    expect(Buffer.from(await lake.get('ledger/online-retail.json')).toString()).toBe(ledgerBefore);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(39);
  });

  it('writes no ledger when its fence refuses (the run lost the pipeline lock): the objects fail with its error, their new parts are deleted, the earlier output stays', async () => {
    const { raw, lake } = setUp();
    const [a, b] = ['landing/2010-12a.csv.lzo', 'landing/2010-12b.csv.lzo'];
    await raw.put(a, fixture('lzop', 'sample.1.lzo'));
    await ingestAll(raw, lake, config, options(20));
    const ledgerBefore = Buffer.from(await lake.get('ledger/online-retail.json')).toString();
    const keysBefore = [...lake.objects.keys()].sort();
    await raw.put(a, fixture('lzop', 'repeat.lzo')); // changed
    await raw.put(b, fixture('lzop', 'sample.9.lzo')); // new
    const { fence, asked, error: refused } = refusingFence('memory://test/ledger/online-retail.json');
    const events: string[] = [];
    const result = await ingestAll(raw, lake, config, { ...options(20), fence, onObject: (e) => events.push(`${e.status} ${e.key}`) });
    expect(asked).toEqual(['memory://test/ledger/online-retail.json']);
    expect(result.unpublished).toBe(refused);
    expect([result.ingested, result.failed.map((f) => [f.key, f.error])]).toEqual([[], [[a, refused], [b, refused]]]);
    expect(events).toEqual([`read ${a}`, `read ${b}`, `failed ${a}`, `failed ${b}`]);
    expect(Buffer.from(await lake.get('ledger/online-retail.json')).toString()).toBe(ledgerBefore);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
    expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(39);

    // Forgetting objects whose raw object is gone rewrites the ledger too: refused, nothing is dropped.
    await raw.delete(b);
    await raw.delete(a);
    await raw.put('landing/2010-12c.csv.lzo', fixture('lzop', 'sample.9.lzo'));
    await expect(ingestAll(raw, lake, config, { ...options(20), forgetMissing: true, fence })).rejects.toBe(refused);
    expect(Buffer.from(await lake.get('ledger/online-retail.json')).toString()).toBe(ledgerBefore);
    expect([...lake.objects.keys()].sort()).toEqual(keysBefore);
  });

  it('refuses a reject budget outside [0, 1] before writing anything', async () => {
    const { raw, lake } = setUp();
    await seed(raw);
    await expect(ingestAll(raw, lake, config, { ...options(), maxRejectRatio: 5 })).rejects.toThrow('maxRejectRatio must be a number in [0, 1], got 5');
    expect(lake.objects.size).toBe(0);
  });

  it('reads an empty lake as an empty table', async () => {
    expect((await new Catalog(new MemoryStore(), 'online-retail').clean.load()).numRows).toBe(0);
  });
});
