/**
 * The catalog: every named data set of one data set in a lake, resolved
 * against the lake's store. Stages and commands read and write the lake only through
 * it, so the layout (keys, schemas, how objects are published) is decided here.
 */
import type { Table } from 'apache-arrow';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { Backtests } from './backtests';
import { Blends } from './blends';
import { ChampionPointer, type Champion } from './champion';
import { DatasetError, NotInLakeError } from './errors';
import { Exports, type ExportMetadata } from './exports';
import { BaselineFallbacks } from './fallbacks';
import { IngestParts } from './ingest-parts';
import { loadTextIfExists } from './json';
import { checkLakeLayout, lakeDatasets } from './layout';
import { LatestExport } from './latest';
import { IngestLedger, type LedgerEntry } from './ledger';
import { PipelineLock } from './lock';
import { Models } from './models';
import { Reports } from './reports';
import { RunRecords } from './run-records';
import { ScoreParts } from './scores';
import { ScoringRunObjects } from './scoring-runs';
import { ShardOutputs } from './shards';
import { objectUri } from './uri';

/**
 * The data sets of data set `dataset` in the lake `store`. Every one is kept
 * per data set, so one lake holds several data sets side by side and a command
 * of one never reads or writes another's objects; the layout is the same for
 * every kind: `<kind>/<data set>/…` (`ledger/<data set>.json` and
 * `locks/<data set>.json` for the single objects).
 *
 * A lake written by a version that kept one data set per lake
 * (`models/champion.json` …) is refused by {@link checkLayout}.
 *
 * @example
 * const catalog = new Catalog(openStore('s3://lake/berserkr'), 'online-retail');
 * await catalog.checkLayout();
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
  /** `models/<data set>/<model-id>/{model.json,weights.bin,model-card.json,model-card.md,manifest.json}`, and `blend.json` or `fallback.json` when scoring falls back. */
  readonly models: Models;
  /** `models/<data set>/champion.json`. */
  readonly champion: ChampionPointer;
  /** `models/<data set>/<model-id>/fallback.json` (a fit, `baseline:<name>@<model-id>`); `models/<data set>/baseline-<name>/fallback.json` of earlier versions. */
  readonly fallbacks: BaselineFallbacks;
  /** `models/<data set>/<model-id>/blend.json`. */
  readonly blends: Blends;
  /** `models/<data set>/backtest.json`. */
  readonly backtests: Backtests;
  /** `scores/<data set>/<run-id>/shard-<i>-of-<N>/part-NNNNN.parquet`. */
  readonly scores: ScoreParts;
  /** `exports/<data set>/<run-id>/shards/shard-<i>-of-<N>{.parquet,._SUCCESS.json}`. */
  readonly shards: ShardOutputs;
  /** `exports/<data set>/<run-id>/top-k.<format>` and `exports/<data set>/<run-id>/_metadata.json`. */
  readonly exports: Exports;
  /** `exports/<data set>/latest.json` and `exports/<data set>/latest/`. */
  readonly latest: LatestExport;
  /** Objects of scoring runs by run, committed or not. */
  readonly scoringRuns: ScoringRunObjects;
  /** `runs/<data set>/<run-id>.json`. */
  readonly runs: RunRecords;
  /** `runs/<data set>/<run-id>.html`. */
  readonly reports: Reports;
  /** `locks/<data set>.json`. */
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
    this.models = new Models(store, dataset);
    this.champion = new ChampionPointer(store, this.models);
    this.fallbacks = new BaselineFallbacks(store, this.models);
    this.blends = new Blends(store, this.models);
    this.backtests = new Backtests(store, this.models);
    this.scores = new ScoreParts(store, dataset);
    this.exports = new Exports(store, dataset);
    this.shards = new ShardOutputs(store, this.exports);
    this.latest = new LatestExport(store, this.exports);
    this.scoringRuns = new ScoringRunObjects(store, this.exports, this.scores);
    this.runs = new RunRecords(store, dataset);
    this.reports = new Reports(store, this.runs);
    this.lock = new PipelineLock(store, dataset);
  }

  /** Folders that hold only this data set's objects, e.g. `clean/online-retail/`, `runs/online-retail/`. */
  get prefixes(): string[] {
    const kinds = [this.clean.kind, this.rejects.kind].map((kind) => `${kind}/${this.dataset}/`);
    return [...kinds, this.models.root, this.scores.root, this.exports.root, this.runs.root];
  }

  /** `<lake uri>/<key>`, for a key the catalog handed out (e.g. one listed in a run record). */
  uri(key: string): string {
    return objectUri(this.store, key);
  }

  /**
   * The clean and reject parts that ledger entries list and the lake does not hold
   * (deleted or lost since they were published, so that reading them fails):
   * {@link IngestParts.missing} of each kind, one keys-only listing each.
   * @param objects ledger entries by raw key.
   * @param rawPrefix a prefix of every raw key of `objects` (`''`, the default, always is), which narrows the listings.
   * @returns the raw keys with a part missing, in the order of `objects`, each with its missing parts (lake keys), clean before rejects.
   * @throws store errors of the listings, unchanged.
   * @example await catalog.missingParts(ledger.objects) // Map { '2011-05.csv.lzo' => ['clean/online-retail/2011-05.csv.lzo/a1/part-00000.parquet'] }
   */
  async missingParts(objects: Readonly<Record<string, LedgerEntry>>, rawPrefix = ''): Promise<Map<string, string[]>> {
    const [clean, rejects] = await Promise.all([this.clean.missing(objects, rawPrefix), this.rejects.missing(objects, rawPrefix)]);
    const missing = new Map<string, string[]>();
    for (const rawKey of Object.keys(objects)) {
      const parts = [...(clean.get(rawKey) ?? []), ...(rejects.get(rawKey) ?? [])];
      if (parts.length > 0) missing.set(rawKey, parts);
    }
    return missing;
  }

  /**
   * The objects besides run records that lead a reader to a model, each as its key and text, read whole
   * (they are small JSON objects) and not validated, so that one this version cannot read still counts:
   * the champion pointer, which `score` and the champion checks follow, and every JSON object under
   * `exports/<data set>/`: the sidecars of committed exports (whose run's record `berserkr report` reads),
   * shard markers (a run's other shards score with the model they name), `latest.json` and the copies of
   * the latest export. One keys-only listing and a GET each; an object deleted meanwhile is skipped.
   * @throws store errors unchanged.
   */
  async *modelPointers(): AsyncGenerator<{ key: string; text: string }> {
    const listed = await this.store.list(this.exports.root, { etags: false });
    for (const key of [this.champion.key, ...listed.map((o) => o.key).filter((k) => k.endsWith('.json'))]) {
      const text = await loadTextIfExists(this.store, key);
      if (text !== undefined) yield { key, text };
    }
  }

  /**
   * Checks the lake is not in the layout of one data set per lake (`layout.ts`).
   * @throws LakeLayoutError saying how to migrate; store errors unchanged.
   */
  checkLayout(): Promise<void> {
    return checkLakeLayout(this.store);
  }

  /**
   * The data set's clean table, every published part, with the parts read (`IngestParts.read`).
   * @throws NotInLakeError when nothing of the data set was ingested, naming the data sets
   *   the lake holds; DatasetError when its ledger lists no object with a clean part;
   *   IngestPartError when a clean part the ledger lists is missing or cannot be decoded, naming
   *   it and what to do (ingest again, having deleted a damaged one); the other errors of `IngestParts.read`.
   */
  async requireClean(): Promise<{ table: Table; parts: ObjectInfo[] }> {
    const clean = await this.clean.read();
    if (clean.table.schema.fields.length > 0) return clean;
    const hint = 'ingest raw data first (berserkr ingest, or berserkr run --raw <location>)';
    if ((await this.store.head(this.ledger.key)) === undefined) throw await this.notInLake('ingested data', this.ledger.uri, hint);
    const objects = Object.keys((await this.ledger.load()).objects).length;
    if (objects === 0) throw new DatasetError(`no clean data for data set ${JSON.stringify(this.dataset)}: its ledger ${this.ledger.uri} lists no ingested object; ${hint}`, this.ledger.uri);
    throw new DatasetError(
      `no clean data for data set ${JSON.stringify(this.dataset)}: the ${objects} raw object(s) its ledger ${this.ledger.uri} lists hold no clean line (a header alone, or every line rejected); `
        + 'see their rejects (berserkr validate --raw <location> shows them) and ingest objects with data',
      this.ledger.uri,
    );
  }

  /**
   * The data set's champion.
   * @throws NotInLakeError when none was promoted, naming the data sets the lake holds;
   *   DatasetFormatError when the pointer does not validate.
   */
  async requireChampion(): Promise<Champion> {
    const champion = await this.champion.load();
    if (champion === undefined) throw await this.notInLake('champion', this.champion.uri, 'train a model first (berserkr train) or pass --model');
    return champion;
  }

  /**
   * The sidecar of the data set's latest export (the one `exports/<data set>/latest.json` names).
   * @throws NotInLakeError before the first publication, naming the data sets the lake holds;
   *   DatasetFormatError when the pointer or the sidecar does not validate; ObjectNotFoundError when the sidecar is missing.
   */
  async requireLatestExport(): Promise<ExportMetadata> {
    const meta = await this.latest.loadMetadata();
    if (meta === undefined) throw await this.notInLake('published export', this.latest.uri, 'run berserkr score first');
    return meta;
  }

  private async notInLake(what: string, uri: string, hint: string): Promise<NotInLakeError> {
    return new NotInLakeError(what, this.dataset, this.store.uri, await lakeDatasets(this.store), uri, hint);
  }
}
