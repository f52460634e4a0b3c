import type { ModelCard } from '../lib/catalog';

/**
 * The input contract of the run report (tracker issue 7): everything
 * {@link renderReport} draws, gathered by the CLI from a run record, the model
 * manifest and the evaluation. Plain data, no I/O handles, so the report is a
 * pure function of it.
 */

/** One object a run read, as in `runs/<data set>/<run-id>.json` `inputs`. */
export interface LineageEntry {
  /** Root URI of the store, e.g. `s3://raw/online-retail` or `file:///tmp/lake`. */
  store: string;
  /** Key relative to the store root. */
  key: string;
  /** Entity tag the run saw (S3 ETag or the file store's content hash). */
  etag: string;
}

/** Protocol metrics of one system at the report's K (`protocol.md`, "Metrics"). */
export interface MetricsRow {
  /** System name, e.g. the model id, `popularity` or `repeat`. */
  system: string;
  recall: number;
  precision: number;
  ndcg: number;
  hitRate: number;
  map: number;
  /** Expected calibration error over all scored pairs, 10 equal-width bins (models only). */
  ece?: number;
  /** Mean binary log loss in nats over all scored pairs (models only). */
  logLoss?: number;
  /** Expected calibration error over the pairs of the top-K lists, 10 equal-width bins (models only). */
  eceTopK?: number;
  /** Number of evaluated customers (the denominator of every mean). */
  customers: number;
  /** Cut-off of the ranked lists, e.g. 10. */
  k: number;
}

/** Scored candidate pairs with their 0/1 outcome in [as-of, as-of + horizon). */
export interface ScoredLabels {
  /** Calibrated probability per pair, in [0, 1]. */
  probability: Float32Array;
  /** 1 when the customer bought the item within the horizon, else 0; same length. */
  label: Uint8Array;
}

/** Ranking metrics of one system at every K of `k` (parallel arrays). */
export interface AtKSeries {
  system: string;
  /** Cut-offs in increasing order, e.g. 1 … 50. */
  k: number[];
  /** Recall@K per entry of `k`. */
  recall: number[];
  /** NDCG@K per entry of `k`. */
  ndcg: number[];
}

/** Protocol metrics of one system at one as-of time of a backtest. */
export interface BacktestRow {
  /** As-of time, ISO 8601 UTC, e.g. `2011-09-10T00:00:00.000Z`. */
  asOf: string;
  system: string;
  recall: number;
  ndcg: number;
  precision: number;
  hitRate: number;
  map: number;
}

/** Everything the run report shows. Optional parts render a "not available for this run" note. */
export interface ReportInput {
  /** Heading of the page, e.g. `berserkr run on online-retail`. */
  title: string;
  /** Run id `YYYYMMDDTHHMMSSZ-<6 hex>` (see `lib/runs.ts`). */
  runId: string;
  /** As-of time T of the run, ISO 8601 UTC. */
  asOf: string;
  /** Horizon H in days. */
  horizonDays: number;
  /** Id of the model that scored the run. */
  modelId: string;
  /** Objects the run read, with the ETags it saw. */
  lineage: LineageEntry[];
  /**
   * Row counts by name, e.g. `ingest.read`, `ingest.clean`, `ingest.rejected`,
   * and one `ingest.rejected.<reason>` per reject reason.
   */
  rows: Record<string, number>;
  /** The model first, then the baselines (`popularity`, `repeat`), all at the same K. */
  metrics: MetricsRow[];
  /** Every scored candidate pair with its outcome: ROC, PR, reliability, gains, histogram. */
  scored?: ScoredLabels;
  /** Recall@K and NDCG@K for K = 1 … 50, one series per system. */
  atK?: AtKSeries[];
  /** Backtest metrics over several as-of times. */
  backtest?: BacktestRow[];
  /** Share of the true purchases that are among the candidate pairs, in [0, 1]. */
  candidateRecall?: number;
  /** Mean number of candidate items per customer. */
  candidatesPerCustomer?: number;
  /** The card of the model the run trained (`lib/catalog/model-card.ts`). */
  modelCard?: ModelCard;
}
