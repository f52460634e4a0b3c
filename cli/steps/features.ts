/** Features step: the candidate feature set at an as-of time, persisted as Parquet at rest. */
import { featureSetToTable } from '../../features/arrow';
import { buildFeatureSet, candidateRecall } from '../../features/build';
import { EventIndex } from '../../features/event-index';
import { FeatureSet } from '../../features/types';
import { CommandContext } from '../context';
import { canEvaluate } from './evaluate';

/**
 * Builds the candidates and their features at `asOf` (events before it only) and
 * writes them to the catalog's feature tables (`features/<dataset>/<as-of>/features.parquet`). When the data
 * reaches the horizon, also logs and records candidate recall.
 */
export async function featuresStep(ctx: CommandContext, index: EventIndex, asOf: number, horizonDays: number): Promise<FeatureSet> {
  return ctx.run.step('features', async () => {
    const fs = buildFeatureSet(index, asOf, { horizonDays });
    const info = await ctx.catalog.features.save(asOf, featureSetToTable(fs, index.events));
    ctx.run.output(ctx.catalog.store.uri, info.key, info.etag);
    ctx.run.count('features.candidates', fs.n);
    const customers = new Set(fs.customer).size;
    const fields: Record<string, number> = { candidates: fs.n, customers, perCustomer: fs.n / Math.max(1, customers) };
    if (canEvaluate(index, asOf, horizonDays)) {
      fields.candidateRecall = candidateRecall(fs, index, horizonDays);
      ctx.run.metric('features.candidate_recall', fields.candidateRecall);
    }
    ctx.log.child({ stage: 'features' }).info(fields, `${fs.n} candidate pairs for ${customers} customers written to ${ctx.catalog.features.uri(asOf)}`);
    return fs;
  });
}
