/**
 * The version of the rules by which ingest turns a raw object's lines into clean
 * and reject rows: for the same bytes and the same settings (`rowsHash` of
 * lib/config.ts), two versions may give other rows (a new reject reason, a
 * changed parse). The ledger records it per object (`LedgerEntry.rules`; absent
 * in entries of version 1), and `ingestAll` reads again every object ingested
 * under an older version whose raw object is still there, so a lake does not
 * keep rows that the code in use would reject. Bump it with any change of
 * ingest that gives other rows for some input; the versions and what changed
 * in each are listed in `docs/ingest-rules.md`.
 */
export const INGEST_RULES = 2;

/** The rules version of a ledger entry: its `rules`, or 1 for an entry written before ingest recorded it. */
export function entryRules(entry: { rules?: number }): number {
  return entry.rules ?? 1;
}
