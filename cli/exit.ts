/** Exit codes of `berserkr`, which scripts can trust (README, "Commands"). */
export const EXIT = {
  ok: 0,
  /** The command failed; nothing it was writing was published. */
  failed: 1,
  /** Bad usage or configuration: nothing ran. */
  usage: 2,
  /** The command finished but some raw objects failed to ingest (named in the log and run record). */
  partial: 3,
  /** Another pipeline run holds the lock and the command skips rather than waits: nothing ran. */
  busy: 4,
} as const;
