// The metric keys training logs to the tracker (nats per token unless the key says bits).
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
