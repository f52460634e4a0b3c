/**
 * Whether what the champion pointer names can score, the one check shared by the
 * training's champion/challenger rule (`runner.ts`) and the retraining rule of
 * `berserkr schedule` (`pipeline/tick.ts`): a champion whose model is gone from the
 * lake or whose files are damaged, that reads other features than today's, that was
 * trained for another horizon, or at a later as-of time than the one it is to score
 * at, is no champion (README, "Promotion and the model card"). For a fallback
 * (`baseline:<name>@<model-id>` or, of an earlier version, `baseline:<name>`; `blend:<model-id>`) the same holds of its record and, for a
 * blend, of its model.
 */
import { type Catalog, type Champion, DatasetFormatError, DatasetNotFoundError, type ModelCard, type ModelManifest } from '../lib/catalog';
import type { Logger } from '../lib/log';
import { checkFeatureNames, FeatureMismatchError, TrainingInputError } from './errors';
import { modelLearntUntil } from './promotion';
import { type LoadedModel, loadModel } from './registry';
import { fallbackMismatch, loadScorerRecord, type ScorerRecord } from './scorer-records';

/** What the champion is to score with, and when. */
export interface ScoreabilityOptions {
  /** Horizon H in days the probabilities must be of. */
  horizonDays: number;
  /** Today's feature columns, in order, which a model must read. */
  featureNames: readonly string[];
  /** The as-of time it is to score at, ms UTC; undefined: not checked (a run at the default as-of time, after the data). */
  asOf?: number;
}

/** A model that can score, loaded (the caller disposes `loaded.model`), or why it cannot. */
export type ModelScoreability =
  | { scoreable: true; loaded: LoadedModel; card: ModelCard | undefined }
  | {
      scoreable: false;
      /** Why, a clause after the model's name, e.g. `cannot be loaded (…), so it can score nothing`. */
      why: string;
      /** It was trained at a later as-of time than `asOf`: it stays the champion of that later time. */
      trainedLater?: boolean;
    };

const iso = (ms: number): string => new Date(ms).toISOString();

/** Why a model cannot score, as {@link ModelScoreability} says it. */
type Unscoreable = Extract<ModelScoreability, { scoreable: false }>;

/**
 * A manifest this version does not read because a later berserkr wrote it (another
 * `formatVersion`), as opposed to a damaged one: treating its model as gone would take
 * the newer version's champion away, so it propagates.
 */
const newerManifest = (error: DatasetFormatError): boolean => error.what === 'model manifest' && error.detail.startsWith('field formatVersion:');

/** Why a model whose files cannot be read cannot score, for a missing or damaged one; other errors propagate. */
function unreadableModel(error: unknown): Unscoreable {
  // Gone or damaged (a store error propagates): kept, it would fail every scoring run and every training after this one.
  if (!(error instanceof DatasetNotFoundError || (error instanceof DatasetFormatError && !newerManifest(error)))) throw error;
  return { scoreable: false, why: `cannot be loaded (${error.message}), so it can score nothing` };
}

/**
 * Whether model `modelId` can score, from its records alone (its weights are not read):
 * its card says it was not trained at a later as-of time than `o.asOf` (checked first, so
 * that a champion of a later time stays one even when this version cannot read it), its
 * card and manifest can be read and its files have the sizes the manifest records, the
 * manifest agrees on the as-of time when it has no card, its card is of horizon
 * `o.horizonDays`, and it reads `o.featureNames`.
 * @returns its manifest and card; or why it cannot score.
 * @throws a store error reading it; DatasetFormatError for a manifest of a later format version.
 */
async function checkModel(catalog: Catalog, modelId: string, o: ScoreabilityOptions): Promise<{ scoreable: true; manifest: ModelManifest; card: ModelCard | undefined } | Unscoreable> {
  const trainedLater = (learnt: number): Unscoreable | undefined =>
    o.asOf !== undefined && learnt > o.asOf
      ? { scoreable: false, why: `was trained at a later as-of time (${iso(learnt)}), so it cannot score at this one (${iso(o.asOf)})`, trainedLater: true }
      : undefined;
  let card: ModelCard | undefined;
  let manifest: ModelManifest;
  try {
    card = await catalog.models.loadCard(modelId);
    const laterByCard = card === undefined ? undefined : trainedLater(modelLearntUntil(card, undefined, o.horizonDays));
    if (laterByCard !== undefined) return laterByCard;
    manifest = await catalog.models.loadManifest(modelId);
  } catch (error) {
    return unreadableModel(error);
  }
  // A model saved without a card: its manifest's validation cut-off tells.
  const later = trainedLater(modelLearntUntil(card, manifest.metrics.validationCutoff, o.horizonDays));
  if (later !== undefined) return later;
  const horizonDays = card?.horizonDays;
  if (horizonDays !== undefined && horizonDays !== o.horizonDays) {
    return { scoreable: false, why: `gives the probability of a purchase within ${horizonDays} days, not within the ${o.horizonDays} days of this training` };
  }
  try {
    checkFeatureNames(manifest.featureNames, o.featureNames, 'the feature set');
  } catch (error) {
    if (!(error instanceof FeatureMismatchError)) throw error;
    return { scoreable: false, why: `reads other features than today's (${error.message}), so it cannot score today's candidates` };
  }
  return { scoreable: true, manifest, card };
}

/**
 * Whether model `modelId` can score, as {@link checkModel} tells from its records, and
 * then loaded.
 * @returns the loaded model and its card, which the caller disposes; or why it cannot score.
 * @throws a store error reading it; DatasetFormatError for a manifest this version does
 *   not read (a later berserkr may have written it: treating its model as gone would
 *   take the newer version's champion away).
 */
export async function modelScoreability(catalog: Catalog, modelId: string, o: ScoreabilityOptions): Promise<ModelScoreability> {
  const checked = await checkModel(catalog, modelId, o);
  if (!checked.scoreable) return checked;
  try {
    return { scoreable: true, loaded: await loadModel(catalog, modelId), card: checked.card };
  } catch (error) {
    return unreadableModel(error);
  }
}

/**
 * Why what `champion` names cannot score, or undefined when it can: a model as
 * {@link modelScoreability}; a baseline fallback whose record is missing or damaged,
 * fitted for another horizon, or on labels after `o.asOf`; a blend whose record is
 * missing or damaged, or whose model cannot score. The records are read and the fallback
 * judged as scoring reads and judges them (`scorer-records.ts`); a model is judged by its
 * records (`checkModel`: card, manifest, the sizes of its files), without loading its weights.
 * @returns one clause naming it, e.g. `champion baseline:popularity cannot score: baseline fallback "popularity" not found: … does not exist`.
 * @throws as {@link modelScoreability}.
 */
export async function championUnscoreable(catalog: Catalog, champion: Champion, o: ScoreabilityOptions): Promise<string | undefined> {
  const named = `champion ${champion.modelId}`;
  let scorer: ScorerRecord;
  try {
    scorer = await loadScorerRecord(catalog, champion.modelId);
  } catch (error) {
    if (error instanceof DatasetNotFoundError || error instanceof DatasetFormatError || error instanceof TrainingInputError) return `${named} cannot score: ${error.message}`;
    throw error;
  }
  if (scorer.kind === 'baseline') {
    const mismatch = fallbackMismatch(scorer.fallback, o);
    if (mismatch?.reason === 'horizon') return `${named} gives the probability of a purchase within ${mismatch.horizonDays} days, not within the ${o.horizonDays} days of this training`;
    if (mismatch?.reason === 'learntLater') return `${named} was fitted on purchases up to ${iso(mismatch.learntUntil)}, after the as-of time ${iso(mismatch.asOf)}, so it cannot score at it`;
    return undefined;
  }
  // From the model's records: a scheduler's tick does not load weights to decide whether to retrain.
  const model = await checkModel(catalog, scorer.modelId, o);
  if (model.scoreable) return undefined;
  return scorer.kind === 'model' ? `${named} ${model.why}` : `${named} cannot score: its model ${scorer.modelId} ${model.why}`;
}

/**
 * The data set's champion pointer, read before anything is trained so that a damaged one
 * (not JSON, or breaking its schema) is found at once, not after the features are built.
 * @param replaceDamaged treat a damaged pointer as none, with a warning naming the file, so
 *   that the training decides anew and its decision rewrites the pointer (what `schedule`
 *   does: a scheduler recovers by itself); otherwise fail.
 * @returns the pointer, or undefined when there is none (or, with `replaceDamaged`, it is damaged).
 * @throws DatasetFormatError naming the file, what is wrong and what to do, when it is damaged
 *   and `replaceDamaged` is false; store errors unchanged.
 */
export async function loadChampionPointer(catalog: Catalog, log: Logger, replaceDamaged = false): Promise<Champion | undefined> {
  try {
    return await catalog.champion.load();
  } catch (error) {
    if (!(replaceDamaged && error instanceof DatasetFormatError)) throw error;
    log.warn({ pointer: error.uri }, `${damagedPointer(error)}: it names no champion, and this training's decision replaces it`);
    return undefined;
  }
}

/**
 * What a run that recovers from a damaged champion pointer says of it, without the remedy the
 * error gives (the run applies it): `champion pointer <uri> is damaged (<what is wrong>)`.
 * @param error the pointer's error, of `catalog.champion.load()`.
 */
export function damagedPointer(error: DatasetFormatError): string {
  return `champion pointer ${error.uri} is damaged (${error.detail})`;
}
