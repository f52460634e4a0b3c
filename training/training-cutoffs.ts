/**
 * The labelled cut-offs of a training with features only for the rows it
 * reads: first every cut-off's candidates and labels (no features), then the
 * draws of the whole training planned on them (`draw-plan.ts`), then the
 * features of those rows. Beyond a few thousand customer groups with a
 * purchase, the rows built, and so the memory, no longer grow with the customers.
 */
import type { EventIndex } from '../features/event-index';
import { FeaturePool } from '../features/pool';
import type { FeatureSet, LabelledCandidates } from '../features/types';
import { rowsToBuild } from './draw-plan';
import type { TrainingCutoff, TrainOptions } from './train';

/** Calls of {@link buildTrainingCutoffs} as its work goes, each in any order of the cut-offs. */
export interface TrainingCutoffHooks {
  /** A cut-off's candidates are known. */
  onCandidates?: (candidates: LabelledCandidates) => void;
  /** The features of a cut-off's rows are built (`features.n` of `candidates.n` rows). */
  onFeatures?: (features: FeatureSet, candidates: LabelledCandidates) => void;
  /** As `FeaturePool.map`'s `stopCheck`: awaited before each cut-off of either pass, `where` naming the pass (`in its candidate pass, before cut-off …`); a hook that throws stops the work. */
  stopCheck?: (where: string) => Promise<void> | void;
}

/**
 * The training cut-offs and the validation cut-off of a training with
 * `train` options, each with its candidates, labels over `horizonDays` and the
 * features of the rows `rowsToBuild` names, labels included: what
 * `trainModel(cutoffs.slice(0, -1), cutoffs.at(-1), train)` reads.
 * Memory: the candidates (a byte a row) and the built rows (201 bytes each),
 * plus one batch of customers per thread while building.
 * @param cutoffs the training cut-offs, oldest first, then the validation cut-off.
 * @param threads threads in all, this one included.
 * @throws what `labelledCandidates`, `rowsToBuild` and `buildFeatureRows` throw;
 *   FeatureWorkerError when a worker thread fails; what `hooks.stopCheck` throws.
 */
export async function buildTrainingCutoffs(index: EventIndex, cutoffs: readonly number[], horizonDays: number, train: TrainOptions, threads: number, hooks: TrainingCutoffHooks = {}): Promise<TrainingCutoff[]> {
  const pool = FeaturePool.open(index, { horizonDays }, threads, cutoffs.length);
  try {
    const stopCheck = (pass: string) => (where: string) => hooks.stopCheck?.(`in its ${pass} pass, ${where}`);
    const candidates = await pool.map(cutoffs.map((cutoff) => ({ kind: 'candidates' as const, cutoff })), (c) => hooks.onCandidates?.(c), stopCheck('candidate'));
    const rows = rowsToBuild(candidates.slice(0, -1), candidates[candidates.length - 1], train);
    const tasks = candidates.map((c, i) => ({ kind: 'rows' as const, cutoff: c.cutoff, groups: { cutoff: c.cutoff, customers: c.customers, offsets: c.offsets }, rows: rows[i] }));
    const features = await pool.map(tasks, (fs, i) => hooks.onFeatures?.(fs, candidates[i]), stopCheck('feature'));
    return candidates.map((c, i) => ({
      candidates: c,
      features: { ...features[i], label: Uint8Array.from(rows[i], (r) => c.label[r]) },
      // Every row built: no positions to look up.
      ...(rows[i].length < c.n && { rows: rows[i] }),
    }));
  } finally {
    await pool.close();
  }
}
