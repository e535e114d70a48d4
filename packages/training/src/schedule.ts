// Learning rate: linear warmup from 0, then cosine decay to minLr (nanoGPT's schedule).
export interface LrSchedule {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  warmupSteps: number;
  /** Step at which the cosine reaches minLr (usually the run's total steps). */
  decaySteps: number;
  minLr: number;
}

/** Learning rate used for optimizer step `step` (0-based). */
export function learningRate(schedule: LrSchedule, step: number): number {
  const { lr, warmupSteps, decaySteps, minLr } = schedule;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  if (step >= decaySteps) return minLr;
  const progress = (step - warmupSteps) / Math.max(1, decaySteps - warmupSteps);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
}
