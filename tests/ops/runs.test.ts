import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertRunId, DatasetFormatError, InvalidRunIdError, RunRecords } from '../../lib/catalog';
import { configHash, loadConfig } from '../../lib/config';
import { CodeVersionError, RunRecorder, RunRecorderStateError, detectCodeVersion, formatRunId } from '../../lib/runs';
import { finishStatus, toParams } from '../../cli/command';
import { formatRunLine } from '../../cli/commands/runs';
import { ObjectNotFoundError } from '../../lib/store/store';
import { MemoryStore } from '../helpers/memory-store';

const ROOT = join(__dirname, '..', '..');
const RAW_DIR = join(ROOT, 'data', 'online-retail');
const CODE = { version: '0.1.0', commit: 'a'.repeat(40), dirty: false };

/** A clock that starts at `startMs` and advances `stepMs` on every read. */
function steppingClock(startMs: number, stepMs: number): () => number {
  let t = startMs - stepMs;
  return () => (t += stepMs);
}

describe('run ids', () => {
  it('formats the UTC start second and the suffix', () => {
    expect(formatRunId(Date.UTC(2011, 10, 9, 0, 0, 0, 999), '3fa9c1')).toBe('20111109T000000Z-3fa9c1');
    expect(formatRunId(Date.UTC(2026, 0, 2, 3, 4, 5), '000000')).toBe('20260102T030405Z-000000');
  });

  it('sort as strings in start-time order, across month and year boundaries', () => {
    const times = [Date.UTC(2011, 0, 1), Date.UTC(2010, 11, 31, 23, 59, 59), Date.UTC(2011, 1, 28, 12), Date.UTC(2011, 0, 1, 0, 0, 1)];
    const ids = times.map((t, i) => formatRunId(t, `00000${i}`));
    const byTime = [...times].sort((a, b) => a - b).map((t) => ids[times.indexOf(t)]);
    expect([...ids].sort()).toEqual(byTime);
  });

  it.each(['20111109T000000Z-3FA9C1', '20111109T000000-3fa9c1', '20110231T000000Z-3fa9c1', '20111109T240000Z-3fa9c1', 'latest', ''])(
    'rejects %j, quoting it',
    (bad) => {
      expect(() => assertRunId(bad)).toThrow(InvalidRunIdError);
      expect(() => assertRunId(bad)).toThrow(JSON.stringify(bad));
    },
  );

  it('rejects a bad suffix at creation', () => {
    expect(() => new RunRecorder({ command: 'run', code: CODE, suffix: 'xyz' })).toThrow(InvalidRunIdError);
  });
});

describe('configHash', () => {
  const text = readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8');
  const config = loadConfig(text, 'online-retail.yaml');

  it('is the sha256 hex of the canonical JSON of the validated configuration', () => {
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
    expect(configHash(config)).toBe(createHash('sha256').update(JSON.stringify(sorted(config))).digest('hex'));
  });

  it('ignores comments and key order, and changes with a value', () => {
    const reordered = loadConfig(`# another comment\n${text.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n')}`, 'copy.yaml');
    expect(configHash(reordered)).toBe(configHash(config));
    expect(configHash(loadConfig(text.replace('name: online-retail', 'name: online-retail-2'), 'other.yaml'))).not.toBe(configHash(config));
  });
});

describe('what a command records', () => {
  it('records exit 3 as status partial, other failures as failed', () => {
    expect([0, 1, 2, 3, 4, 130].map(finishStatus)).toEqual(['ok', 'failed', 'failed', 'partial', 'failed', 'failed']);
  });

  it('records instants as ISO 8601 and leaves the output and log options out', () => {
    const asOf = Date.UTC(2011, 10, 9);
    expect(toParams({ asOf, lake: 'lake', topK: 10, logFormat: 'json', logLevel: 'info', output: 'json', verbose: true, shard: undefined })).toEqual({
      asOf: '2011-11-09T00:00:00.000Z',
      lake: 'lake',
      topK: 10,
    });
    expect(toParams({ asOf: [asOf, asOf + 86_400_000] })).toEqual({ asOf: '2011-11-09T00:00:00.000Z,2011-11-10T00:00:00.000Z' });
  });
});

describe('RunRecorder', () => {
  it('records a successful ingest of the bundled raw files and reads it back', async () => {
    const raw = new MemoryStore();
    for (const name of readdirSync(RAW_DIR).filter((n) => n.endsWith('.csv.lzo'))) {
      await raw.put(name, readFileSync(join(RAW_DIR, name)));
    }
    const lake = new MemoryStore();
    const configText = readFileSync(join(ROOT, 'config', 'online-retail.yaml'), 'utf8');
    const run = new RunRecorder({
      command: 'ingest',
      params: { raw: 'data/online-retail', lake: 'lake', shard: null },
      code: CODE,
      config: { path: 'config/online-retail.yaml', sha256: configHash(loadConfig(configText, 'config/online-retail.yaml')) },
      now: steppingClock(Date.UTC(2026, 10, 21, 0, 40, 0), 250),
      suffix: 'c0ffee',
    });
    expect(run.runId).toBe('20261121T004000Z-c0ffee');

    const objects = await raw.list('');
    const result = await run.step('ingest', async () => {
      run.input(raw.uri, objects);
      run.input(raw.uri, objects[0]); // seen again: recorded once
      const out = await lake.put('clean/online-retail/2010-12.parquet', 'parquet bytes');
      run.output(lake.uri, out.key, out.etag);
      return objects.length;
    });
    run.count('ingest.read', 300_000);
    run.count('ingest.read', 241_909);
    run.metric('model.recall@10', 0.2);
    run.setModel('20111109T000000000Z-3fa2c01b');
    run.setBackend('wasm');
    const written = await run.finish(new RunRecords(lake, 'online-retail'));

    expect(result).toBe(13);
    expect(written.status).toBe('ok');
    expect(written.inputs).toHaveLength(13);
    expect(written.inputs[0]).toEqual({
      store: 'memory://test',
      key: '2010-12.csv.lzo',
      etag: createHash('md5').update(readFileSync(join(RAW_DIR, '2010-12.csv.lzo'))).digest('hex'),
    });
    expect(written.rows).toEqual({ 'ingest.read': 541_909 });
    expect(written.steps).toEqual([{ name: 'ingest', startedAt: '2026-11-21T00:40:00.250Z', ms: 250, status: 'ok' }]);
    expect(written.startedAt).toBe('2026-11-21T00:40:00.000Z');
    expect(written.durationMs).toBe(750);
    expect(written.config).toEqual({ path: 'config/online-retail.yaml', sha256: configHash(loadConfig(configText, 'config/online-retail.yaml')) });
    expect([written.metrics, written.modelId]).toEqual([{ 'model.recall@10': 0.2 }, '20111109T000000000Z-3fa2c01b']);
    expect(written.errors).toEqual([]);

    const key = 'runs/online-retail/20261121T004000Z-c0ffee.json';
    expect(JSON.parse(Buffer.from(await lake.get(key)).toString('utf8'))).toEqual(written);
    expect(await new RunRecords(lake, 'online-retail').load(run.runId)).toEqual(written);
  });

  it('marks the run failed, keeps the error and rethrows it unchanged', async () => {
    const lake = new MemoryStore();
    const run = new RunRecorder({ command: 'train', code: CODE, now: steppingClock(Date.UTC(2026, 0, 1), 10), suffix: '00beef' });
    await run.step('features', () => 1);
    const boom = new RangeError('as-of 2011-13-01 is not a date');
    await expect(run.step('train', () => Promise.reject(boom))).rejects.toBe(boom);
    const record = await run.finish(new RunRecords(lake, 'online-retail'));
    expect(record.status).toBe('failed');
    expect(record.steps.map((s) => [s.name, s.status])).toEqual([
      ['features', 'ok'],
      ['train', 'failed'],
    ]);
    expect(record.errors).toEqual([{ step: 'train', name: 'RangeError', message: 'as-of 2011-13-01 is not a date' }]);
  });

  it('refuses use after finish and invalid counts or metrics', async () => {
    const run = new RunRecorder({ command: 'score', code: CODE, suffix: 'abcdef' });
    expect(() => run.count('rows', -1)).toThrow('row count rows: expected a non-negative integer, found -1');
    expect(() => run.count('rows', 1.5)).toThrow(RangeError);
    expect(() => run.metric('ece', Number.NaN)).toThrow('metric ece: expected a finite number, found NaN');
    await run.finish(new RunRecords(new MemoryStore(), 'online-retail'));
    await expect(run.finish(new RunRecords(new MemoryStore(), 'online-retail'))).rejects.toThrow(RunRecorderStateError);
    expect(() => run.count('rows', 1)).toThrow(`run ${run.runId} is already finished: cannot count rows`);
  });
});

describe('run records of earlier versions', () => {
  /** A record as version 0.1.0 wrote it: no process, skipped or modelId; the model id in metric names; the hash of the file's text. */
  const OLD = {
    schema: 'berserkr.run/1', runId: '20261205T101500Z-3fd155', command: 'run', params: { asOf: 1320796800000, lake: 'lake' },
    startedAt: '2026-12-05T10:15:00.000Z', finishedAt: '2026-12-05T10:20:00.000Z', durationMs: 300000, status: 'ok',
    code: CODE, config: { path: 'config/online-retail.yaml', sha256: 'a'.repeat(64) }, backend: 'wasm', inputs: [], outputs: [], rows: {}, steps: [],
    metrics: { '20261205T101530123Z-3fd15533.ndcg@10': 0.4, '20261205T101530123Z-3fd15533.ece': 0.01, 'popularity.ndcg@10': 0.2 }, errors: [],
  };

  it('still read, and list with their model metrics under the stable names', async () => {
    const lake = new MemoryStore();
    await lake.put(`runs/online-retail/${OLD.runId}.json`, JSON.stringify(OLD));
    const record = await new RunRecords(lake, 'online-retail').load(OLD.runId);
    expect(record.modelId).toBeUndefined();
    expect(formatRunLine(record)).toMatch(/ run +ok +300\.0s  -  model\.ndcg@10=0\.4000  model\.ece=0\.0100$/);
  });
});

describe('formatRunLine', () => {
  it('names each step once, in the order it first ran, with its count when it ran several times', async () => {
    const run = new RunRecorder({ command: 'run', code: CODE, now: steppingClock(Date.UTC(2026, 0, 2), 100), suffix: '000001' });
    for (const name of ['ingest', 'features', 'score', 'publish', 'features', 'score', 'publish', 'publish', 'commit']) await run.step(name, async () => undefined);
    const record = await run.finish(new RunRecords(new MemoryStore(), 'online-retail'));
    expect(formatRunLine(record)).toMatch(/ run +ok +\d+\.\ds  ingest,features×2,score×2,publish×3,commit$/);
  });
});

describe('RunRecords list / load', () => {
  async function lakeWithRuns(): Promise<{ lake: MemoryStore; ids: string[] }> {
    const lake = new MemoryStore();
    const ids: string[] = [];
    for (const [i, t] of [Date.UTC(2026, 0, 2), Date.UTC(2025, 11, 31), Date.UTC(2026, 0, 1)].entries()) {
      const run = new RunRecorder({ command: 'run', code: CODE, now: () => t, suffix: `00000${i}` });
      await run.finish(new RunRecords(lake, 'online-retail'));
      ids.push(run.runId);
    }
    await lake.put('runs/online-retail/notes.txt', 'not a run');
    await lake.put('runs/online-retail/latest.json', '{}');
    // Another data set's run, and a run record of the one-data-set layout: neither is online-retail's.
    await new RunRecorder({ command: 'run', code: CODE, now: () => Date.UTC(2026, 5, 1), suffix: '0000ff' }).finish(new RunRecords(lake, 'loyalty'));
    await lake.put('runs/20270101T000000Z-000009.json', '{}');
    return { lake, ids };
  }

  it('lists run ids newest first, ignoring other keys, with a limit', async () => {
    const { lake } = await lakeWithRuns();
    expect(await new RunRecords(lake, 'online-retail').list()).toEqual(['20260102T000000Z-000000', '20260101T000000Z-000002', '20251231T000000Z-000001']);
    expect(await new RunRecords(lake, 'online-retail').list({ limit: 1 })).toEqual(['20260102T000000Z-000000']);
    expect(await new RunRecords(new MemoryStore(), 'online-retail').list()).toEqual([]);
  });

  it('reports a missing run, bad JSON, a bad field and a foreign id', async () => {
    const { lake, ids } = await lakeWithRuns();
    await expect(new RunRecords(lake, 'online-retail').load('20300101T000000Z-ffffff')).rejects.toThrow(ObjectNotFoundError);
    await expect(new RunRecords(lake, 'online-retail').load('latest')).rejects.toThrow(InvalidRunIdError);

    const key = `runs/online-retail/${ids[0]}.json`;
    await lake.put(key, '{"schema": "berserkr.run/1",');
    await expect(new RunRecords(lake, 'online-retail').load(ids[0])).rejects.toThrow(DatasetFormatError);
    await expect(new RunRecords(lake, 'online-retail').load(ids[0])).rejects.toThrow(`invalid run record memory://test/${key}: expected JSON`);

    const good = await new RunRecords(lake, 'online-retail').load(ids[1]);
    await lake.put(key, JSON.stringify({ ...good, runId: ids[0], status: 'done' }));
    await expect(new RunRecords(lake, 'online-retail').load(ids[0])).rejects.toThrow(`invalid run record memory://test/${key}: field status:`);

    await lake.put(key, JSON.stringify(good));
    await expect(new RunRecords(lake, 'online-retail').load(ids[0])).rejects.toThrow(`expected runId ${ids[0]}, found ${ids[1]}`);
  });
});

describe('detectCodeVersion', () => {
  const scratch: string[] = [];
  afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  /** A scratch folder outside any git checkout holding `package.json` = `pkg`. */
  function packageDir(pkg: object): string {
    const dir = mkdtempSync(join(tmpdir(), 'berserkr-code-'));
    scratch.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    return dir;
  }

  it('reads the project version and prefers BERSERKR_GIT_COMMIT', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const code = await detectCodeVersion({ from: join(ROOT, 'lib'), env: { BERSERKR_GIT_COMMIT: 'deadbeef' } });
    expect(code).toEqual({ version: pkg.version, commit: 'deadbeef', dirty: null });
    // An image built from a changed checkout (`git describe --dirty`) says so.
    const dirty = await detectCodeVersion({ from: join(ROOT, 'lib'), env: { BERSERKR_GIT_COMMIT: 'deadbeef-dirty' } });
    expect(dirty).toEqual({ version: pkg.version, commit: 'deadbeef', dirty: true });
  });

  it('reads the git commit and dirty state of a checkout', async () => {
    let head: string | null = null;
    try {
      head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // no git or no .git (e.g. an unpacked tarball): detectCodeVersion must say null too
    }
    const code = await detectCodeVersion({ from: ROOT, env: {} });
    expect(code.commit).toBe(head);
    expect(code.dirty === null).toBe(head === null);
  });

  it('gives a null commit outside a git checkout', async () => {
    const dir = packageDir({ name: 'x', version: '9.8.7' });
    expect(await detectCodeVersion({ from: dir, env: {} })).toEqual({ version: '9.8.7', commit: null, dirty: null });
  });

  it('fails when no package.json is found', async () => {
    await expect(detectCodeVersion({ from: '/', env: {} })).rejects.toThrow(new CodeVersionError('/', 'no package.json found at or above it'));
  });

  it('fails on a package.json without a version, naming the file', async () => {
    const dir = packageDir({ name: 'x' });
    await expect(detectCodeVersion({ from: dir, env: {} })).rejects.toThrow(
      `code version from ${join(dir, 'package.json')}: expected a string "version", found undefined`,
    );
  });
});
