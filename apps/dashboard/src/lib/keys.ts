// The names the dashboard reads from the tracker, in one place: metric keys the training loop
// logs, flattened config paths it records as params, artifact kinds and evaluation fields the
// evaluation package writes. Metric keys, statuses and thresholds are @ftlab/contract's, shared
// with training and the CLI; the dashboard only gives them its short names here.
import {
  DEFAULT_COLLAPSE_THRESHOLD_BITS,
  DEFAULT_STALE_AFTER_MS,
  LATENT_FREE_VARIANTS,
  MODEL_VARIANTS,
  PARAM_PATHS,
  REFERENCE_VARIANT,
  RUN_STATUSES,
  type RunStatus,
  type SweepStatus,
  TRAIN_METRICS,
  VAL_METRICS,
  Z_SHEET_ARTIFACT_KIND,
} from '@ftlab/contract';

export { NATS_PER_BIT } from '@ftlab/contract';
export { RUN_STATUSES, type RunStatus, type SweepStatus };

/** Metric keys: nats per token unless the key says bits. */
export const METRIC = {
  trainLoss: TRAIN_METRICS.loss,
  trainCe: TRAIN_METRICS.ce,
  trainKlNats: TRAIN_METRICS.klNats,
  trainKlBits: TRAIN_METRICS.klBits,
  learningRate: TRAIN_METRICS.lr,
  gradNorm: TRAIN_METRICS.gradNorm,
  tokensPerSec: TRAIN_METRICS.tokensPerSec,
  valPosteriorCe: VAL_METRICS.posteriorCe,
  valElbo: VAL_METRICS.elbo,
  valPriorCe: VAL_METRICS.priorCe,
  valKlBits: VAL_METRICS.klBits,
  valIwae: VAL_METRICS.iwae,
} as const;

/** Params are flattened config paths. */
export const PARAM = PARAM_PATHS;

/**
 * A RUNNING run without a heartbeat for longer than this (the CLI's default --stale-after) is
 * shown as silent: its process has probably died. The dashboard only reads the database, so it
 * does not mark it CRASHED; the next `ftlab sweep`, `worker` or `resume` does.
 */
export const SILENT_AFTER_MS = DEFAULT_STALE_AFTER_MS;

/** Model variants; those without a latent are the baselines, and the plain one is the reference. */
export const VARIANTS = MODEL_VARIANTS;
export const BASELINE_VARIANTS: readonly string[] = LATENT_FREE_VARIANTS;
export { REFERENCE_VARIANT, Z_SHEET_ARTIFACT_KIND };
/** A z-sheet may also be an evaluation whose `extra` holds the sheet text under one of these fields. */
export const Z_SHEET_EXTRA_FIELDS = ['sheet', 'zSheet', 'text'] as const;

/**
 * A latent run whose latest KL (train/kl_bits) is below this many bits per token is marked as
 * collapsed: Z carries (almost) nothing and the model is a baseline plus one block.
 */
export const COLLAPSE_THRESHOLD_BITS = DEFAULT_COLLAPSE_THRESHOLD_BITS;

/** How often pages with RUNNING or PENDING runs re-read the tracker, and pages without any. */
export const REFRESH_ACTIVE_MS = 4000;
export const REFRESH_IDLE_MS = 20000;
/** A sweep page over many runs costs ~1 s of server CPU to render: refresh it less often. */
export const REFRESH_LARGE_SWEEP_MS = 15000;
export const LARGE_SWEEP_RUNS = 200;
