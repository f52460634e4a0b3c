/**
 * The scoring settings the CLI offers and their defaults: customers per batch,
 * forward threads and export formats. Apart from the scoring runner, so that
 * the CLI's flags and help load none of it.
 */
import { EXPORT_FORMATS, type ExportFormat } from '../lib/catalog/export-formats';
import { availableCpus } from '../lib/cpus';
import { ScoringInputError } from './errors';

/**
 * Default customers per batch. A batch holds its candidate pairs' float32 feature
 * matrix (~200 candidates per customer × 48 features ≈ 37 KiB per customer, so
 * ≈ 90 MiB here) plus their scores and ranks, and up to twice that while the
 * previous batch awaits garbage collection. The cut-off's shared work
 * (popularity, co-occurrence, customer vectors, aggregates) is done once per shard
 * (`prepareCutoff`), so a batch costs only its customers' events and rows:
 * smaller batches cost memory, not time.
 */
export const DEFAULT_BATCH_CUSTOMERS = 2_500;

/** Default export formats. */
export const DEFAULT_FORMATS: readonly ExportFormat[] = ['csv', 'parquet'];

/**
 * Default threads of the forward pass (this thread and worker threads; the wasm
 * backend computes on one thread): 2, or 1 when only one CPU is available
 * ({@link availableCpus}: the affinity mask capped by a container's CPU quota). Each worker
 * holds a backend and a copy of the weights (~100 MiB). Reads the cgroup quota when called, not at import.
 */
export const defaultForwardThreads = (): number => Math.min(2, availableCpus());

/**
 * Parses a comma-separated list of export formats (`csv,parquet,jsonl`), keeping
 * the first occurrence of each.
 * @throws ScoringInputError quoting the text when a name is not a format or the list is empty.
 */
export function parseFormats(text: string): ExportFormat[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const known: readonly string[] = EXPORT_FORMATS;
  for (const name of names) {
    if (!known.includes(name)) throw new ScoringInputError(`export format ${JSON.stringify(name)} in ${JSON.stringify(text)}: expected a comma-separated list of ${known.join(', ')}`);
  }
  if (names.length === 0) throw new ScoringInputError(`export formats ${JSON.stringify(text)}: expected at least one of ${known.join(', ')}`);
  return [...new Set(names)] as ExportFormat[];
}
