/**
 * pipeline/gc.ts: the copies of the latest export left mixed by a failed commit are re-synced to
 * the pointer; the parts the ingest ledger lists that the lake does not hold are reported, untouched.
 */
import { Catalog, type ExportMetadata, type LedgerEntry, MISSING_PARTS_REMEDY } from '../../lib/catalog';
import { gcStep, MISSING_PARTS_SHOWN } from '../../pipeline/gc';
import { MemoryStore } from '../helpers/memory-store';
import { retailContext } from '../helpers/stage-context';

const OLD = '20111109T000000Z-aaaaaa';
const NEW = '20111110T000000Z-bbbbbb';

const context = (lake: MemoryStore) => retailContext(lake, 'gc');

/** Commits an export of `runId` holding `csv` (and `jsonl` when given). */
async function commit(catalog: Catalog, runId: string, csv: string, jsonl?: string): Promise<ExportMetadata> {
  const files: ExportMetadata['files'] = [];
  for (const [format, body] of [['csv', csv], ['jsonl', jsonl]] as const) {
    if (body === undefined) continue;
    await catalog.exports.putFile(runId, format, Buffer.from(body));
    files.push({ name: catalog.exports.fileName(format), format, bytes: body.length, sha256: 'a'.repeat(64) });
  }
  const metadata: ExportMetadata = { runId, modelId: 'm', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: 1, customers: 1, pairs: 1, shards: 1, files, scores: [] };
  await catalog.exports.publishMetadata(metadata);
  return metadata;
}

describe('gcStep and the copies of the latest export', () => {
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true };

  it('re-copies the export the pointer names when a failed commit left the copies of another run', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { latest } = ctx.catalog;
    await latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n', 'old jsonl\n'));
    await latest.publish(OLD);
    expect((await gcStep(ctx, options)).latestResynced).toBeUndefined();

    // The next commit flipped the pointer, copied its CSV, and died before the sidecar.
    await commit(ctx.catalog, NEW, 'new csv\n');
    await latest.publish(NEW);
    await latest.copyFile(NEW, 'csv');
    expect(await latest.copiedRunId()).toBe(OLD);

    expect((await gcStep(ctx, options)).latestResynced).toBe(NEW);
    expect(await latest.copiedRunId()).toBe(NEW);
    expect((await lake.list('exports/online-retail/latest/')).map((o) => o.key)).toEqual(['exports/online-retail/latest/_metadata.json', 'exports/online-retail/latest/top-k.csv']);
    expect(Buffer.from(await lake.get('exports/online-retail/latest/top-k.csv')).toString()).toBe('new csv\n');
    expect((await gcStep(ctx, options)).latestResynced).toBeUndefined();
  });

  it('skips a run record it cannot read, naming it, and does the rest of its work', async () => {
    const lake = new MemoryStore();
    const ctx = context(lake);
    const { latest, runs } = ctx.catalog;
    await lake.put(runs.key(OLD), '{');
    await latest.refreshCopies(await commit(ctx.catalog, OLD, 'old csv\n'));
    await commit(ctx.catalog, NEW, 'new csv\n');
    await latest.publish(NEW);
    const r = await gcStep(ctx, options);
    expect(r).toMatchObject({ unreadableRecords: [runs.uri(OLD)], latestResynced: NEW });
  });
});

describe('gcStep and the parts the ledger lists that the lake does not hold', () => {
  const options = { olderThanMs: 120_000, lockedCommands: new Set(['run']), lockHeld: true, checkParts: true };
  const entry = (clean: string[], rejects: string[] = []): LedgerEntry => ({
    etag: 'e', size: 1, configHash: 'h', rowsHash: 'r', attempt: 'a1', ingestedAt: '', clean, rejects, counts: { read: 0, clean: 0, rejected: 0, duplicates: 0, byReason: {} },
  });
  /** Every object of `lake` with its bytes, to show nothing was deleted or rewritten. */
  const contents = (lake: MemoryStore): [string, string][] => [...lake.objects].map(([key, o]) => [key, Buffer.from(o.bytes).toString('base64')]);

  /** A lake whose ledger lists, for raw objects `raws`, `parts` clean parts and one reject part each, all present. */
  async function ingested(raws: string[], parts = 1): Promise<{ lake: MemoryStore; catalog: Catalog; clean: string[][]; rejects: string[] }> {
    const lake = new MemoryStore();
    const catalog = new Catalog(lake, 'online-retail');
    const clean = raws.map((raw) => Array.from({ length: parts }, (_, i) => catalog.clean.partKey(raw, 'a1', i)));
    const rejects = raws.map((raw) => catalog.rejects.partKey(raw, 'a1', 0));
    for (const key of [...clean.flat(), ...rejects]) await lake.put(key, 'parquet');
    await catalog.ledger.publish({ version: 1, dataset: 'online-retail', objects: Object.fromEntries(raws.map((raw, i) => [raw, entry(clean[i], [rejects[i]])])) });
    return { lake, catalog, clean, rejects };
  }

  it('names the missing clean and reject parts with their raw objects and what to do, counts them, and deletes or rewrites nothing', async () => {
    const { lake, catalog, clean, rejects } = await ingested(['2011-05.csv.lzo', '2011-04.csv.lzo', '2011-06.csv.lzo'], 2);
    await lake.delete(clean[0][1]);
    await lake.delete(rejects[0]);
    await lake.delete(clean[1][0]);
    const [before, puts] = [contents(lake), lake.puts.length];
    const ctx = retailContext(lake, 'gc');

    const r = await gcStep(ctx, options);
    expect(r.partsMissing).toEqual({
      count: 3,
      objects: 2,
      first: [
        { part: catalog.uri(clean[1][0]), object: '2011-04.csv.lzo' },
        { part: catalog.uri(clean[0][1]), object: '2011-05.csv.lzo' },
        { part: catalog.uri(rejects[0]), object: '2011-05.csv.lzo' },
      ],
      remedy: MISSING_PARTS_REMEDY,
    });
    expect(ctx.run.snapshot().rows['gc.parts_missing']).toBe(3);
    expect([contents(lake), lake.puts.length]).toEqual([before, puts]);
  });

  it(`names the first ${MISSING_PARTS_SHOWN} parts and counts them all`, async () => {
    const raws = Array.from({ length: MISSING_PARTS_SHOWN + 2 }, (_, i) => `2011-${String(i + 1).padStart(2, '0')}.csv.lzo`);
    const { lake, clean } = await ingested(raws);
    for (const [part] of clean) await lake.delete(part);
    const r = await gcStep(retailContext(lake, 'gc'), options);
    expect(r.partsMissing).toMatchObject({ count: raws.length, objects: raws.length });
    expect(r.partsMissing?.first.map((p) => p.object)).toEqual(raws.slice(0, MISSING_PARTS_SHOWN));
  });

  it('reports none when the lake holds every part, or nothing was ingested; and looks only when asked', async () => {
    const none = { count: 0, objects: 0, first: [], remedy: null };
    const { lake } = await ingested(['2011-05.csv.lzo']);
    const ctx = retailContext(lake, 'gc');
    expect((await gcStep(ctx, options)).partsMissing).toEqual(none);
    expect(ctx.run.snapshot().rows['gc.parts_missing']).toBeUndefined();
    expect((await gcStep(retailContext(new MemoryStore(), 'gc'), options)).partsMissing).toEqual(none);
    await lake.delete(new Catalog(lake, 'online-retail').clean.partKey('2011-05.csv.lzo', 'a1', 0));
    expect((await gcStep(retailContext(lake, 'gc'), { ...options, checkParts: false })).partsMissing).toBeUndefined();
  });
});
