// The bench database's shape: a sweep of 40 configs x 25 seeds (13 κ x 3 H Free Transformers and
// the baseline), per run 8 training keys x 1,200 steps + 5 validation keys x 80 evaluations, and
// two evaluation results. Shared by the generator (pages.ts) and the live writer (live-sweep.ts).
import type { EvaluationInput, MetricPoint, RunInput } from '@ftlab/tracker';

export const KAPPA_BITS = [1 / 64, 1 / 32, 1 / 16, 0.125, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 8];
export const LATENT_BITS = [4, 8, 16];
export const SEEDS = 25;
export const TRAIN_KEYS = [
  'train/loss',
  'train/ce',
  'train/kl_bits',
  'train/kl_nats',
  'train/lr',
  'train/grad_norm',
  'train/tokens_per_sec',
  'train/step_ms',
];
export const VAL_KEYS = ['val/prior_ce', 'val/elbo', 'val/posterior_ce', 'val/kl_bits', 'val/iwae'];
export const TRAIN_STEPS = 1200;
export const VAL_EVERY = 15; // 80 validation points per key

/** A smooth made-up curve per key, shifted by the run and by κ so the heatmap has structure. */
export function value(key: string, step: number, run: number, kappa: number): number {
  const decay = Math.exp(-step / 300);
  if (key.includes('kl_bits')) return kappa * (1 - decay);
  if (key.includes('kl_nats')) return kappa * Math.LN2 * (1 - decay);
  if (key.endsWith('/lr')) return 3e-3 * Math.min(1, step / 100);
  if (key.endsWith('grad_norm')) return 0.5 + decay + 0.05 * Math.sin(step + run);
  if (key.endsWith('tokens_per_sec')) return 2000 + 50 * Math.sin(step / 7 + run);
  if (key.endsWith('step_ms')) return 30 + Math.sin(step + run);
  return 1.5 + 2 * decay + 0.01 * Math.sin(step * 0.37 + run) - 0.02 * Math.log2(1 + kappa);
}

/** The points of steps [from, to) of a run: every training key per step, validation every VAL_EVERY. */
export function metricPoints(runId: string, from: number, to: number, run: number, kappa: number): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (let step = from; step < to; step++) {
    for (const key of TRAIN_KEYS) points.push({ runId, key, step, value: value(key, step, run, kappa) });
    if (step % VAL_EVERY === VAL_EVERY - 1) {
      for (const key of VAL_KEYS) points.push({ runId, key, step, value: value(key, step, run, kappa) });
    }
  }
  return points;
}

export function baselineRunInput(seed: number, steps = TRAIN_STEPS): RunInput {
  const common = { data: { kind: 'toy' }, training: { steps, lr: 3e-3 } };
  return {
    name: `baseline seed=${seed}`,
    variant: 'baseline',
    seed,
    totalSteps: steps,
    config: { ...common, model: { variant: 'baseline', layers: 4, width: 128 }, seed },
  };
}

export function benchRunInput(kappaBits: number, latentBits: number, seed: number, steps = TRAIN_STEPS): RunInput {
  return {
    name: `free kappa=${kappaBits} H=${latentBits} seed=${seed}`,
    variant: 'free-transformer',
    seed,
    totalSteps: steps,
    config: {
      data: { kind: 'toy' },
      model: {
        variant: 'free-transformer',
        kappaNats: kappaBits * Math.LN2,
        latentBits,
        encoderPlacement: 2,
        layers: 4,
        width: 128,
      },
      training: { steps, lr: 3e-3 },
      seed,
    },
  };
}

/** The two evaluation results a finished run gets (a likelihood metric and the toy Z study). */
export function evaluationsOf(step: number, run: number, kappa: number): EvaluationInput[] {
  return [
    {
      step,
      task: 'likelihood',
      metric: 'prior_ce_bits_per_token',
      value: value('x', TRAIN_STEPS, run, kappa) / Math.LN2,
      stderr: 0.01,
      n: 256,
    },
    {
      step,
      task: 'toy_z_study',
      metric: 'block_start_agreement_pinned',
      value: Math.min(1, kappa / 4),
      stderr: 0.05,
      n: 32,
    },
  ];
}
