/**
 * `validateObject` over a raw location: the objects the data set takes
 * (`raw.pattern`, `csv.compression`: the catalog's raw-object selection, as ingest
 * takes them), each read only as far as its sample, and those it skips with their
 * reason. Reads through the catalog's `RawObjects`; writes nothing.
 */
import type { RawObjects } from '../lib/catalog';
import { DatasetConfig } from '../lib/config-types';
import { DEFAULT_MAX_REJECT_RATIO } from './reject-budget';
import { ObjectValidation, ValidateOptions, ValidationSummary, summarizeValidation, validateObject } from './validate';
import { DEFAULT_SAMPLE_LINES } from './validate-sample';

/** Options of {@link validateRaw}. */
export interface ValidateRawOptions extends ValidateOptions {
  /** Prefix of the raw objects under the raw store; the whole store by default. */
  rawPrefix?: string;
  /** Called as each object's validation ends, in key order. */
  onObject?: (validation: ObjectValidation) => void;
}

/**
 * Validates every object of `raw` that `config` takes, one at a time in key order.
 * @returns the summary: each object's validation, the skipped objects and the verdict ({@link summarizeValidation}).
 * @throws store errors while listing; RangeError for a bad `sampleLines` or `maxRejectRatio`, quoting it.
 *   An object's own errors (including a store error while reading it) are its `problem`.
 */
export async function validateRaw(raw: RawObjects, config: DatasetConfig, options: ValidateRawOptions): Promise<ValidationSummary> {
  const { taken, skipped } = await raw.select(config, options.rawPrefix);
  const objects: ObjectValidation[] = [];
  for (const { key } of taken) {
    const validation = await validateObject(key, raw.stream(key), config, options);
    objects.push(validation);
    options.onObject?.(validation);
  }
  return summarizeValidation(objects, skipped, options.sampleLines ?? DEFAULT_SAMPLE_LINES, options.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO);
}
