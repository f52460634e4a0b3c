/**
 * JSON objects of the lake: the one reader that gets an object, parses it and
 * validates it against its data set's zod schema, reporting the first issue
 * with the object's URI; and the writer that lays the value out as the data
 * set always has (indent, final newline) in one atomic put.
 */
import type { z } from 'zod';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../store/store';
import { DatasetFormatError } from './errors';
import { objectUri } from './uri';

/** How one kind of JSON object is read and written. */
export interface JsonSpec<T> {
  /** The data set, for messages, e.g. `run record`. */
  what: string;
  /** Schema every stored object must satisfy; `load` returns its output. */
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** `JSON.stringify` indent of the stored text. */
  indent: number;
  /** Whether the stored text ends with a newline. */
  newline: boolean;
  /** What to do about an invalid object, appended to the error message. */
  hint?: string;
}

/**
 * Parses `bytes` (UTF-8 JSON) and validates them against `spec.schema`.
 * @param uri the object's URI, for the error.
 * @returns the schema's output.
 * @throws DatasetFormatError `invalid <what> <uri>: expected JSON, <parser message>`, or
 *   `invalid <what> <uri>: field <path>: <zod message>` for the first issue (`(root)` for the whole value).
 */
export function decodeJson<T>(bytes: Uint8Array, uri: string, spec: Pick<JsonSpec<T>, 'what' | 'schema' | 'hint'>): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new DatasetFormatError(spec.what, uri, `expected JSON, ${(error as Error).message}`, spec.hint, { cause: error });
  }
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetFormatError(spec.what, uri, `field ${issue.path.join('.') || '(root)'}: ${issue.message}`, spec.hint);
  }
  return parsed.data;
}

/**
 * The text of object `key`, neither parsed nor validated (for a reader that must see what
 * an object it cannot validate names), or `undefined` when it does not exist (one GET).
 * @throws store errors other than ObjectNotFoundError unchanged.
 */
export async function loadTextIfExists(store: ObjectStore, key: string): Promise<string | undefined> {
  const bytes = await store.get(key).catch((error: unknown) => (error instanceof ObjectNotFoundError ? undefined : Promise.reject(error)));
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** One JSON object at `key` of `store`, read and written per its {@link JsonSpec}. */
export class JsonObject<T> {
  constructor(
    readonly store: ObjectStore,
    readonly key: string,
    private readonly spec: JsonSpec<T>,
  ) {}

  /** `<store uri>/<key>`. */
  get uri(): string {
    return objectUri(this.store, this.key);
  }

  /**
   * The validated object.
   * @throws ObjectNotFoundError (the store's) when it does not exist; DatasetFormatError as {@link decodeJson}.
   */
  async load(): Promise<T> {
    return decodeJson(await this.store.get(this.key), this.uri, this.spec);
  }

  /**
   * The validated object, or `undefined` when it does not exist (one GET).
   * @throws DatasetFormatError as {@link decodeJson}; other store errors unchanged.
   */
  async loadIfExists(): Promise<T | undefined> {
    try {
      return await this.load();
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  /** Writes `value` as `application/json` in one atomic put; readers see the old object or the new one. */
  save(value: T): Promise<ObjectInfo> {
    return this.store.put(this.key, this.text(value), 'application/json');
  }

  /**
   * Writes `value` only when no object exists yet (`ObjectStore.putIfAbsent`).
   * @returns true when written, false when an object exists, undefined when the store has no `putIfAbsent`.
   * @throws ConditionalWriteUnsupportedError when the store turns out not to honour it.
   */
  async create(value: T): Promise<boolean | undefined> {
    if (this.store.putIfAbsent === undefined) return undefined;
    return (await this.store.putIfAbsent(this.key, this.text(value))) !== undefined;
  }

  private text(value: T): string {
    return JSON.stringify(value, null, this.spec.indent) + (this.spec.newline ? '\n' : '');
  }
}
