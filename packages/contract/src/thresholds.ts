// The thresholds of latent usage: the evaluation decides collapse with them, the verdicts quote
// them and the dashboard marks collapsed runs with them.

/** A bit is a live channel when its KL exceeds this many bits per token (default). */
export const DEFAULT_LIVE_THRESHOLD_BITS = 0.01;
/** KL below this many bits per token counts towards collapse (default). */
export const DEFAULT_COLLAPSE_THRESHOLD_BITS = 0.01;
/** Collapse needs this many consecutive low evaluations, the latest included (default). */
export const DEFAULT_COLLAPSE_WINDOW = 3;

/** Metrics are in nats unless their key says bits: bits = nats / NATS_PER_BIT. */
export const NATS_PER_BIT = Math.LN2;
