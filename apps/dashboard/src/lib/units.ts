// The unit a metric key is logged in, for axis names: nats per token unless the key says bits.
export function unitOf(key: string): string {
  if (key.endsWith('/lr')) return 'learning rate';
  if (key.endsWith('/grad_norm')) return 'norm';
  if (key.endsWith('tokens_per_sec')) return 'tokens/s';
  if (key.includes('bits')) return 'bits/token';
  if (/(loss|ce|elbo|iwae|kl_nats)$/.test(key)) return 'nats/token';
  return '';
}
