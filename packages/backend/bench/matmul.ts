// `pnpm --filter @ftlab/backend bench`: forward + backward throughput of a 2-layer MLP-sized
// matmul chain (the shape of one transformer MLP at d=128, B*T=2048 tokens) on each engine that
// starts here, with tf.matMul's own gradient and with the explicit-transpose `matMul`.
// Prints one JSON line per (engine, matmul) case.
import { benchArgs } from '../../../bench.shared.js';
import { matMul } from '../src/matmul.js';
import { BACKEND_NAMES, BackendUnavailableError, selectBackend } from '../src/select.js';
import { type Tensor, tf } from '../src/tf.js';

const tokens = 2048;
const width = 128;
const hidden = 512;
const warmup = 3;
const steps = 20;

type MatMul = (a: Tensor, b: Tensor) => Tensor;

function step(x: Tensor, w1: Tensor, w2: Tensor, mm: MatMul): void {
  tf.tidy(() => {
    const loss = (a: Tensor, b: Tensor) => tf.mean(tf.square(mm(tf.relu(mm(x, a)), b)));
    const grads = tf.grads(loss)([w1, w2]);
    for (const g of grads) g.dataSync();
  });
}

async function main(): Promise<void> {
  benchArgs({
    usage: 'pnpm --filter @ftlab/backend bench',
    description:
      `Forward + backward of a matmul chain [${tokens},${width}]x[${width},${hidden}]x[${hidden},${width}] on each ` +
      'engine that starts here, with tf.matMul and the explicit-transpose matMul: one JSON line per case.',
    options: {},
  });
  for (const engine of BACKEND_NAMES) {
    try {
      await selectBackend(engine);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      console.log(JSON.stringify({ backend: engine, skipped: error.message }));
      continue;
    }
    const x = tf.randomNormal([tokens, width], 0, 1, 'float32', 1);
    const w1 = tf.randomNormal([width, hidden], 0, 0.05, 'float32', 2);
    const w2 = tf.randomNormal([hidden, width], 0, 0.05, 'float32', 3);
    const variants: Array<[string, MatMul]> = [
      ['tf.matMul', (a, b) => tf.matMul(a, b)],
      ['explicit-transpose', (a, b) => matMul(a, b)],
    ];
    for (const [name, mm] of variants) {
      const n = engine === 'cpu' ? Math.ceil(steps / 4) : steps;
      for (let i = 0; i < warmup; i++) step(x, w1, w2, mm);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        step(x, w1, w2, mm);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      // The useful work: forward 2 products, backward 3 (dW1, dW2 and the hidden layer's gradient;
      // x needs none), 2*m*k*n flops each. An engine that also computes x's gradient does it on
      // its own time, and shows as fewer GFLOP/s.
      const gflop = (5 * 2 * tokens * width * hidden) / 1e9;
      console.log(
        JSON.stringify({
          backend: engine,
          matmul: name,
          shape: `[${tokens},${width}]x[${width},${hidden}]x[${hidden},${width}]`,
          msPerStep: Number(median.toFixed(2)),
          tokensPerSec: Math.round((tokens * 1000) / median),
          gflops: Number((gflop / (median / 1000)).toFixed(2)),
        }),
      );
    }
    tf.dispose([x, w1, w2]);
  }
}

await main();
