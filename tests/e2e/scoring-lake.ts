/**
 * Set-up shared by the scoring end-to-end suites: a local lake with the real
 * Online Retail data ingested and one model trained at the protocol's as-of time
 * with reduced flags, through the built CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliResult, jsonLogs, RETAIL_CONFIG, RETAIL_RAW, runCli } from '../helpers/cli';

export const AS_OF = '2011-11-09T00:00:00Z';
/** Known customers at the as-of time. */
export const KNOWN_CUSTOMERS = 4063;

/** Ingests the bundled data into `lake` and trains one model; returns its id. */
export async function lakeWithModel(lake: string): Promise<string> {
  const ingest = await runCli(['--log-format', 'json', 'ingest', '--raw', RETAIL_RAW, '--lake', lake, '--config', RETAIL_CONFIG]);
  if (ingest.code !== 0) throw new Error(`ingest exited ${ingest.code}: ${ingest.stderr.slice(-2000)}`);
  const train = await runCli(['--log-format', 'json', 'train', '--lake', lake, '--config', RETAIL_CONFIG, '--as-of', AS_OF, '--train-cutoffs', '1', '--epochs', '1', '--train-groups', '1024', '--members', '1', '--seed', '7']);
  if (train.code !== 0) throw new Error(`train exited ${train.code}: ${train.stderr.slice(-2000)}`);
  const modelId = jsonLogs(train.stderr).find((l) => typeof l.modelId === 'string')?.modelId as string | undefined;
  if (modelId === undefined) throw new Error(`train logged no modelId: ${train.stderr.slice(-2000)}`);
  return modelId;
}

/** The score command's arguments for `lake` and `modelId`, plus `extra`. */
export const scoreArgs = (lake: string, modelId: string, ...extra: string[]): string[] => [
  '--log-format',
  'json',
  'score',
  '--lake',
  lake,
  '--config',
  RETAIL_CONFIG,
  '--as-of',
  AS_OF,
  '--model',
  modelId,
  ...extra,
];

/** A JSON object of the lake. */
export const readJson = <T = Record<string, any>>(lake: string, key: string): T => JSON.parse(readFileSync(join(lake, key), 'utf8')) as T;

/** Exit code, and the end of stderr when it is not 0 (so a failing assertion shows why). */
export const ok = (r: CliResult): [number, string] => [r.code, r.code === 0 ? '' : r.stderr.slice(-3000)];
