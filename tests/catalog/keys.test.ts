/**
 * lib/catalog: the key of every data set, each under its data set's name
 * (`<kind>/<data set>/…`; the old layout of one data set per lake is refused,
 * tests/catalog/datasets.test.ts), and their URIs.
 */
import { Catalog, InvalidRunIdError, objectUri } from '../../lib/catalog';
import { MemoryStore } from '../helpers/memory-store';

const RUN = '20111109T000000Z-3fa9c1';
const MODEL = '20111109T000000000Z-3fa2c01b';
const catalog = new Catalog(new MemoryStore(), 'online-retail');

describe('catalog keys', () => {
  it('lays out ingest outputs per data set and raw object', () => {
    expect(catalog.ledger.key).toBe('ledger/online-retail.json');
    expect(catalog.clean.partKey('2011-01.csv.lzo', 'a1', 3)).toBe('clean/online-retail/2011-01.csv.lzo/a1/part-00003.parquet');
    expect(catalog.rejects.partKey('landing/x.lzo', 'a1', 12345)).toBe('rejects/online-retail/landing/x.lzo/a1/part-12345.parquet');
    expect(catalog.clean.prefix('x.lzo')).toBe('clean/online-retail/x.lzo/');
    expect(new Catalog(new MemoryStore(), 'loyalty-club').clean.partKey('x.lzo', 'a', 0)).toBe('clean/loyalty-club/x.lzo/a/part-00000.parquet');
  });

  it('lays out models, the champion and baseline fallbacks under models/<data set>/', () => {
    expect(catalog.models.prefix(MODEL)).toBe(`models/online-retail/${MODEL}/`);
    expect(catalog.models.key(MODEL, 'manifest.json')).toBe(`models/online-retail/${MODEL}/manifest.json`);
    expect(catalog.champion.uri).toBe('memory://test/models/online-retail/champion.json');
    expect(catalog.fallbacks.key('repeat')).toBe('models/online-retail/baseline-repeat/fallback.json');
    expect(catalog.blends.key(MODEL)).toBe(`models/online-retail/${MODEL}/blend.json`);
    expect(catalog.models.key(MODEL, 'model-card.json')).toBe(`models/online-retail/${MODEL}/model-card.json`);
  });

  it('lays out a scoring run under its run id', () => {
    const shard = { index: 2, count: 4 };
    expect(catalog.scores.partKey(RUN, shard, 3)).toBe(`scores/online-retail/${RUN}/shard-2-of-4/part-00003.parquet`);
    expect(catalog.shards.listsKey(RUN, shard)).toBe(`exports/online-retail/${RUN}/shards/shard-2-of-4.parquet`);
    expect(catalog.shards.markerKey(RUN, shard)).toBe(`exports/online-retail/${RUN}/shards/shard-2-of-4._SUCCESS.json`);
    expect(catalog.exports.fileKey(RUN, 'csv')).toBe(`exports/online-retail/${RUN}/top-k.csv`);
    expect(catalog.exports.fileKey(RUN, 'jsonl')).toBe(`exports/online-retail/${RUN}/top-k.jsonl`);
    expect(catalog.exports.metadataKey(RUN)).toBe(`exports/online-retail/${RUN}/_metadata.json`);
    expect(catalog.latest.uri).toBe('memory://test/exports/online-retail/latest.json');
  });

  it('lays out run records, reports and the lock', () => {
    expect(catalog.runs.key(RUN)).toBe(`runs/online-retail/${RUN}.json`);
    expect(catalog.reports.key(RUN)).toBe(`runs/online-retail/${RUN}.html`);
    expect(catalog.lock.key).toBe('locks/online-retail.json');
  });

  it('keeps every data set\'s objects under its own name', () => {
    const other = new Catalog(new MemoryStore(), 'loyalty-club');
    expect(other.champion.uri).toBe('memory://test/models/loyalty-club/champion.json');
    expect(other.latest.uri).toBe('memory://test/exports/loyalty-club/latest.json');
    expect(other.runs.key(RUN)).toBe(`runs/loyalty-club/${RUN}.json`);
    expect(other.lock.key).toBe('locks/loyalty-club.json');
    expect(other.prefixes).toEqual(['clean/loyalty-club/', 'rejects/loyalty-club/', 'models/loyalty-club/', 'scores/loyalty-club/', 'exports/loyalty-club/', 'runs/loyalty-club/']);
  });

  it('refuses a run id that is not one before building a key, quoting it', () => {
    for (const key of [() => catalog.runs.key('../x'), () => catalog.reports.key('latest'), () => catalog.runs.uri('20110231T000000Z-3fa9c1')]) {
      expect(key).toThrow(InvalidRunIdError);
    }
    expect(() => catalog.runs.key('latest')).toThrow('invalid run id "latest"');
  });

  it('spells an object URI as the store URI, one slash, the key', () => {
    expect(objectUri({ uri: 's3://lake/prefix' }, 'runs/r.json')).toBe('s3://lake/prefix/runs/r.json');
    expect(objectUri({ uri: 'file:///tmp/lake/' }, 'exports/r/')).toBe('file:///tmp/lake/exports/r/');
    expect(catalog.runs.uri(RUN)).toBe(`memory://test/runs/online-retail/${RUN}.json`);
    expect(catalog.exports.uri(RUN)).toBe(`memory://test/exports/online-retail/${RUN}/`);
    expect(catalog.exports.fileUri(RUN, 'parquet')).toBe(`memory://test/exports/online-retail/${RUN}/top-k.parquet`);
    expect(catalog.exports.metadataUri(RUN)).toBe(`memory://test/exports/online-retail/${RUN}/_metadata.json`);
    expect(catalog.uri('locks/online-retail.json')).toBe('memory://test/locks/online-retail.json');
  });
});
