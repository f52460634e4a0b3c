/**
 * `models/<data set>/backtest.json`: the data set's latest rolling-origin
 * backtest (`pipeline/backtest.ts`), the evidence for the training procedure
 * that a model card quotes when the procedure is the same (the configuration's
 * hash and the training settings). Each `berserkr backtest` replaces it.
 */
import { z } from 'zod';
import type { ObjectInfo, ObjectStore } from '../store/store';
import { JsonObject } from './json';
import type { Models } from './models';

const iso = z.string().datetime();

/** Schema of `models/<data set>/backtest.json`. */
export const BacktestRecordSchema = z.object({
  /** The run that made it (`runs/<data set>/<run-id>.json`). */
  runId: z.string(),
  createdAt: iso,
  /** `configHash` of the data set's configuration it ran with. */
  configHash: z.string(),
  /** The training settings it ran with, as JSON (seed aside). */
  settings: z.record(z.unknown()),
  /** Per as-of time, oldest first: candidate recall and the model and baselines at K. */
  rows: z.array(
    z.object({
      asOf: iso,
      candidateRecall: z.number().min(0).max(1),
      systems: z.array(z.object({ system: z.string(), ndcg: z.number(), recall: z.number() })),
    }),
  ),
});

export type BacktestRecord = z.infer<typeof BacktestRecordSchema>;

/** The latest backtest of one data set. */
export class Backtests {
  private readonly object: JsonObject<BacktestRecord>;

  /** @param store the lake; @param models the data set's models, beside which the record is kept. */
  constructor(store: ObjectStore, models: Models) {
    this.object = new JsonObject(store, `${models.root}backtest.json`, { what: 'backtest', schema: BacktestRecordSchema, indent: 2, newline: false });
  }

  /** `<lake uri>/models/<data set>/backtest.json`. */
  get uri(): string {
    return this.object.uri;
  }

  /**
   * The latest backtest, or `undefined` when none ran.
   * @throws DatasetFormatError when it does not validate.
   */
  load(): Promise<BacktestRecord | undefined> {
    return this.object.loadIfExists();
  }

  /** Replaces the latest backtest (one atomic put). */
  save(record: BacktestRecord): Promise<ObjectInfo> {
    return this.object.save(record);
  }
}
