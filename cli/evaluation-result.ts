/** What a command prints of an evaluation: its summary fields and text table (`--output`, `output.ts`). */
import { formatEvaluation, metricsByName, type SystemMetrics } from '../evaluation/evaluate';

/**
 * An evaluation as a command reports it: in the summary the data set, as-of
 * time (ISO 8601), horizon, K, model id and the metrics by their stable names
 * (the run record's), and the text table of `formatEvaluation`.
 * @param asOf ms since the epoch.
 */
export function evaluationResult(rows: readonly SystemMetrics[], model: { dataset: string; modelId: string; asOf: number; horizonDays: number }): { summary: Record<string, unknown>; text: string } {
  return {
    summary: {
      dataset: model.dataset,
      modelId: model.modelId,
      asOf: new Date(model.asOf).toISOString(),
      horizonDays: model.horizonDays,
      k: rows[0]?.k,
      customers: rows[0]?.customers,
      metrics: metricsByName(rows, model.modelId),
    },
    text: formatEvaluation(rows, model.dataset, model.asOf, model.horizonDays),
  };
}
