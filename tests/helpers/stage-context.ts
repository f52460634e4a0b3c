/** A stage context over a lake of the tests, for runners called without the CLI. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../lib/catalog';
import { loadConfig } from '../../lib/config';
import type { DatasetConfig } from '../../lib/config-types';
import { createLogger } from '../../lib/log';
import { NO_PROGRESS } from '../../lib/progress';
import { RunRecorder } from '../../lib/runs';
import { NO_LOCK_FENCE, type StageContext } from '../../lib/stage-context';
import type { ObjectStore } from '../../lib/store/store';

/** The bundled configuration, `config/online-retail.yaml`. */
const RETAIL_CONFIG = join(__dirname, '..', '..', 'config', 'online-retail.yaml');

/**
 * A context of command `command` over `lake` with the bundled Online Retail
 * configuration, silent logs and no progress bars.
 */
export function retailContext(lake: ObjectStore, command: string): StageContext {
  return stageContext(lake, command, loadConfig(readFileSync(RETAIL_CONFIG, 'utf8'), RETAIL_CONFIG));
}

/** A context of command `command` over `lake` with data-set configuration `config`, silent logs and no progress bars. */
export function stageContext(lake: ObjectStore, command: string, config: DatasetConfig): StageContext {
  return {
    log: createLogger({ format: 'json', level: 'silent' }),
    progress: NO_PROGRESS,
    catalog: new Catalog(lake, config.name),
    config,
    run: new RunRecorder({ command, code: { version: 'test', commit: null, dirty: false } }),
    signal: new AbortController().signal,
    fence: NO_LOCK_FENCE,
  };
}
