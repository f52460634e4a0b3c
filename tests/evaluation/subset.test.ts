/**
 * evaluation/published.ts requireWholeExport: a re-export is refused for evaluation and
 * reports, naming the scoring run its lists come from through a chain of re-exports, and
 * not claiming missing customers for an uncut copy.
 */
import { Catalog, type ExportMetadata } from '../../lib/catalog';
import { requireWholeExport, SubsetExportError } from '../../evaluation/published';
import { MemoryStore } from '../helpers/memory-store';

const SCORED = '20111109T000000Z-aaaaaa';
const CUT = '20111110T000000Z-bbbbbb';
const COPY = '20111111T000000Z-cccccc';
const CHOSEN = '20111112T000000Z-dddddd';

const sidecar = (runId: string, customers: number, subsetOf?: ExportMetadata['subsetOf']): ExportMetadata => ({
  runId, modelId: 'm', asOf: '2011-11-09T00:00:00.000Z', horizonDays: 30, k: 10, rows: customers * 10, customers, pairs: 0, shards: 0, files: [], scores: [], ...(subsetOf && { subsetOf }),
});

async function lake(): Promise<Catalog> {
  const catalog = new Catalog(new MemoryStore(), 'online-retail');
  await catalog.exports.publishMetadata(sidecar(SCORED, 100));
  await catalog.exports.publishMetadata(sidecar(CUT, 100, { runId: SCORED, requested: 100, missing: [], topK: 3 }));
  await catalog.exports.publishMetadata(sidecar(COPY, 100, { runId: CUT, requested: 100, missing: [] }));
  await catalog.exports.publishMetadata(sidecar(CHOSEN, 2, { runId: SCORED, requested: 2, missing: [] }));
  return catalog;
}

describe('requireWholeExport', () => {
  it('passes the export of a scoring run', async () => {
    const catalog = await lake();
    const meta = await catalog.exports.loadMetadata(SCORED);
    expect(await requireWholeExport(catalog, meta)).toBe(meta);
  });

  it('refuses a cut re-export, naming its scoring run', async () => {
    const catalog = await lake();
    const error = await requireWholeExport(catalog, await catalog.exports.loadMetadata(CUT)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubsetExportError);
    expect((error as Error).message).toBe(
      `export of run ${CUT} holds the lists of 100 customers of run ${SCORED}, cut to their first 3 items (berserkr export): metrics over it would count every other customer or item as a miss; evaluate or report on run ${SCORED}`,
    );
  });

  it('refuses an uncut copy of a re-export without claiming misses, naming the scoring run at the end of the chain', async () => {
    const catalog = await lake();
    await expect(requireWholeExport(catalog, await catalog.exports.loadMetadata(COPY))).rejects.toThrow(
      `export of run ${COPY} holds every list of run ${CUT} as it is, a copy (berserkr export); evaluate or report on run ${SCORED}, the scoring run whose lists run ${CUT} re-exports`,
    );
  });

  it('refuses the lists of chosen customers, all found and uncut, as counting the others as misses', async () => {
    const catalog = await lake();
    await expect(requireWholeExport(catalog, await catalog.exports.loadMetadata(CHOSEN))).rejects.toThrow(
      `export of run ${CHOSEN} holds the lists of 2 customers of run ${SCORED} (berserkr export): metrics over it would count every other customer or item as a miss; evaluate or report on run ${SCORED}`,
    );
  });

  it('names the run it re-exports when the chain cannot be followed to a scoring run', async () => {
    const catalog = await lake();
    await catalog.store.delete(catalog.exports.metadataKey(SCORED));
    await expect(requireWholeExport(catalog, await catalog.exports.loadMetadata(COPY))).rejects.toThrow(`; evaluate or report on run ${CUT}`);
  });
});
