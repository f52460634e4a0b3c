/** A lake of the tests whose baselines can score, for scoring runners called without the CLI. */
import { buildEventIndex, type EventIndex } from '../../features/event-index';
import { purchaseEvents } from '../../features/events';
import { cleanTable, RETAIL_RULES, syntheticShop } from '../features/fixtures';
import { MemoryStore } from './memory-store';
import { retailContext } from './stage-context';

/**
 * A memory lake holding the calibrated fallbacks of both baselines as an earlier version's trainings left them,
 * one record per baseline (`models/<data set>/baseline-<name>/fallback.json`), so `baseline:repeat` and
 * `baseline:popularity` score (with no fit in the lake, scoring resolves them to those records).
 */
export async function lakeWithBaselines(): Promise<MemoryStore> {
  const lake = new MemoryStore();
  const { fallbacks } = retailContext(lake, 'train').catalog;
  for (const baseline of ['repeat', 'popularity'] as const) {
    await lake.put(fallbacks.key(baseline), JSON.stringify({ baseline, calibration: { method: 'platt', a: 1, b: 0 }, validationCutoff: 1, k: 10, reason: 'no model beat it' }));
  }
  return lake;
}

/** The event index of the synthetic shop (`tests/features/fixtures.ts`) and the default as-of time of its data, just after its last purchase. */
export function shopIndex(): { index: EventIndex; asOf: number } {
  const index = buildEventIndex(purchaseEvents(cleanTable(syntheticShop()), RETAIL_RULES));
  return { index, asOf: index.events.time[index.events.time.length - 1] + 1 };
}
