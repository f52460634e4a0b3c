/** A lake of the tests holding the loyalty fixture ingested (tests/fixtures/loyalty), for training runners called without the CLI. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventIndex } from '../../features/event-index';
import { eventsStep, resolveAsOf } from '../../features/runner';
import { createLzoRegistry, ingestAll } from '../../ingest';
import { Catalog } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/log';
import { NO_PROGRESS } from '../../lib/progress';
import { RunRecorder } from '../../lib/runs';
import { NO_LOCK_FENCE, type StageContext } from '../../lib/stage-context';
import { openStore } from '../../lib/store/open';
import { MemoryStore } from './memory-store';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, 'tests', 'fixtures', 'config', 'loyalty.yaml');
const config = loadConfig(readFileSync(CONFIG, 'utf8'), CONFIG);

/** Training options small enough for the fixture and a test's time: one cut-off, one member, one epoch of 16 groups, no refit. */
export const LOYALTY_TRAINING = { horizonDays: 30, trainCutoffs: 1, k: 10, seed: 42, train: { members: 1, epochs: 1, refit: false, threads: 1, budget: { groupsPerEpoch: 16 } } };

/**
 * A context of command `train` on a fresh memory lake holding the ingested fixture;
 * `lines` collects the JSON log (level info); `index` is the fixture's event index
 * and `asOf` the default as-of time of its data.
 */
export async function loyaltyContext(): Promise<{ ctx: StageContext; lake: MemoryStore; lines: string[]; index: EventIndex; asOf: number }> {
  const lake = new MemoryStore();
  const result = await ingestAll(openStore(join(ROOT, 'tests', 'fixtures', 'loyalty', 'raw')), lake, config, { codecs: createLzoRegistry() });
  if (result.failed.length > 0) throw new Error(`the loyalty fixture did not ingest: ${JSON.stringify(result.failed)}`);
  const lines: string[] = [];
  const ctx: StageContext = {
    log: createLogger({ format: 'json', level: 'info', sink: { write: (chunk: string) => void lines.push(chunk) } }),
    progress: NO_PROGRESS,
    catalog: new Catalog(lake, config.name),
    config,
    run: new RunRecorder({ command: 'train', code: { version: 'test', commit: null, dirty: false } }),
    signal: new AbortController().signal,
    fence: NO_LOCK_FENCE,
  };
  const index = await eventsStep(ctx);
  return { ctx, lake, lines, index, asOf: resolveAsOf(index, undefined) };
}
