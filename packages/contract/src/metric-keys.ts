// The metric keys training logs to the tracker and every reader looks up (nats per token unless
// the key says bits).

export const TRAIN_METRICS = {
  loss: 'train/loss',
  ce: 'train/ce',
  klNats: 'train/kl_nats',
  klBits: 'train/kl_bits',
  lr: 'train/lr',
  gradNorm: 'train/grad_norm',
  tokensPerSec: 'train/tokens_per_sec',
  msPerStep: 'train/ms_per_step',
} as const;

/** Validation metrics, logged every `evaluation.every` steps. */
export const VAL_METRICS = {
  posteriorCe: 'val/posterior_ce',
  elbo: 'val/elbo',
  priorCe: 'val/prior_ce',
  klNats: 'val/kl_nats',
  klBits: 'val/kl_bits',
  /** Bits per character of the ELBO (text runs; equals bits per token for char tokenizers). */
  elboBitsPerChar: 'val/elbo_bpc',
  /** IWAE bound with VALIDATION_IWAE_SAMPLES importance samples (at most evaluation.iwaeSamples). */
  iwae: 'val/iwae',
} as const;
