/**
 * The model card (M. Mitchell et al., "Model Cards for Model Reporting", FAT*
 * 2019) of a registered model, `models/<data set>/<model-id>/model-card.json`,
 * with its text for people beside it, `model-card.md`: what the model was
 * trained on, what it reads, how it compared with the baselines on validation
 * and why it was or was not promoted. Written with the model, before its
 * manifest, so a published model has its card (models published before cards
 * existed have none). Keys and writes are `models.ts`'s.
 */
import { z } from 'zod';

const iso = z.string().datetime({ offset: false });
const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

/** One system's protocol metrics on the validation cut-off. */
const SystemRow = z.object({
  system: z.string(),
  role: z.enum(['challenger', 'baseline', 'champion', 'blend']),
  customers: count,
  recall: z.number(),
  precision: z.number(),
  ndcg: z.number(),
  hitRate: z.number(),
  map: z.number(),
  /** ECE over every scored pair, 10 equal-width bins (models and blends). */
  ece: z.number().optional(),
  /** ECE over the pairs of the top-K lists. */
  eceTopK: z.number().optional(),
  logLoss: z.number().optional(),
});

/** A bootstrap comparison of the challenger (or the blend) with another system. */
const ComparisonRow = z.object({
  role: z.enum(['baseline', 'champion']),
  against: z.string(),
  /** Mean NDCG@K of the challenger (or the blend, out of fold). */
  challenger: z.number(),
  other: z.number(),
  /** False when the other's figure is only a mean (one-sample bootstrap). */
  paired: z.boolean(),
  /** When not paired: the champion's recorded lead over its best baseline on its own validation cut-off. */
  lead: z.number().optional(),
  meanDifference: z.number(),
  standardError: z.number().nonnegative(),
  lower: z.number(),
  pValue: z.number().gt(0).lte(1),
  significant: z.boolean(),
});

/** Schema of `model-card.json` (version `berserkr.model-card/1`; adding optional fields keeps it). */
export const ModelCardSchema = z.object({
  schema: z.literal('berserkr.model-card/1'),
  modelId: z.string(),
  dataset: z.string(),
  /** ISO 8601 UTC, the manifest's `createdAt`. */
  createdAt: iso,
  configHash: z.string(),
  backend: z.string(),
  /** As-of time T: nothing at or after it was read. */
  asOf: iso,
  horizonDays: z.number().positive(),
  k: z.number().int().positive(),
  training: z.object({
    /** Events read: from the first event to the as-of time (the last label window ends there). */
    window: z.object({ from: iso, to: iso }),
    /** Training cut-offs, oldest first; labels of cut-off t are purchases in [t, t + H). */
    cutoffs: z.array(iso),
    validationCutoff: iso,
    cutoffStepDays: z.number().positive(),
    rows: z.object({ training: count, validation: count }),
    members: count,
    /** Whether the saved network went on training on the validation cut-off after it was measured and calibrated there. */
    refit: z.boolean(),
    seed: z.number().int(),
  }),
  /** Feature names in the network's input order. */
  features: z.array(z.string()),
  /** Candidate generation on the validation cut-off, over the validation customers. */
  candidates: z.object({
    cutoff: iso,
    customers: count,
    /** True (customer, item) purchases of those customers in [cut-off, cut-off + H). */
    purchases: count,
    /** Share of the purchases that are candidates, any source. */
    recall: share,
    perCustomer: z.number().nonnegative(),
    sources: z.array(z.object({ source: z.enum(['own', 'popular', 'copurchase', 'knn']), recall: share, perCustomer: z.number().nonnegative() })),
  }),
  validation: z.object({ cutoff: iso, systems: z.array(SystemRow) }),
  calibration: z.object({
    method: z.enum(['platt', 'isotonic', 'identity']),
    heldOutLogLoss: z.object({ platt: z.number(), isotonic: z.number() }),
    /** ECE over every validation pair and over the top-K validation lists. */
    ece: z.number(),
    eceTopK: z.number(),
    /** Logit offsets that carry the map to the horizon (`training/challenger.ts`, `horizonShifts`), and the base rates of the prior shift. */
    refitShift: z.number(),
    validationRate: share,
    forecastRate: share,
    shift: z.number(),
  }),
  promotion: z.object({
    outcome: z.enum(['promoted', 'kept-champion', 'baseline', 'blend']),
    /** What scoring uses after the decision: a model id, `baseline:<name>@<model-id>` (`baseline:<name>` in cards of earlier versions) or `blend:<model-id>`. */
    scoringWith: z.string(),
    decision: z.string(),
    bootstrap: z.object({ resamples: z.number().int().positive(), seed: z.number().int(), confidence: z.number() }),
    comparisons: z.array(ComparisonRow),
    blend: z
      .object({
        baseline: z.string(),
        weight: z.number(),
        foldWeights: z.tuple([z.number(), z.number()]),
        /** The blend out of fold against the baseline. */
        comparison: ComparisonRow,
      })
      .optional(),
  }),
  /**
   * The rows, up to the model's as-of time, of the data set's latest backtest of
   * the same procedure (configuration and training settings, `backtests.ts`), or
   * null when there was none; `backtestRunId` names the run that made them.
   */
  backtest: z.array(z.object({ asOf: iso, system: z.string(), recall: z.number(), ndcg: z.number() })).nullable(),
  backtestRunId: z.string().nullable(),
});

/** `model-card.json` of a model. */
export type ModelCard = z.infer<typeof ModelCardSchema>;
