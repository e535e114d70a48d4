// The thresholds of latent usage, in a file of their own so the verdicts (and anything else that
// only reads recorded values) can use them without loading TensorFlow.js.

/** A bit is a live channel when its KL exceeds this many bits per token (default). */
export const DEFAULT_LIVE_THRESHOLD_BITS = 0.01;
/** KL below this many bits per token counts towards collapse (default). */
export const DEFAULT_COLLAPSE_THRESHOLD_BITS = 0.01;
/** Collapse needs this many consecutive low evaluations, the latest included (default). */
export const DEFAULT_COLLAPSE_WINDOW = 3;
