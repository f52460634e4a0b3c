/** The flags of the commands that train (`train`, `run`, `schedule`, `backtest`) and the training settings they ask for. */
import type { TrainSettings } from '../training/options';

/** The CLI flags of a training (`train` and `run`). */
export interface TrainFlags {
  topK: number;
  horizon: number;
  trainCutoffs: number;
  /** Days between training cut-offs (`--cutoff-step`); default the horizon. */
  cutoffStep?: number;
  /** Training passes (`--epochs`); unset, `trainModel`'s default. */
  epochs?: number;
  /** Customer groups per pass (`--train-groups`); unset, the default budget. */
  trainGroups?: number;
  /** Members of the ensemble (`--members`); unset, `trainModel`'s default. */
  members?: number;
  /** Threads of the training steps (`--train-threads`); unset, every CPU. */
  trainThreads?: number;
  /** Refit on the training and validation cut-offs (`--no-refit` sets false); unset, `trainModel`'s default. */
  refit?: boolean;
  seed: number;
}

/** The training settings the CLI flags ask for (the as-of time aside). */
export function trainSettings(flags: TrainFlags): TrainSettings {
  return {
    horizonDays: flags.horizon,
    trainCutoffs: flags.trainCutoffs,
    cutoffStepDays: flags.cutoffStep,
    k: flags.topK,
    seed: flags.seed,
    train: {
      epochs: flags.epochs,
      refit: flags.refit,
      members: flags.members,
      threads: flags.trainThreads,
      ...(flags.trainGroups !== undefined && { budget: { groupsPerEpoch: flags.trainGroups } }),
    },
  };
}
