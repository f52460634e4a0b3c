/** pipeline/gc.ts: the copies of the latest export left mixed by a failed commit are re-synced to the pointer. */
import { Catalog, type ExportMetadata } from '../../lib/catalog';
import { gcStep } from '../../pipeline/gc';
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
