/**
 * What every command starts from: a logger, progress bars, the raw and lake
 * stores resolved from their URIs, the data-set configuration and a run recorder.
 * This is the edge where URIs, files and the environment become objects; the
 * stages below it only see stores, tables and typed columns.
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../lib/config';
import { DatasetConfig } from '../lib/config-types';
import { createLogger, Logger, parseLogFormat, parseLogLevel } from '../lib/log';
import { createProgress, Progress } from '../lib/progress';
import { detectCodeVersion, RunParams, RunRecorder } from '../lib/runs';
import { openStore } from '../lib/store/open';
import { ObjectStore } from '../lib/store/store';

/** Global options of the `berserkr` program. */
export interface GlobalOptions {
  logFormat: string;
  logLevel: string;
}

export interface CommandContext {
  log: Logger;
  progress: Progress;
  lake: ObjectStore;
  config: DatasetConfig;
  run: RunRecorder;
}

/** Opens the pieces a command needs; `raw` is opened only when the command reads raw objects. */
export async function openContext(
  command: string,
  options: GlobalOptions & { lake: string; config: string },
  params: RunParams,
): Promise<CommandContext> {
  const format = parseLogFormat(options.logFormat);
  const log = createLogger({ format, level: parseLogLevel(options.logLevel) }).child({ command });
  const configText = await readFile(options.config, 'utf8');
  const config = loadConfig(configText, options.config);
  const run = new RunRecorder({ command, params, code: await detectCodeVersion(), config: { path: options.config, text: configText } });
  return { log, progress: createProgress({ format }), lake: openStore(options.lake), config, run };
}
