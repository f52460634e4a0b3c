/**
 * Raw keys where one extends another (`x.csv.lzo` and `x.csv.lzo/y.csv.lzo`, both
 * valid S3 keys): re-ingesting one never deletes the other's output, with the lake
 * on the file store and on S3 (s3rver on loopback).
 */
import { mkdtempSync, rmSync } from 'fs';
import { readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ingestAll } from '../../ingest';
import { Catalog } from '../../lib/catalog';
import { createLzoRegistry } from '../../ingest/lzo1x';
import { loadConfig } from '../../lib/config';
import { FileStore } from '../../lib/store/file';
import { openStore } from '../../lib/store/open';
import { ObjectStore } from '../../lib/store/store';
import { MemoryStore } from '../helpers/memory-store';
import { S3Server, startS3Server } from '../helpers/s3server';
import { fixture } from './helpers';

const config = loadConfig(readFileSync(join(__dirname, '..', '..', 'config', 'online-retail.yaml'), 'utf8'), 'online-retail.yaml');
const OUTER = 'x.csv.lzo';
const INNER = 'x.csv.lzo/y.csv.lzo';

let server: S3Server;
let dir: string;
beforeAll(async () => {
  server = await startS3Server(['raw', 'lake']);
  dir = mkdtempSync(join(tmpdir(), 'berserkr-nested-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every key of the lake, sorted. */
const keysOf = async (lake: ObjectStore) => (await lake.list('')).map((o) => o.key).sort();

describe.each([
  // A folder cannot be both a file and a folder, so the file-store lake takes its raw objects from memory.
  ['a file-store lake', () => ({ raw: new MemoryStore() as ObjectStore, lake: new FileStore(join(dir, 'lake')) as ObjectStore })],
  ['an S3 raw bucket and lake', () => ({ raw: openStore('s3://raw/landing', server.env), lake: openStore('s3://lake/berserkr', server.env) })],
])('ingest clean-up with %s', (_, stores) => {
  it(`re-ingesting ${OUTER} or ${INNER} touches only its own outputs`, async () => {
    const { raw, lake } = stores();
    let n = 0;
    const options = { codecs: createLzoRegistry(), batchLines: 20, attemptId: () => `a${++n}` };
    await raw.put(OUTER, fixture('lzop', 'sample.1.lzo'));
    await raw.put(INNER, fixture('lzop', 'sample.9.lzo'));
    const first = await ingestAll(raw, lake, config, options);
    expect(first.ingested.map((i) => i.key)).toEqual([OUTER, INNER]);
    const inner = first.ledger.objects[INNER];
    expect(inner.clean).toEqual([`clean/online-retail/${INNER}/a2/part-00000.parquet`, `clean/online-retail/${INNER}/a2/part-00001.parquet`]);

    for (const changed of [OUTER, INNER]) {
      await raw.put(changed, fixture('lzop', 'sample.7.lzo'));
      const again = await ingestAll(raw, lake, config, options);
      expect(again.ingested.map((i) => i.key)).toEqual([changed]);
      const listed = Object.values(again.ledger.objects).flatMap((e) => [...e.clean, ...e.rejects]);
      expect(await keysOf(lake)).toEqual([...listed, 'ledger/online-retail.json'].sort());
      expect((await new Catalog(lake, 'online-retail').clean.load()).numRows).toBe(78);
    }
  });
});
