/**
 * The catalog: every named data set of one data set's lake, resolved against
 * the lake's store. Stages and commands read and write the lake only through
 * it, so the layout (keys, schemas, how objects are published) is decided here.
 */
import type { ObjectStore } from '../store/store';
import { ChampionPointer } from './champion';
import { Exports } from './exports';
import { BaselineFallbacks } from './fallbacks';
import { IngestParts } from './ingest-parts';
import { LatestExport } from './latest';
import { IngestLedger } from './ledger';
import { PipelineLock } from './lock';
import { Models } from './models';
import { Reports } from './reports';
import { RunRecords } from './run-records';
import { ScoreParts } from './scores';
import { ScoringRunObjects } from './scoring-runs';
import { ShardOutputs } from './shards';
import { objectUri } from './uri';

/**
 * The data sets of data set `dataset` in the lake `store`. Clean, rejects,
 * ledger and feature tables are per data set; models, champion, scores,
 * exports, run records, the lock and reports are shared by the lake today,
 * and become per data set by a change here alone.
 *
 * @example
 * const catalog = new Catalog(openStore('s3://lake/berserkr'), 'online-retail');
 * const clean = await catalog.clean.load();
 * const champion = await catalog.champion.load();
 */
export class Catalog {
  /** `ledger/<data set>.json`: the raw objects ingested and the parts they published. */
  readonly ledger: IngestLedger;
  /** `clean/<data set>/<raw key>/<attempt>/part-NNNNN.parquet`. */
  readonly clean: IngestParts;
  /** `rejects/<data set>/<raw key>/<attempt>/part-NNNNN.parquet`. */
  readonly rejects: IngestParts;
  /** `models/<model-id>/{model.json,weights.bin,manifest.json}`. */
  readonly models: Models;
  /** `models/champion.json`. */
  readonly champion: ChampionPointer;
  /** `models/baseline-<name>/fallback.json`. */
  readonly fallbacks: BaselineFallbacks;
  /** `scores/<run-id>/shard-<i>-of-<N>/part-NNNNN.parquet`. */
  readonly scores: ScoreParts;
  /** `exports/<run-id>/shards/shard-<i>-of-<N>{.parquet,._SUCCESS.json}`. */
  readonly shards: ShardOutputs;
  /** `exports/<run-id>/top-k.<format>` and `exports/<run-id>/_metadata.json`. */
  readonly exports: Exports;
  /** `exports/latest.json` and `exports/latest/`. */
  readonly latest: LatestExport;
  /** Objects of scoring runs by run, committed or not. */
  readonly scoringRuns: ScoringRunObjects;
  /** `runs/<run-id>.json`. */
  readonly runs: RunRecords;
  /** `runs/<run-id>.html`. */
  readonly reports: Reports;
  /** `locks/pipeline.json`. */
  readonly lock: PipelineLock;

  /**
   * @param store the lake (client passed in): a folder, S3 or any {@link ObjectStore}.
   * @param dataset the data set's name from its configuration, e.g. `online-retail`.
   */
  constructor(
    readonly store: ObjectStore,
    readonly dataset: string,
  ) {
    this.ledger = new IngestLedger(store, dataset);
    this.clean = new IngestParts(store, this.ledger, 'clean');
    this.rejects = new IngestParts(store, this.ledger, 'rejects');
    this.models = new Models(store);
    this.champion = new ChampionPointer(store, this.models);
    this.fallbacks = new BaselineFallbacks(store, this.models);
    this.scores = new ScoreParts(store);
    this.exports = new Exports(store);
    this.shards = new ShardOutputs(store, this.exports);
    this.latest = new LatestExport(store, this.exports);
    this.scoringRuns = new ScoringRunObjects(store, this.exports, this.scores);
    this.runs = new RunRecords(store);
    this.reports = new Reports(store, this.runs);
    this.lock = new PipelineLock(store, dataset);
  }

  /** `<lake uri>/<key>`, for a key the catalog handed out (e.g. one listed in a run record). */
  uri(key: string): string {
    return objectUri(this.store, key);
  }
}
