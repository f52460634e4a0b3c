import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, symlink, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, TEMP_FILE_PREFIX } from '../../lib/store/file';
import { InvalidKeyError } from '../../lib/store/keys';
import { ObjectNotFoundError, StoreError } from '../../lib/store/store';
import { selectRawObjects } from '../../lib/catalog/raw-objects';

const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');

/** All entries under `dir`, recursively, relative, including hidden temp files. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe('FileStore', () => {
  let root: string;
  let store: FileStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berserkr-filestore-'));
    store = new FileStore(join(root, 'lake'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts a string, creating folders, and reports size, MD5 etag and mtime', async () => {
    const body = 'customer_id,item_id\n17850,85123A\n';
    const info = await store.put('exports/r1/top-k.csv', body, 'text/csv');
    const st = await stat(join(root, 'lake/exports/r1/top-k.csv'));
    expect(info).toEqual({ key: 'exports/r1/top-k.csv', size: st.size, etag: md5(body), lastModified: st.mtimeMs });
    expect(info.size).toBe(Buffer.byteLength(body));
    expect(Buffer.from(await store.get('exports/r1/top-k.csv')).toString('utf8')).toBe(body);
    expect(store.uri).toBe(`file://${root}/lake`);
  });

  it('puts bytes and a chunked stream, and streams them back byte-identical', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
    await store.put('a/bytes.bin', bytes);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000);
    }
    const info = await store.put('a/stream.bin', chunks());
    expect(info.etag).toBe(md5(bytes));
    for (const key of ['a/bytes.bin', 'a/stream.bin']) {
      const parts: Uint8Array[] = [];
      for await (const chunk of store.getStream(key)) parts.push(chunk);
      expect(parts.length).toBeGreaterThan(1); // really streamed (64 KiB reads)
      expect(Buffer.compare(Buffer.concat(parts), Buffer.from(bytes))).toBe(0);
    }
  });

  it('heads with the same etag after a restart (fresh cache), and undefined when missing', async () => {
    const info = await store.put('m/model.json', '{"layers":[]}');
    const fresh = new FileStore(join(root, 'lake'));
    expect(await fresh.head('m/model.json')).toEqual(info);
    expect(await fresh.head('m/missing.json')).toBeUndefined();
    expect(await fresh.head('m')).toBeUndefined(); // a folder is not an object
  });

  it('notices a file changed behind its back (size/mtime key the etag cache)', async () => {
    await store.put('k.txt', 'one');
    const path = join(root, 'lake/k.txt');
    await writeFile(path, 'two');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect((await store.head('k.txt'))?.etag).toBe(md5('two'));
  });

  it('lists recursively, sorted by key, by plain string prefix, skipping temp files', async () => {
    for (const key of ['clean/b/2.parquet', 'clean/a.parquet', 'clean/b/1.parquet', 'cleanup.txt', 'rejects/a.parquet']) {
      await store.put(key, key);
    }
    await writeFile(join(root, 'lake/clean', `${TEMP_FILE_PREFIX}123.abc`), 'half written');
    expect((await store.list('clean/')).map((o) => o.key)).toEqual(['clean/a.parquet', 'clean/b/1.parquet', 'clean/b/2.parquet']);
    expect((await store.list('clean')).map((o) => o.key)).toEqual([
      'clean/a.parquet',
      'clean/b/1.parquet',
      'clean/b/2.parquet',
      'cleanup.txt',
    ]);
    expect((await store.list('clean/b/1')).map((o) => o.key)).toEqual(['clean/b/1.parquet']);
    const all = await store.list('');
    expect(all).toHaveLength(5);
    expect(all.find((o) => o.key === 'rejects/a.parquet')).toMatchObject({ size: 17, etag: md5('rejects/a.parquet') });
    // Keys only: the same objects and sizes, no file read to hash it.
    const keys = await new FileStore(join(root, 'lake')).list('', { etags: false });
    expect(keys.map((o) => [o.key, o.size, o.etag])).toEqual(all.map((o) => [o.key, o.size, '']));
    expect(await store.list('nothing/')).toEqual([]);
    expect(await new FileStore(join(root, 'never-created')).list('')).toEqual([]);
  });

  it('follows symbolic links: a linked file under the link\'s key with its target\'s metadata, a linked folder walked under the link\'s keys', async () => {
    await store.put('raw/real.csv', 'a,b\n1,2\n');
    await mkdir(join(root, 'elsewhere/more'), { recursive: true });
    await writeFile(join(root, 'elsewhere/small.csv'), 'a,b\n3,4\n5,6\n');
    await writeFile(join(root, 'elsewhere/more/2011-02.csv'), 'a,b\n7,8\n');
    await symlink('../../elsewhere/small.csv', join(root, 'lake/raw/linked.csv'));
    await symlink(join(root, 'elsewhere/more'), join(root, 'lake/raw/more'));
    const target = await stat(join(root, 'elsewhere/small.csv'));
    const listed = await store.list('raw/');
    expect(listed.map((o) => o.key)).toEqual(['raw/linked.csv', 'raw/more/2011-02.csv', 'raw/real.csv']);
    expect(listed[0]).toEqual({ key: 'raw/linked.csv', size: target.size, etag: md5('a,b\n3,4\n5,6\n'), lastModified: target.mtimeMs });
    expect((await store.list('raw/more/2')).map((o) => o.key)).toEqual(['raw/more/2011-02.csv']);
    expect(Buffer.from(await store.get('raw/more/2011-02.csv')).toString()).toBe('a,b\n7,8\n');
  });

  it('walks a link back to a folder it is in only once, under that folder\'s keys', async () => {
    await store.put('raw/real.csv', 'x');
    await store.put('raw/sub/2011-01.csv', 'y');
    await symlink('.', join(root, 'lake/raw/self'));
    await symlink('..', join(root, 'lake/raw/sub/up'));
    await symlink(join(root, 'lake'), join(root, 'lake/raw/sub/root'));
    expect((await store.list('raw/')).map((o) => o.key)).toEqual(['raw/real.csv', 'raw/sub/2011-01.csv']);
  });

  it('lists a dangling link as unreadable, saying why, and the raw selection skips it with that reason', async () => {
    await store.put('raw/real.csv', 'x');
    await store.put('clean/a.parquet', 'y');
    await symlink('../../elsewhere/gone.csv', join(root, 'lake/raw/linked.csv'));
    await symlink('loop.csv', join(root, 'lake/raw/loop.csv'));
    await symlink('me@host.1234:1700000000', join(root, 'lake/raw/.#notes.txt')); // an editor's lock link
    const listed = await store.list('raw/');
    expect(listed.map((o) => [o.key, o.size, o.etag, o.unreadable])).toEqual([
      ['raw/.#notes.txt', 0, '', 'a symbolic link to "me@host.1234:1700000000", which does not exist'],
      ['raw/linked.csv', 0, '', 'a symbolic link to "../../elsewhere/gone.csv", which does not exist'],
      ['raw/loop.csv', 0, '', 'a symbolic link to "loop.csv", which loops through symbolic links'],
      ['raw/real.csv', 1, expect.stringMatching(/^[0-9a-f]{32}$/), undefined],
    ]);
    expect((await store.list('clean/')).map((o) => o.key)).toEqual(['clean/a.parquet']);
    const { taken, skipped } = selectRawObjects(listed.map((o) => ({ ...o, key: o.key.slice('raw/'.length) })), { raw: { pattern: '**/*.csv*' }, csv: { compression: 'auto' } });
    expect(taken.map((o) => o.key)).toEqual(['real.csv']);
    expect(skipped).toEqual([
      { key: '.#notes.txt', reason: expect.stringMatching(/^does not match raw\.pattern/) },
      { key: 'linked.csv', reason: 'cannot be read: a symbolic link to "../../elsewhere/gone.csv", which does not exist', unreadable: true },
      { key: 'loop.csv', reason: 'cannot be read: a symbolic link to "loop.csv", which loops through symbolic links', unreadable: true },
    ]);
  });

  it('sorts by code point (UTF-8 byte order, as S3 does), not UTF-16 units', async () => {
    await store.put('x/\u{1F600}', 'emoji'); // U+1F600: UTF-16 starts 0xD83D
    await store.put('x/\uFF21', 'fullwidth A'); // U+FF21 > 0xD83D in UTF-16, < U+1F600 in code points
    expect((await store.list('x/')).map((o) => o.key)).toEqual(['x/\uFF21', 'x/\u{1F600}']);
  });

  it('overwrites atomically, and a failing stream body leaves neither object nor temp file', async () => {
    await store.put('scores/r1/scores.parquet', 'old complete object');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('new partial ');
      throw new Error('upstream broke at byte 12');
    }
    const err = await store.put('scores/r1/scores.parquet', failing()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toBe(`cannot write file://${root}/lake/scores/r1/scores.parquet: upstream broke at byte 12`);
    expect(Buffer.from(await store.get('scores/r1/scores.parquet')).toString()).toBe('old complete object');

    const err2 = await store.put('scores/r2/scores.parquet', failing()).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(StoreError);
    expect(await store.head('scores/r2/scores.parquet')).toBeUndefined();
    expect(await tree(join(root, 'lake'))).toEqual(['scores', 'scores/r1', 'scores/r1/scores.parquet', 'scores/r2']);
  });

  it('creates an object only when none exists, in one step, leaving no temp file either way', async () => {
    expect(await store.putIfAbsent('locks/online-retail.json', 'first')).toEqual({ key: 'locks/online-retail.json', size: 5, etag: md5('first'), lastModified: expect.any(Number) });
    expect(await store.putIfAbsent('locks/online-retail.json', 'second')).toBeUndefined();
    expect(Buffer.from(await store.get('locks/online-retail.json')).toString()).toBe('first');
    // Of many creates at once, exactly one is written.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent('locks/other.json', `contender ${i}`)));
    const written = results.flatMap((r, i) => (r === undefined ? [] : [i]));
    expect(written).toHaveLength(1);
    expect(Buffer.from(await store.get('locks/other.json')).toString()).toBe(`contender ${written[0]}`);
    expect(await tree(join(root, 'lake'))).toEqual(['locks', 'locks/online-retail.json', 'locks/other.json']);
  });

  it('throws ObjectNotFoundError naming file:// for get and getStream of a missing key', async () => {
    const err = await store.get('clean/none.parquet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect((err as ObjectNotFoundError).uri).toBe(`file://${root}/lake/clean/none.parquet`);
    const consume = async () => {
      for await (const _ of store.getStream('clean/none.parquet')) void _;
    };
    await expect(consume()).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    await store.put('tmp/x', 'x');
    await store.delete('tmp/x');
    expect(await store.head('tmp/x')).toBeUndefined();
    await expect(store.delete('tmp/x')).resolves.toBeUndefined();
    await expect(store.delete('never/was')).resolves.toBeUndefined();
  });

  it('removes the folders a delete leaves empty, up to the first that is not and never the root, and writes into them again', async () => {
    await store.put('models/ds/m1/weights.bin', 'w');
    await store.put('models/ds/m1/manifest.json', '{}');
    await store.put('models/ds/champion.json', '{}');
    await store.put('x/only.txt', 'x');
    await store.delete('models/ds/m1/weights.bin');
    expect(await tree(join(root, 'lake'))).toContain('models/ds/m1');
    await store.delete('models/ds/m1/manifest.json');
    await store.delete('x/only.txt');
    expect(await tree(join(root, 'lake'))).toEqual(['models', 'models/ds', 'models/ds/champion.json']);
    await store.delete('models/ds/champion.json');
    expect(await tree(join(root, 'lake'))).toEqual([]);
    await store.put('models/ds/m1/weights.bin', 'again');
    expect(Buffer.from(await store.get('models/ds/m1/weights.bin')).toString()).toBe('again');
  });

  it('explains a key that collides with a folder', async () => {
    await mkdir(join(root, 'lake/models/m1'), { recursive: true });
    await expect(store.put('models/m1', 'x')).rejects.toThrow(/cannot write file:\/\/.*\/lake\/models\/m1: a file and a folder would share a path/);
    expect(await tree(join(root, 'lake'))).toEqual(['models', 'models/m1']);
  });

  it.each([
    ['../x', /"\.\." segment/],
    ['/abs', /leading "\/"/],
    ['a//b', /empty segment/],
    ['a/./b', /"\." segment/],
    ['a\\b', /backslash/],
    ['a/b/', /trailing "\/"/],
    ['', /non-empty/],
    ['a\0b', /NUL/],
    [`a/${TEMP_FILE_PREFIX}x`, /reserved for temp files/],
  ])('rejects the key %j on every operation', async (key, reason) => {
    for (const op of [() => store.get(key), () => store.head(key), () => store.put(key, 'x'), () => store.delete(key)]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidKeyError);
      expect((err as Error).message).toContain(JSON.stringify(key));
      expect((err as Error).message).toMatch(reason);
    }
  });

  it('rejects an escaping list prefix but allows "" and a trailing "/"', async () => {
    await expect(store.list('../')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.list('/etc')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.list('a/')).resolves.toEqual([]);
  });

  it('removes the temp files of unfinished writes older than a time, and nothing else', async () => {
    await store.put('exports/r1/top-k.csv', 'a,b\n');
    const old = join(root, 'lake', 'exports', 'r1', `${TEMP_FILE_PREFIX}4242.abc`);
    const fresh = join(root, 'lake', `${TEMP_FILE_PREFIX}4243.def`);
    const oldDir = join(root, 'lake', 'runs', `${TEMP_FILE_PREFIX}dir`);
    await writeFile(old, 'half a file');
    await writeFile(fresh, 'a write in flight');
    await mkdir(oldDir, { recursive: true });
    const cutoff = Date.now() - 60_000;
    await utimes(old, new Date(cutoff - 1000), new Date(cutoff - 1000));
    expect(await store.removeTempFiles(cutoff)).toEqual([`exports/r1/${TEMP_FILE_PREFIX}4242.abc`]);
    expect(await tree(join(root, 'lake'))).toEqual(['.~tmp.4243.def', 'exports', 'exports/r1', 'exports/r1/top-k.csv', 'runs', `runs/${TEMP_FILE_PREFIX}dir`]);
    await expect(new FileStore(join(root, 'missing')).removeTempFiles(Date.now())).resolves.toEqual([]);
  });

  it('removes temp files only under the folders it is given', async () => {
    const cutoff = Date.now() - 60_000;
    for (const folder of ['exports/a/r1', 'exports/b/r1', 'runs/a']) {
      const path = join(root, 'lake', ...folder.split('/'), `${TEMP_FILE_PREFIX}1.x`);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, 'half a file');
      await utimes(path, new Date(cutoff - 1000), new Date(cutoff - 1000));
    }
    expect(await store.removeTempFiles(cutoff, ['exports/a/', 'runs/a/', 'scores/a/'])).toEqual([`exports/a/r1/${TEMP_FILE_PREFIX}1.x`, `runs/a/${TEMP_FILE_PREFIX}1.x`]);
    expect(await store.removeTempFiles(cutoff)).toEqual([`exports/b/r1/${TEMP_FILE_PREFIX}1.x`]);
  });

  it('awaits its check before each removal, and removes nothing more once it throws (a lost lock)', async () => {
    const cutoff = Date.now() - 60_000;
    const keys = ['exports/a/r1', 'runs/a'].map((folder) => `${folder}/${TEMP_FILE_PREFIX}1.x`);
    for (const key of keys) {
      const path = join(root, 'lake', ...key.split('/'));
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, 'half a file');
      await utimes(path, new Date(cutoff - 1000), new Date(cutoff - 1000));
    }
    const asked: string[] = [];
    const lost = new Error('lock lost');
    const check = async (key: string): Promise<void> => {
      asked.push(key);
      if (key.startsWith('runs/')) throw lost;
    };
    await expect(store.removeTempFiles(cutoff, ['exports/', 'runs/'], check)).rejects.toBe(lost);
    expect(asked).toEqual(keys);
    expect(await tree(join(root, 'lake', 'runs'))).toEqual(['a', `a/${TEMP_FILE_PREFIX}1.x`]);
    expect(await tree(join(root, 'lake', 'exports'))).toEqual(['a', 'a/r1']);
  });
});

