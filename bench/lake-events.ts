/**
 * What the model benches start from: the data set's configuration and the
 * event index of the clean data ingested in a lake.
 */
import { readFileSync } from 'fs';
import { buildEventIndex, type EventIndex } from '../features/event-index';
import { purchaseEvents } from '../features/events';
import { Catalog } from '../lib/catalog';
import { loadConfig } from '../lib/config';
import type { DatasetConfig } from '../lib/config-types';
import { openStore } from '../lib/store/open';

/** A lake that holds no clean data of the data set. */
export class EmptyLakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyLakeError';
  }
}

/**
 * Reads the configuration at `configPath` and indexes the purchase events of
 * the lake's clean data of that data set.
 * @throws EmptyLakeError when the lake holds no clean data of it.
 */
export async function lakeEvents(lake: string, configPath: string): Promise<{ config: DatasetConfig; index: EventIndex }> {
  const config = loadConfig(readFileSync(configPath, 'utf8'), configPath);
  const clean = await new Catalog(openStore(lake), config.name).clean.load();
  if (clean.numRows === 0) throw new EmptyLakeError(`no clean data of data set "${config.name}" in lake ${lake}: run berserkr ingest --lake ${lake} first`);
  return { config, index: buildEventIndex(purchaseEvents(clean, config.purchase)) };
}
