/** What commands print on stdout of a stage's results, for people and scripts (JSON logs carry the numbers). */
import { formatEvaluation, type SystemMetrics } from '../evaluation/evaluate';

/** Prints the protocol evaluation at `asOf` (ms since the epoch) over `horizonDays` days. */
export function printEvaluation(rows: readonly SystemMetrics[], asOf: number, horizonDays: number): void {
  process.stdout.write(formatEvaluation(rows, asOf, horizonDays));
}
