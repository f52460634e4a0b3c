/**
 * {@link ObjectStore} over a local folder: the embedded default lake and the
 * test double for S3. Keys map to files under `rootDir`; writes go to a temp
 * file in the target folder, are fsync'ed, then renamed over the target, which
 * POSIX makes atomic within one file system.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertValidKey, assertValidPrefix, compareKeys, InvalidKeyError } from './keys';
import { ObjectNotFoundError, StoreError, type ListOptions, type ObjectInfo, type ObjectStore } from './store';

/** File names starting with this are in-flight writes: never listed, never valid key segments. */
export const TEMP_FILE_PREFIX = '.~tmp.';

/** How many files `list` stats and hashes at once. */
const LIST_CONCURRENCY = 16;

interface EtagCacheEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  etag: string;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

async function* bodyChunks(body: Uint8Array | string | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (typeof body === 'string') yield Buffer.from(body, 'utf8');
  else if (body instanceof Uint8Array) yield body;
  else yield* body;
}

/**
 * A local folder as an object store.
 *
 * - `etag` is the MD5 hex digest of the content (computed while writing, or by
 *   streaming the file on `head`/`list`), cached in memory per path by
 *   (size, mtime, inode) so unchanged files are hashed once per process.
 * - `lastModified` is the file's mtime in ms since the epoch.
 * - `contentType` is accepted for interface parity and not stored.
 * - Keys whose segments start with {@link TEMP_FILE_PREFIX} are rejected, and
 *   such files are skipped by `list`.
 *
 * Errors: {@link ObjectNotFoundError} for a missing object, {@link InvalidKeyError}
 * for a bad key, {@link StoreError} (cause = the `fs` error) for anything else;
 * each names the object as `file:///root/key`.
 *
 * @example
 * const lake = new FileStore('/tmp/lake');
 * await lake.put('runs/r1.json', JSON.stringify(record));
 */
export class FileStore implements ObjectStore {
  /** Absolute root folder. */
  readonly root: string;
  readonly uri: string;
  private readonly etags = new Map<string, EtagCacheEntry>();

  /** @param rootDir folder holding the objects; created on first `put`, may be relative (resolved against the cwd). */
  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    this.uri = pathToFileURL(this.root).href.replace(/\/$/, '');
  }

  /** `file:///root/key`, for messages. */
  objectUri(key: string): string {
    return `${this.uri}/${key}`;
  }

  private pathOf(key: string): string {
    assertValidKey(key, this.uri);
    if (key.split('/').some((segment) => segment.startsWith(TEMP_FILE_PREFIX))) {
      throw new InvalidKeyError(key, `expected no segment starting with "${TEMP_FILE_PREFIX}" (reserved for temp files)`, this.uri);
    }
    return join(this.root, ...key.split('/'));
  }

  private wrap(op: string, key: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    if (isMissing(err)) return new ObjectNotFoundError(this.objectUri(key), { cause: err });
    const detail = err instanceof Error ? err.message : String(err);
    return new StoreError(`cannot ${op} ${this.objectUri(key)}: ${detail}`, this.objectUri(key), { cause: err });
  }

  private async etagOf(path: string, st: Stats): Promise<string> {
    const cached = this.etags.get(path);
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs && cached.ino === st.ino) return cached.etag;
    const hash = createHash('md5');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const etag = hash.digest('hex');
    this.etags.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, etag });
    return etag;
  }

  private async info(key: string, path: string, st: Stats): Promise<ObjectInfo> {
    return { key, size: st.size, etag: await this.etagOf(path, st), lastModified: st.mtimeMs };
  }

  /**
   * Every regular file whose key starts with `prefix` (plain string prefix, as in
   * S3), recursively, sorted by {@link compareKeys}; temp files are skipped and
   * a missing folder lists as empty.
   *
   * Symbolic links are followed, as a raw folder often links in data kept
   * elsewhere: a link to a file is listed under the link's key with its target's
   * size, mtime and etag, and a link to a folder is walked under the link's keys.
   * A link to a folder being walked (itself or one holding it) is a cycle and is
   * not walked again: its files are listed under that folder's keys. A link whose
   * target does not exist (or that loops through links) within the prefix is
   * listed with `unreadable` saying so (size 0, no ETag), not left to vanish:
   * the raw selection skips it with that reason. With `options.etags` false no file is
   * read and every `etag` is empty: a listing of keys costs a `stat` per file, not its bytes.
   * @throws StoreError naming a folder or file that cannot be read.
   */
  async list(prefix: string, options: ListOptions = {}): Promise<ObjectInfo[]> {
    const etags = options.etags ?? true;
    assertValidPrefix(prefix, this.uri);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1); // deepest folder fully named by the prefix
    const found: { key: string; path: string; unreadable?: string }[] = [];
    /** @param real the folder's real path (links resolved); @param walking the real paths of the folders it is in. */
    const walk = async (dirKey: string, real: string, walking: readonly string[]): Promise<void> => {
      const dirPath = join(this.root, ...dirKey.split('/').filter((s) => s !== ''));
      let entries;
      try {
        entries = await readdir(dirPath, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw this.wrap('list', dirKey, err);
      }
      const chain = [...walking, real];
      for (const entry of entries) {
        if (entry.name.startsWith(TEMP_FILE_PREFIX)) continue;
        const key = dirKey + entry.name;
        // descend only where keys can still match the prefix
        const matches = key.startsWith(prefix);
        if (!matches && !prefix.startsWith(`${key}/`)) continue;
        const path = join(dirPath, entry.name);
        const linked = entry.isSymbolicLink();
        const kind = linked ? await this.linkTarget(key, path) : entry;
        if (typeof kind === 'string') {
          if (matches) found.push({ key, path, unreadable: kind });
        } else if (kind?.isDirectory()) {
          const target = linked ? await this.realPath(key, path) : join(real, entry.name);
          if (target !== undefined && !chain.includes(target)) await walk(`${key}/`, target, chain);
        } else if (kind?.isFile() && matches) {
          found.push({ key, path });
        }
      }
    };
    const baseReal = await this.realPath(base, join(this.root, ...base.split('/').filter((s) => s !== '')));
    if (baseReal !== undefined) await walk(base, baseReal, []);
    found.sort((a, b) => compareKeys(a.key, b.key));
    const out: ObjectInfo[] = [];
    for (let i = 0; i < found.length; i += LIST_CONCURRENCY) {
      const batch = found.slice(i, i + LIST_CONCURRENCY).map(async ({ key, path, unreadable }) => {
        try {
          if (unreadable !== undefined) return { key, size: 0, etag: '', lastModified: (await lstat(path)).mtimeMs, unreadable };
          const st = await stat(path);
          return etags ? await this.info(key, path, st) : { key, size: st.size, etag: '', lastModified: st.mtimeMs };
        } catch (err) {
          if (isMissing(err)) return undefined; // deleted while listing
          throw this.wrap('list', key, err);
        }
      });
      for (const item of await Promise.all(batch)) if (item) out.push(item);
    }
    return out;
  }

  /**
   * What the symbolic link at `path` (key `key`) points to, links followed.
   * @returns its target's stats; why it cannot be read when the target does not exist
   *   or loops (`a symbolic link to "<target>", which does not exist`); `undefined` when
   *   the link itself is gone (deleted while listing).
   * @throws StoreError naming the link for any other error.
   */
  private async linkTarget(key: string, path: string): Promise<Stats | string | undefined> {
    try {
      return await stat(path);
    } catch (err) {
      const loops = errorCode(err) === 'ELOOP';
      if (!loops && !isMissing(err)) throw this.wrap('list', key, err);
      const target = await readlink(path).catch(() => undefined);
      if (target === undefined) return undefined;
      return `a symbolic link to ${JSON.stringify(target)}, ${loops ? 'which loops through symbolic links' : 'which does not exist'}`;
    }
  }

  /** The real path (links resolved) of `path` (key `key`), or `undefined` when it is gone. */
  private async realPath(key: string, path: string): Promise<string | undefined> {
    try {
      return await realpath(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.wrap('list', key, err);
    }
  }

  /** Metadata of `key`, or `undefined` when no such file exists. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const st = await stat(path);
      if (!st.isFile()) return undefined;
      return await this.info(key, path, st);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.wrap('head', key, err);
    }
  }

  /** Whole file as bytes. @throws ObjectNotFoundError when missing. */
  async get(key: string): Promise<Uint8Array> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (err) {
      throw this.wrap('read', key, err);
    }
  }

  /** The file in chunks of up to 64 KiB (fs.createReadStream). @throws ObjectNotFoundError on first iteration when missing. */
  async *getStream(key: string): AsyncGenerator<Uint8Array> {
    const path = this.pathOf(key);
    try {
      for await (const chunk of createReadStream(path)) yield chunk as Buffer;
    } catch (err) {
      throw this.wrap('read', key, err);
    }
  }

  /**
   * Writes `body` to a temp file next to the target (creating folders), fsyncs
   * it, then renames it over the target. On any failure, including an error
   * thrown by a streamed body, the temp file is removed and the previous object,
   * if any, is left untouched.
   */
  async put(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, _contentType?: string): Promise<ObjectInfo> {
    return (await this.write(key, body, async (tmp, path) => {
      await rename(tmp, path);
      return true;
    }))!;
  }

  /**
   * Writes an object only when none exists at `key`: the temp file is hard-linked
   * to the object's path, which fails when the path exists (link(2), atomic on
   * local file systems and NFS), then removed.
   * @returns the object's info, or `undefined` when an object already exists at `key` (nothing is written).
   */
  async putIfAbsent(key: string, body: Uint8Array | string): Promise<ObjectInfo | undefined> {
    return this.write(key, body, async (tmp, path) => {
      try {
        await link(tmp, path);
      } catch (err) {
        if (errorCode(err) === 'EEXIST') return false;
        throw err;
      }
      await unlink(tmp).catch(() => undefined);
      return true;
    });
  }

  /** Writes `body` to a temp file beside the object's path, synced, then `commit`s it there; undefined when `commit` finds the path taken (returns false). */
  private async write(key: string, body: Uint8Array | string | AsyncIterable<Uint8Array>, commit: (tmp: string, path: string) => Promise<boolean>): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    const tmp = join(dirname(path), `${TEMP_FILE_PREFIX}${process.pid}.${Math.random().toString(36).slice(2)}`);
    const hash = createHash('md5');
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of bodyChunks(body)) {
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(tmp, 'wx').catch(async (err: unknown) => {
        // A delete that emptied the folder may have removed it since (`delete` prunes empty folders): make it again, once.
        if (errorCode(err) !== 'ENOENT') throw err;
        await mkdir(dirname(path), { recursive: true });
        return open(tmp, 'wx');
      });
      try {
        await writeFile(handle, hashed());
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (!(await commit(tmp, path))) {
        await unlink(tmp).catch(() => undefined);
        return undefined;
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      const code = errorCode(err);
      const detail =
        code === 'ENOTDIR' || code === 'EISDIR'
          ? `a file and a folder would share a path (${(err as Error).message})`
          : err instanceof Error
            ? err.message
            : String(err);
      throw new StoreError(`cannot write ${this.objectUri(key)}: ${detail}`, this.objectUri(key), { cause: err });
    }
    const st = await stat(path);
    const etag = hash.digest('hex');
    this.etags.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, etag });
    return { key, size: st.size, etag, lastModified: st.mtimeMs };
  }

  /**
   * Removes the temp files ({@link TEMP_FILE_PREFIX}) of writes that never
   * finished (a process killed during `put`) and were last modified before
   * `before`: a write in flight keeps its temp file's mtime recent.
   * @param before ms since the epoch.
   * @param folders key prefixes ending in `/` whose folders are searched (recursively); default the whole root.
   * @param beforeRemove awaited before each file is removed, with its key (a lock check, `StageContext.fence`);
   *   when it throws, that file is not removed and its error is thrown.
   * @returns the removed files' paths relative to the root, `/`-separated, sorted.
   * @throws StoreError when a folder cannot be read or a file removed (a missing root or folder is no error);
   *   the error of `beforeRemove`.
   */
  async removeTempFiles(before: number, folders: readonly string[] = [''], beforeRemove?: (key: string) => Promise<void>): Promise<string[]> {
    const removed: string[] = [];
    const walk = async (dirKey: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.root, ...dirKey.split('/').filter((s) => s !== '')), { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw this.wrap('list', dirKey, err);
      }
      for (const entry of entries) {
        const key = dirKey + entry.name;
        const path = join(this.root, ...key.split('/'));
        if (entry.name.startsWith(TEMP_FILE_PREFIX) && entry.isFile()) {
          const failed = (err: unknown): StoreError => new StoreError(`cannot remove temp file ${this.objectUri(key)}: ${(err as Error).message}`, this.objectUri(key), { cause: err });
          const mtimeMs = await stat(path).then((s) => s.mtimeMs, (err: unknown) => (isMissing(err) ? undefined : Promise.reject(failed(err))));
          if (mtimeMs === undefined || mtimeMs >= before) continue;
          await beforeRemove?.(key);
          try {
            await unlink(path);
            removed.push(key);
          } catch (err) {
            if (!isMissing(err)) throw failed(err);
          }
        } else if (entry.isDirectory()) await walk(`${key}/`);
      }
    };
    for (const folder of folders) await walk(folder);
    return removed.sort();
  }

  /** Removes the file, then the folders it leaves empty below the root; a missing one is not an error. */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
      this.etags.delete(path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return;
      throw this.wrap('delete', key, err);
    }
    await this.pruneEmptyFolders(dirname(path));
  }

  /**
   * Removes `dir` and then each parent folder below the root while it is empty, as a
   * key store has no folders: a deleted run, model or ingest attempt leaves none behind.
   * Best effort: it stops at the first folder that is not empty (or a link, or
   * unremovable); the root stays.
   */
  private async pruneEmptyFolders(dir: string): Promise<void> {
    for (let at = dir; at.startsWith(this.root + sep); at = dirname(at)) {
      try {
        await rmdir(at);
      } catch {
        return;
      }
    }
  }
}

