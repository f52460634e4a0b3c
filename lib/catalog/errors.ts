/**
 * Typed errors of the catalog's data sets, each naming the object by its URI:
 * {@link DatasetError} and below it not found, already exists, and invalid.
 */

/** Base class of data-set errors; `uri` names the object concerned. */
export class DatasetError extends Error {
  constructor(message: string, readonly uri: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
  }
}

/** A data set's object that must exist does not, e.g. `model "m1" not found: file:///lake/models/m1/manifest.json does not exist`. */
export class DatasetNotFoundError extends DatasetError {
  /** @param what the data set and its instance, e.g. `model "m1"`. */
  constructor(what: string, uri: string) {
    super(`${what} not found: ${uri} does not exist`, uri);
    this.name = 'DatasetNotFoundError';
  }
}

/** A write onto an object that is never overwritten (a published model). */
export class DatasetExistsError extends DatasetError {
  /**
   * @param what e.g. `model "m1"`
   * @param why e.g. `models are never overwritten`.
   */
  constructor(what: string, uri: string, why: string) {
    super(`${what} already exists (${uri}); ${why}`, uri);
    this.name = 'DatasetExistsError';
  }
}

/**
 * A stored object that is not what this version reads: not JSON, a field that
 * breaks the data set's schema, or contents that contradict its key.
 * Message: `invalid <what> <uri>: <detail>[; <hint>]`, e.g.
 * `invalid lock s3://lake/locks/pipeline.json: field owner.pid: Expected number, received string`.
 */
export class DatasetFormatError extends DatasetError {
  /**
   * @param what the data set, e.g. `run record`.
   * @param detail what is wrong, e.g. `field status: Invalid enum value …` or `expected JSON, Unexpected token …`.
   * @param hint what to do about it, appended after `; `.
   */
  constructor(readonly what: string, uri: string, readonly detail: string, hint?: string, options?: { cause?: unknown }) {
    super(`invalid ${what} ${uri}: ${detail}${hint === undefined ? '' : `; ${hint}`}`, uri, options);
    this.name = 'DatasetFormatError';
  }
}
