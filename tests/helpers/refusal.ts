/** What the tests of refused commands compare: the error a refusal throws, and the lake it must leave as it was. */
import type { MemoryStore } from './memory-store';

/** The error `p` rejects with; throws when it resolves. */
export async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/** Every key of the lake with its ETag, run records aside: what a refused command must leave as it was. */
export async function lakeState(lake: MemoryStore): Promise<string[]> {
  return (await lake.list('')).filter((o) => !o.key.startsWith('runs/')).map((o) => `${o.key} ${o.etag}`);
}
