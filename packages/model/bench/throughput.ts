// `pnpm --filter @ftlab/model bench [--cases a,b]`: training throughput of
// the baseline and the Free Transformer at d=128, L=4, heads=4, T=64, B=32, vocab 64, on the
// engine FTLAB_BACKEND names (default: native where its addon is built, else wasm). A step is
// forward + backward + a plain SGD update; @ftlab/training's bench measures the real training
// step (AdamW, clipping) on every engine. Each case runs in its own child process so its peak RSS
// is its own. Prints one JSON line per case.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { nativeUnavailableReason, parseBackendChoice, selectBackend, type Tensor2D, tf } from '@ftlab/backend';
import { benchArgs } from '../../../bench.shared.js';
import { type ModelConfigInput, resolveModelConfig } from '../src/config.js';
import { flopsPerToken, parameterCount } from '../src/cost.js';
import { createModel } from '../src/free-transformer.js';
import { lossAndGradients } from '../src/gradients.js';

const SHAPE = { vocabSize: 64, width: 128, layers: 4, heads: 4, contextLength: 64 } as const;
const BATCH = 32;

const CASES: Record<string, ModelConfigInput> = {
  baseline: { variant: 'baseline' },
  'baseline-plus-one': { variant: 'baseline-plus-one' },
  'ft-h8-dense': { variant: 'free-transformer', latentBits: 8, estimator: 'dense' },
  'ft-h16-dense': { variant: 'free-transformer', latentBits: 16, estimator: 'dense' },
  'ft-h16-sampled': { variant: 'free-transformer', latentBits: 16, estimator: 'sampled' },
  'ft-h16-factored': { variant: 'free-transformer', latentBits: 16, estimator: 'factored' },
};
const DEFAULT_CASES = ['baseline', 'ft-h8-dense', 'ft-h16-dense', 'ft-h16-factored'];

async function runCase(name: string): Promise<void> {
  const overrides = CASES[name] as ModelConfigInput;
  const requested = process.env.FTLAB_BACKEND || (nativeUnavailableReason() === null ? 'native' : 'wasm');
  const engine = (await selectBackend(parseBackendChoice(requested))).name;
  const config = resolveModelConfig({ ...SHAPE, ...overrides, kappa: { bits: 0.5 } });
  const model = createModel(config, 1);
  const time = SHAPE.contextLength;
  const batch = tf.randomUniform([BATCH, time + 1], 0, SHAPE.vocabSize, 'int32', 1);
  const inputs = tf.slice(batch, [0, 0], [BATCH, time]) as Tensor2D;
  const targets = tf.slice(batch, [0, 1], [BATCH, time]) as Tensor2D;
  const step = (seed: number) => {
    const { grads } = lossAndGradients(model, inputs, targets, { seed, training: true });
    tf.tidy(() => {
      for (const { name: param, variable } of model.variables) {
        variable.assign(tf.sub(variable, tf.mul(grads.get(param) as Tensor2D, 1e-3)));
      }
    });
    tf.dispose([...grads.values()]);
  };
  const warmup = 2;
  const measured = config.latentBits >= 16 && config.estimator === 'dense' ? 3 : 8;
  for (let i = 0; i < warmup; i++) step(i);
  const times: number[] = [];
  for (let i = 0; i < measured; i++) {
    const t0 = performance.now();
    step(warmup + i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const tokens = BATCH * time;
  const flops = flopsPerToken(config, { training: true, sequenceLength: time });
  console.log(
    JSON.stringify({
      case: name,
      backend: engine,
      variant: config.variant,
      latentBits: config.latentBits,
      estimator: config.estimator,
      shape: { d: config.width, L: config.layers, heads: config.heads, T: time, B: BATCH, V: config.vocabSize },
      params: parameterCount(config).total,
      msPerStep: Number(median.toFixed(1)),
      tokensPerSec: Math.round((tokens * 1000) / median),
      trainingGflopsPerSec: Number(((flops * tokens) / (median / 1000) / 1e9).toFixed(2)),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      loadAverage1m: Number(loadavg()[0].toFixed(2)),
    }),
  );
  model.dispose();
}

async function main(): Promise<void> {
  const names = Object.keys(CASES);
  const args = benchArgs({
    usage: 'pnpm --filter @ftlab/model bench',
    description:
      `Training throughput (forward + backward + SGD) at d=${SHAPE.width}, L=${SHAPE.layers}, ` +
      `T=${SHAPE.contextLength}, B=${BATCH} on the engine FTLAB_BACKEND names (default native where built, ` +
      'else wasm), each case in a child process: one JSON line per case.',
    options: {
      cases: {
        type: 'string',
        value: 'a,b',
        help: `cases to run (default ${DEFAULT_CASES.join(',')}): ${names.join(', ')}`,
      },
      case: { type: 'string', value: 'name', help: 'measure this one case in this process (what each child runs)' },
    },
  });
  const only = args.choice('case', names);
  if (only !== undefined) {
    await runCase(only);
    return;
  }
  for (const name of args.list('cases', names) ?? DEFAULT_CASES) {
    // A child per case: peak RSS is per process.
    const output = execFileSync(process.execPath, [...process.execArgv, process.argv[1], '--case', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(output);
  }
}

await main();
