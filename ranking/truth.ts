/**
 * The truth a ranking is judged against (`protocol.md`, "Definitions"): for
 * as-of T and horizon H, the items each evaluated customer buys in [T, T + H).
 * Built from events by `evaluation/truth.ts`.
 */

/** Evaluated customers and their truth, CSR over the evaluated customers. */
export interface Truth {
  /** As-of time T, ms UTC. */
  asOf: number;
  /** Horizon H in days. */
  horizonDays: number;
  /** Known customers at T (dense ids [0, knownCustomers) bought before T). */
  knownCustomers: number;
  /** Dense ids of the evaluated customers, ascending. */
  customers: Int32Array;
  /** Length = customers.length + 1: truth of customers[k] is items[offsets[k] .. offsets[k+1]). */
  offsets: Int32Array;
  /** Distinct dense item ids, ascending within each customer. */
  items: Int32Array;
}
