/**
 * lib/catalog: every JSON data set validates what it reads, and an invalid
 * object fails with a DatasetFormatError naming the object's URI and the
 * first bad field.
 */
import { Catalog, DatasetFormatError } from '../../lib/catalog';
import { MemoryStore } from '../helpers/memory-store';

const RUN = '20111109T000000Z-3fa9c1';
const MODEL = '20111109T000000000Z-3fa2c01b';

interface Case {
  /** The data set. */
  what: string;
  key: string;
  /** The stored text. */
  text: string;
  load: (catalog: Catalog) => Promise<unknown>;
  /** The expected message after `invalid <what> memory://test/<key>: `. */
  detail: string;
}

const CASES: Case[] = [
  {
    what: 'ledger',
    key: 'ledger/online-retail.json',
    text: '{"version": 1, "dataset": "online-retail", "objects": {"x.lzo": {"etag": 7}}}',
    load: (c) => c.ledger.load(),
    detail: 'field objects.x.lzo.etag: Expected string, received number',
  },
  {
    what: 'model manifest',
    key: `models/online-retail/${MODEL}/manifest.json`,
    text: '{"formatVersion": 2}',
    load: (c) => c.models.loadManifest(MODEL),
    detail: 'field formatVersion: Invalid literal value, expected 1',
  },
  {
    what: 'model topology',
    key: `models/online-retail/${MODEL}/model.json`,
    text: '{"modelTopology": {}, "weightsManifest": {"paths": []}}',
    load: (c) => c.models.loadModelJson(MODEL),
    detail: 'field weightsManifest: Expected array, received object',
  },
  {
    what: 'champion pointer',
    key: 'models/online-retail/champion.json',
    text: '{"modelId": 7, "promotedAt": "2011-11-09T00:00:00.000Z", "validation": {}}',
    load: (c) => c.champion.load(),
    detail:
      'field modelId: Expected string, received number; restore it from a backup, or delete it and train again (berserkr run or berserkr train writes a new one; berserkr schedule retrains and rewrites it by itself)',
  },
  {
    what: 'baseline fallback',
    key: 'models/online-retail/baseline-repeat/fallback.json',
    text: '{"baseline": "tifu"}',
    load: (c) => c.fallbacks.load('repeat'),
    detail: "field baseline: Invalid enum value. Expected 'popularity' | 'repeat', received 'tifu'",
  },
  {
    what: 'baseline fallback',
    key: 'models/online-retail/baseline-repeat/fallback.json',
    text: '{"baseline": "repeat", "calibration": {"method": "platt", "a": 1, "b": 0}, "customerLevel": {"method": "logistic", "a": 1, "b": [0, 0, 0], "c": 0}, "validationCutoff": 0, "k": 10, "reason": "r"}',
    load: (c) => c.fallbacks.load('repeat'),
    detail: 'field customerLevel.b: Array must contain exactly 2 element(s)',
  },
  {
    what: 'shard marker',
    key: `exports/online-retail/${RUN}/shards/shard-0-of-1._SUCCESS.json`,
    text: `{"runId": "${RUN}", "shard": {"index": 0, "count": "1"}}`,
    load: (c) => c.shards.loadMarkers(RUN),
    detail: 'field shard.count: Expected number, received string',
  },
  {
    what: 'export metadata',
    key: `exports/online-retail/${RUN}/_metadata.json`,
    text: `{"runId": "${RUN}", "modelId": "m", "asOf": "yesterday"}`,
    load: (c) => c.exports.loadMetadata(RUN),
    detail: 'field asOf: Invalid datetime',
  },
  {
    what: 'latest export pointer',
    key: 'exports/online-retail/latest.json',
    text: `{"runId": "${RUN}"}`,
    load: (c) => c.latest.load(),
    detail: 'field metadata: Required',
  },
  {
    what: 'run record',
    key: `runs/online-retail/${RUN}.json`,
    text: '{"schema": "berserkr.run/2"}',
    load: (c) => c.runs.load(RUN),
    detail: 'field schema: Invalid literal value, expected "berserkr.run/1"',
  },
  {
    what: 'lock',
    key: 'locks/online-retail.json',
    text: '{"schema": "berserkr.lock/1"}',
    load: (c) => c.lock.load(),
    detail: 'field owner: Required; delete it if no pipeline is running',
  },
];

describe('catalog JSON data sets', () => {
  test.each(CASES.map((c) => [c.what, c] as const))('%s: a bad field fails naming the URI and the field', async (_what, c) => {
    const store = new MemoryStore();
    await store.put(c.key, c.text);
    const error = await c.load(new Catalog(store, 'online-retail')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).message).toBe(`invalid ${c.what} memory://test/${c.key}: ${c.detail}`);
    expect((error as DatasetFormatError).uri).toBe(`memory://test/${c.key}`);
  });

  test.each(CASES.map((c) => [c.what, c] as const))('%s: text that is not JSON fails naming the URI', async (_what, c) => {
    const store = new MemoryStore();
    await store.put(c.key, '{"schema": ');
    await expect(c.load(new Catalog(store, 'online-retail'))).rejects.toThrow(new RegExp(`^invalid ${c.what} memory://test/${c.key.replace(/\./g, '\\.')}: expected JSON, `));
  });

  it('names the root when the value is not an object', async () => {
    const store = new MemoryStore();
    await store.put('exports/online-retail/latest.json', '[]');
    await expect(new Catalog(store, 'online-retail').latest.load()).rejects.toThrow('invalid latest export pointer memory://test/exports/online-retail/latest.json: field (root): Expected object, received array');
  });

  it('checks a sidecar the latest pointer names, by its own URI', async () => {
    const store = new MemoryStore();
    await store.put('exports/online-retail/latest.json', JSON.stringify({ runId: RUN, metadata: `exports/online-retail/${RUN}/_metadata.json` }));
    await store.put(`exports/online-retail/${RUN}/_metadata.json`, '{}');
    await expect(new Catalog(store, 'online-retail').latest.loadMetadata()).rejects.toThrow(`invalid export metadata memory://test/exports/online-retail/${RUN}/_metadata.json: field runId: Required`);
  });

  it('refuses the ledger of another data set and a run record of another run', async () => {
    const store = new MemoryStore();
    await store.put('ledger/online-retail.json', JSON.stringify({ version: 1, dataset: 'loyalty-club', objects: {} }));
    await expect(new Catalog(store, 'online-retail').ledger.load()).rejects.toThrow(
      'invalid ledger memory://test/ledger/online-retail.json: is for data set "loyalty-club", expected "online-retail"',
    );
  });
});
