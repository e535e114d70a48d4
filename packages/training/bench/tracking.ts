// What tracking costs a training step (`pnpm --filter @ftlab/training bench:tracking`): the time
// the trainer spends handing metric points to the tracker (MetricWriter.logStep, batched flushes
// in one transaction each), next to the time of one training step of the reference config on
// the fastest engine here. Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_NAMES, BackendUnavailableError, selectBackend, tf } from '@ftlab/backend';
import { TRAIN_METRICS } from '@ftlab/contract';
import { createModel, lossAndGradients } from '@ftlab/model';
import { openTracker } from '@ftlab/tracker';
import { benchArgs } from '../../../bench.shared.js';
import { AdamW, clipByGlobalNorm } from '../src/optimizer.js';

const LOGGED_STEPS = 20_000;

async function fastestEngine(): Promise<string> {
  for (const name of BACKEND_NAMES) {
    try {
      return (await selectBackend(name)).name;
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
    }
  }
  throw new Error('no engine starts');
}

/** Median ms of one training step (lossAndGradients + clip + AdamW) of the reference baseline. */
function stepMs(): number {
  const model = createModel(
    { variant: 'baseline', vocabSize: 28, width: 128, layers: 4, heads: 4, contextLength: 64 },
    1,
  );
  const optimizer = new AdamW(model.variables, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
  const inputs = tf.randomUniformInt([32, 64], 0, 28, 1) as tf.Tensor2D;
  const targets = tf.randomUniformInt([32, 64], 0, 28, 2) as tf.Tensor2D;
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    const { grads } = lossAndGradients(model, inputs, targets, { seed: i });
    const named = Object.fromEntries(grads);
    const clipped = clipByGlobalNorm(named, 1);
    optimizer.apply(clipped.grads, 1e-3);
    tf.dispose(Object.values(named));
    if (clipped.grads !== named) tf.dispose(Object.values(clipped.grads));
    if (i >= 3) times.push(performance.now() - t0);
  }
  model.dispose();
  optimizer.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function loggingMsPerStep(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-bench-tracking-'));
  try {
    const tracker = await openTracker(join(dir, 'tracker.db'));
    const run = await tracker.startRun({ name: 'bench', config: {}, seed: 1, worker: 'bench' });
    const writer = await tracker.metricWriter(run.id);
    const keys = Object.values(TRAIN_METRICS);
    const t0 = performance.now();
    for (let step = 1; step <= LOGGED_STEPS; step++) {
      writer.logStep(step, Object.fromEntries(keys.map((k, i) => [k, step * 1e-3 + i])));
      // The trainer yields to the event loop once per step; the writer flushes on its timer or size.
      if (step % 1000 === 0) await writer.flush();
    }
    await writer.close();
    const elapsed = performance.now() - t0;
    await tracker.close();
    return elapsed / LOGGED_STEPS;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

benchArgs({
  usage: 'pnpm --filter @ftlab/training bench:tracking',
  description:
    `The time the trainer spends handing ${LOGGED_STEPS} steps of metric points to the tracker, next to one ` +
    'training step of the reference config on the fastest engine here: one JSON line.',
  options: {},
});
const engine = await fastestEngine();
const step = stepMs();
const logging = await loggingMsPerStep();
console.log(
  JSON.stringify({
    engine,
    referenceStepMs: Number(step.toFixed(1)),
    keysPerLoggedStep: Object.keys(TRAIN_METRICS).length,
    loggingMsPerLoggedStep: Number(logging.toFixed(4)),
    overheadPercentLogEvery1: Number(((100 * logging) / step).toFixed(3)),
    overheadPercentLogEvery10: Number(((100 * logging) / 10 / step).toFixed(4)),
  }),
);
