/**
 * What a lake holds as a whole, across data sets: the data sets ingested into
 * it (`ledger/<data set>.json`), and the check that it is not in the layout of
 * one data set per lake that earlier versions wrote.
 */
import type { ObjectStore } from '../store/store';
import { LakeLayoutError } from './errors';

/** Keys that only a lake of one data set per lake has. */
export const LEGACY_KEYS = ['models/champion.json', 'exports/latest.json', 'locks/pipeline.json'] as const;

const LEDGERS = 'ledger/';

/**
 * Names of the data sets ingested into the lake: one per `ledger/<name>.json`, sorted.
 * @throws store errors unchanged.
 */
export async function lakeDatasets(store: ObjectStore): Promise<string[]> {
  const names: string[] = [];
  for (const { key } of await store.list(LEDGERS)) {
    const name = key.slice(LEDGERS.length, -'.json'.length);
    if (key.endsWith('.json') && name !== '' && !name.includes('/')) names.push(name);
  }
  return names.sort();
}

/**
 * Checks that the lake has none of {@link LEGACY_KEYS} (three HEAD requests).
 * @throws LakeLayoutError naming those found and how to migrate; store errors unchanged.
 */
export async function checkLakeLayout(store: ObjectStore): Promise<void> {
  const found: string[] = [];
  for (const key of LEGACY_KEYS) if ((await store.head(key)) !== undefined) found.push(key);
  if (found.length > 0) throw new LakeLayoutError(store.uri, found);
}
