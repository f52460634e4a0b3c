/**
 * How much of each object `berserkr validate` reads by default: a module of its
 * own, so the CLI can show it in `--help` without loading the ingest layers.
 */

/** Data lines of each object `validateObject` (`validate.ts`) reads by default. */
export const DEFAULT_SAMPLE_LINES = 10_000;
